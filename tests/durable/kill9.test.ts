import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { beforeAll, describe, expect, it } from 'vitest'
import { createEngine, fileStore, memoryStore, mulberry32, type JournalEvent } from '../../src/index.js'
import { tortureWorkflow } from './torture-workflow.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const bundle = join(root, 'node_modules', '.cache', 'weft-tests', 'torture-child.mjs')
const KILLS = Number(process.env.WEFT_TORTURE_KILLS ?? 50)

beforeAll(async () => {
  // A bundled child starts in ~50 ms instead of ~400 ms under tsx: more kills per second.
  mkdirSync(join(bundle, '..'), { recursive: true })
  await build({ entryPoints: [join(root, 'tests/durable/torture-child.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, external: ['typebox', 'eventemitter3', 'ts-pattern'], logLevel: 'error' })
}, 60_000)

interface Life {
  readonly killed: boolean
  readonly stdout: string
  readonly code: number | null
}

function life(args: string[], killAfterMs: number | undefined): Promise<Life> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let killed = false
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (killAfterMs !== undefined && stdout.includes('ready\n') && !killed) {
        setTimeout(() => {
          killed = child.kill('SIGKILL')
        }, killAfterMs)
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal === null && code !== 0) reject(new Error(`child failed (${code}): ${stderr}`))
      else resolve({ killed: signal === 'SIGKILL', stdout, code })
    })
  })
}

async function journalOf(dir: string, runId: string): Promise<JournalEvent[]> {
  const store = fileStore(dir)
  const out: JournalEvent[] = []
  if ((await store.get(runId)) === undefined) return out // killed before the run was created
  for await (const e of store.read(runId)) out.push(e)
  await store.close?.()
  return out
}

describe('kill -9 torture', () => {
  it(`survives ${KILLS} SIGKILLs at random moments: same output, no recorded success re-run, no duplicate effect`, async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'weft-kill9-'))
    const reference = await createEngine({ store: memoryStore() }).run(tortureWorkflow(join(scratch, 'ref-exec'), join(scratch, 'ref-ledger')), undefined, { seed: 1 })
    expect(reference.status).toBe('succeeded')
    const random = mulberry32(Number(process.env.WEFT_TORTURE_SEED ?? 20261125))
    let kills = 0
    let runs = 0
    const killedAt = new Set<number>()
    while (kills < KILLS) {
      const runId = `run-${++runs}`
      const dir = join(scratch, runId)
      const execLog = join(dir, 'exec.log')
      const ledger = join(dir, 'ledger')
      mkdirSync(dir, { recursive: true })
      const args = [join(dir, 'store'), runId, execLog, ledger]
      // The kill lands 0–25 ms after `ready`. On a loaded machine (CI runs test files in
      // parallel) a life can journal nothing in 25 ms; each life that made no progress doubles
      // the window for the next, so the kills still land at many different points of the run.
      let window = 25
      let length = -1
      for (;;) {
        const out = await life(args, kills < KILLS ? Math.floor(random() * window) : undefined)
        if (out.killed) {
          kills++
          const now = (await journalOf(join(dir, 'store'), runId)).length // the journal always opens
          window = now === length ? Math.min(window * 2, 1_000) : 25
          length = now
          killedAt.add(now)
          continue
        }
        const final = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { status: string; output: unknown }
        expect(final).toEqual({ status: 'succeeded', output: reference.status === 'succeeded' ? reference.output : null })
        break
      }
      const journal = await journalOf(join(dir, 'store'), runId)
      expect(journal.map((e) => e.seq)).toEqual(journal.map((_, i) => i + 1))
      const succeededAt = new Map(journal.filter((e) => e.type === 'step.succeeded').map((e) => [(e as { stepId: string }).stepId, (e as { attempt: number }).attempt]))
      expect(succeededAt.size).toBe(320)
      const executions = readFileSync(execLog, 'utf8').trim().split('\n')
      expect(new Set(executions).size).toBe(executions.length) // each (step, attempt) ran at most once
      for (const line of executions) {
        const [step, attempt] = line.split(' ') as [string, string]
        expect(Number(attempt)).toBeLessThanOrEqual(succeededAt.get(step)!) // nothing ran after its success was recorded
      }
      const effects = readFileSync(ledger, 'utf8').trim().split('\n')
      expect(new Set(effects).size).toBe(effects.length) // no duplicate effect
      expect(effects).toHaveLength(320)
    }
    expect(kills).toBeGreaterThanOrEqual(KILLS)
    expect(killedAt.size).toBeGreaterThan(Math.min(5, KILLS / 4)) // the kills landed at many different points of the runs
    rmSync(scratch, { recursive: true, force: true })
  }, 600_000)
})
