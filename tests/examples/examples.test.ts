import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { workstreams } from '../../examples/workstreams/workstreams.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

function runExample(file: string, args: string[] = []): string {
  return execFileSync(process.execPath, ['--import', 'tsx', file, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })
}

describe('examples', () => {
  it('hello runs its three typed steps', () => {
    const out = runExample('examples/hello/main.ts', ['Ada'])
    expect(out).toContain('#8 run.succeeded')
    expect(out).toContain("message: 'HELLO, ADA!'")
  })

  it('workstreams prints phases, the critical path and the result (unlimited team)', () => {
    const out = runExample('examples/workstreams/main.ts', ['--scale', '0'])
    expect(out).toContain('23 workstreams, 1144 hours of work')
    expect(out).toContain('phase 1: WS-01 WS-02 WS-03 WS-04  (202h)')
    expect(out).toContain('phase 4: WS-11 WS-13 WS-15 WS-23  (216h)')
    expect(out).toContain('Critical path by hours: WS-01 → WS-09 → WS-16 → WS-23 = 204h')
    expect(out).toContain('[23/23]')
    // With unlimited parallelism the makespan equals the critical path.
    expect(out).toContain('Result: succeeded — 1144h of work finished at hour 204')
  })

  it('workstreams with a team of one takes the sum of the hours', () => {
    const out = runExample('examples/workstreams/main.ts', ['--scale', '0', '--team', '1'])
    expect(out).toContain('finished at hour 1144')
  })

  it('parallel gives the same digest inline, on worker threads and on child processes', () => {
    for (const kind of ['inline', 'threads', 'processes']) {
      const out = runExample('examples/parallel/main.ts', [kind, '--chunks', '6', '--rounds', '1000'])
      expect(out).toMatch(new RegExp(`^${kind}: 6 chunks mixed in \\d+ ms`))
      expect(out).toContain('combined digest 16817da28b1459edbaec7b541345521a7fe00390b950534d49345b1b32c456ff')
    }
  })

  it('the workstream table matches the audit seed', () => {
    const seed = fileURLToPath(new URL('../../../shared/seed/audit-workstreams.md', import.meta.url))
    if (!existsSync(seed)) return // a clone without the workplace's shared/ folder
    const rows = readFileSync(seed, 'utf8')
      .split('\n')
      .filter((l) => /^\| \d\d \|/.test(l))
      .map((l) => l.split('|').map((c) => c.trim()))
    expect(rows).toHaveLength(23)
    for (const cells of rows) {
      const ws = workstreams.find((w) => w.id === `WS-${cells[1]}`)!
      expect(ws.name).toBe(cells[2])
      expect(ws.hours).toBe(Number(cells[4]!.replace('h', '')))
      expect([...ws.blockedBy]).toEqual(cells[6] === '-' ? [] : cells[6]!.split(',').map((s) => s.trim()))
    }
  })
})
