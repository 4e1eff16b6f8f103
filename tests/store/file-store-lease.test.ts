import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fileStore, mulberry32, SimulatedClock } from '../../src/index.js'
import { append } from '../conformance/run-store.js'
import { events, header } from '../conformance/journal-fixtures.js'
import { CrashFs } from './crash-fs.js'
import { rejection, tempDir } from './helpers.js'

const racer = fileURLToPath(new URL('./lease-racer.ts', import.meta.url))

/** A racer child and a way to wait for its next line of output. */
function startRacer(dir: string, owner: string): { child: ChildProcessWithoutNullStreams; next: () => Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', racer, dir, 'race', owner], { stdio: ['pipe', 'pipe', 'pipe'] })
  const queued: string[] = []
  const waiting: ((line: string) => void)[] = []
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  createInterface({ input: child.stdout }).on('line', (line) => {
    const waiter = waiting.shift()
    if (waiter !== undefined) waiter(line)
    else queued.push(line)
  })
  child.on('exit', (code) => {
    for (const waiter of waiting.splice(0)) waiter(`exited ${code}: ${stderr}`)
  })
  return { child, next: () => (queued.length > 0 ? Promise.resolve(queued.shift()!) : new Promise((resolve) => waiting.push(resolve))) }
}

describe('fileStore leases across processes', () => {
  it('two processes racing for the same lease 100 times: exactly one wins each round, tokens only grow', async () => {
    const dir = tempDir('weft-lease-')
    const setup = fileStore(dir)
    await setup.create(header('race'))
    await setup.close()
    const racers = [startRacer(dir, 'process-a'), startRacer(dir, 'process-b')]
    const random = mulberry32(2025)
    let lastToken = 0
    const winners: number[] = []
    try {
      for (let round = 1; round <= 100; round++) {
        // Seeded order: which process hears "go" first.
        const order = random() < 0.5 ? [0, 1] : [1, 0]
        for (const i of order) racers[i]!.child.stdin.write(`acquire ${round}\n`)
        const results = await Promise.all(racers.map((r) => r.next()))
        const won = results.map((line, i) => [line, i] as const).filter(([line]) => line.startsWith(`result ${round} won `))
        expect(results.filter((line) => line === `result ${round} lost`).length + won.length, results.join(' | ')).toBe(2)
        expect(won, results.join(' | ')).toHaveLength(1)
        const token = Number(won[0]![0].split(' ')[3])
        expect(token).toBeGreaterThan(lastToken)
        lastToken = token
        const winner = won[0]![1]
        winners.push(winner)
        racers[winner]!.child.stdin.write(`release ${round}\n`)
        expect(await racers[winner]!.next()).toBe(`released ${round}`)
      }
    } finally {
      for (const r of racers) r.child.stdin.end('exit\n')
      await Promise.all(racers.map((r) => new Promise((resolve) => (r.child.exitCode !== null ? resolve(null) : r.child.on('exit', resolve)))))
    }
    expect(lastToken).toBe(100)
    // Both processes won some rounds: it really was a race.
    expect(new Set(winners).size).toBe(2)
  })

  it('two store instances racing in one process: exactly one wins each round', async () => {
    const clock = new SimulatedClock({ start: 0, autoAdvance: false })
    const dir = tempDir('weft-lease-')
    const a = fileStore(dir, { clock, durability: 'none' })
    const b = fileStore(dir, { clock, durability: 'none' })
    await a.create(header('r1'))
    for (let round = 1; round <= 30; round++) {
      const [x, y] = await Promise.all([a.acquireLease('r1', 'a', 100), b.acquireLease('r1', 'b', 100)])
      expect([x, y].filter((l) => l !== undefined)).toHaveLength(1)
      expect((x ?? y)!.token).toBe(round)
      await clock.advance(100) // let it expire instead of releasing
    }
    await Promise.all([a.close(), b.close()])
  })

  it('fencing works across store instances: a superseded holder cannot append', async () => {
    const clock = new SimulatedClock({ start: 0, autoAdvance: false })
    const dir = tempDir('weft-lease-')
    const a = fileStore(dir, { clock })
    const b = fileStore(dir, { clock })
    await a.create(header('r1'))
    const first = (await a.acquireLease('r1', 'a', 100))!
    await append(a, 'r1', events('r1', 1, 2), { fence: first.token })
    await clock.advance(100)
    const second = (await b.acquireLease('r1', 'b', 100))!
    await append(b, 'r1', events('r1', 3, 3), { fence: second.token })
    expect(await rejection(append(a, 'r1', events('r1', 3, 3), { fence: first.token }))).toMatchObject({ code: 'WEFT_LEASE_LOST' })
    expect(await b.orphans()).toEqual([])
    await clock.advance(100)
    expect(await a.orphans()).toEqual(['r1'])
    await Promise.all([a.close(), b.close()])
  })

  it('a release costs no sync; lost to a power cut it reads as held until expiry, or as released, never as a lower token', async () => {
    const clock = new SimulatedClock({ start: 0, autoAdvance: false })
    const dir = tempDir('weft-lease-')
    const shim = new CrashFs()
    const a = fileStore(dir, { clock, fs: shim })
    await a.create(header('r1'))
    const first = (await a.acquireLease('r1', 'a', 100))!
    const tokenFile = join(dir, 'leases', 'r1', `${first.token}.lease`)
    const held = readFileSync(tokenFile)
    const syncs = shim.fdatasyncs + shim.fsyncs
    await a.releaseLease(first)
    expect(shim.fdatasyncs + shim.fsyncs).toBe(syncs)
    // Released: another owner takes the run at once, with a higher token.
    const b = fileStore(dir, { clock })
    expect(await b.orphans()).toEqual(['r1'])
    // The release's rename never reached the disk: the file holds the lease as acquired, so it
    // stays held until it expires (as when its holder died without releasing).
    writeFileSync(tokenFile, held)
    expect(await b.acquireLease('r1', 'b', 100)).toBeUndefined()
    expect(await b.orphans()).toEqual([])
    await clock.advance(100)
    const second = (await b.acquireLease('r1', 'b', 100))!
    expect(second.token).toBeGreaterThan(first.token)
    // A release whose data never reached the disk (an empty file after the rename): released.
    await b.releaseLease(second)
    writeFileSync(join(dir, 'leases', 'r1', `${second.token}.lease`), '')
    const third = (await a.acquireLease('r1', 'a', 100))!
    expect(third.token).toBeGreaterThan(second.token)
    await Promise.all([a.close(), b.close()])
  })
})
