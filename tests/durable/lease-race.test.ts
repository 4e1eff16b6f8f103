import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, fileStore, LeaseConflictError, mulberry32, SimulatedClock, workflow } from '../../src/index.js'

const tick = () => new Promise((r) => setImmediate(r))

/**
 * Waits until run `runId` has journaled `events` events, however slow the machine (a few
 * milliseconds usually, much more on a loaded CI), and asserts it. At the gate an approval run
 * has 4: run.started, prepare started and succeeded, go started.
 */
async function journaled(dir: string, runId: string, events: number): Promise<void> {
  const deadline = Date.now() + 20_000
  while ((await fileStore(dir).get(runId))?.events !== events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2))
  expect((await fileStore(dir).get(runId))?.events).toBe(events)
}

function approval(executions: Map<string, number>) {
  const count = (id: string) => executions.set(id, (executions.get(id) ?? 0) + 1)
  return workflow('race')
    .step('prepare', { output: Type.Integer(), run: () => (count('prepare'), 1) })
    .gate('go', { needs: ['prepare'], signal: 'go', payload: Type.Null() })
    .step('ship', { needs: ['go'], output: Type.Integer(), run: () => (count('ship'), 2) })
    .build()
}

describe('leases', () => {
  it('100 seeded races of two engines resuming the same orphaned run: exactly one runs it, no step runs twice', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'weft-race-'))
    const random = mulberry32(7)
    for (let race = 0; race < 100; race++) {
      const dir = join(scratch, `r${race}`)
      const storeClock = new SimulatedClock({ autoAdvance: false })
      const executions = new Map<string, number>()
      // The first engine starts the run and "dies" at the gate: its lease is never renewed.
      const dead = createEngine({ store: fileStore(dir, { clock: storeClock }), owner: 'dead', leaseTtl: '5s', leaseClock: new SimulatedClock({ autoAdvance: false }) })
      dead.start(approval(executions), undefined, { runId: 'run' })
      await journaled(dir, 'run', 4)
      await storeClock.advance(6_000)
      // Two live engines, each with its own store instance (as two processes would have).
      const engines = ['b', 'c'].map((owner) => createEngine({ store: fileStore(dir, { clock: storeClock }), owner, leaseTtl: '5s', leaseClock: new SimulatedClock({ autoAdvance: false }) }))
      const outcomes = await Promise.all(
        engines.map(async (engine) => {
          for (let i = Math.floor(random() * 4); i > 0; i--) await tick()
          try {
            return await engine.resume('run', approval(executions))
          } catch (error) {
            expect(error).toBeInstanceOf(LeaseConflictError)
            return undefined
          }
        }),
      )
      const winners = outcomes.filter((h) => h !== undefined)
      expect(winners).toHaveLength(1)
      const winner = engines[outcomes.findIndex((h) => h !== undefined)]!
      await winner.signal('run', 'go', null)
      expect(await winners[0]!.result).toMatchObject({ status: 'succeeded', output: { prepare: 1, go: null, ship: 2 } })
      expect(executions).toEqual(new Map([['prepare', 1], ['ship', 1]]))
      if (race === 0) {
        // Fencing: the engine that lost the lease cannot append any more.
        await expect(dead.signal('run', 'go', null)).rejects.toMatchObject({ code: 'WEFT_LEASE_LOST' })
      }
    }
    rmSync(scratch, { recursive: true, force: true })
  }, 120_000)

  it('30 seeded races of two engines starting the same run id at once: exactly one runs it, the other is refused', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'weft-start-race-'))
    const random = mulberry32(11)
    for (let race = 0; race < 30; race++) {
      const dir = join(scratch, `r${race}`)
      const executions = new Map<string, number>()
      const count = (id: string) => executions.set(id, (executions.get(id) ?? 0) + 1)
      const wf = workflow('start-race')
        .step('a', { output: Type.Integer(), run: () => (count('a'), 1) })
        .step('b', { needs: ['a'], output: Type.Integer(), run: ({ deps }) => (count('b'), deps.a + 1) })
        .build()
      // Each engine with its own store instance (as two processes would have); the file store
      // creates the journal and takes the lease at the same time.
      const engines = ['x', 'y'].map((owner) => createEngine({ store: fileStore(dir), owner }))
      const outcomes = await Promise.all(
        engines.map(async (engine) => {
          for (let i = Math.floor(random() * 4); i > 0; i--) await tick()
          try {
            return await (await engine.start(wf, undefined, { runId: 'run' })).result
          } catch (error) {
            expect((error as { code?: string }).code).toMatch(/^WEFT_(RUN_EXISTS|LEASE_CONFLICT)$/)
            return undefined
          }
        }),
      )
      expect(outcomes.filter((r) => r !== undefined)).toEqual([expect.objectContaining({ status: 'succeeded', output: { a: 1, b: 2 } })])
      expect(executions).toEqual(new Map([['a', 1], ['b', 1]]))
      await Promise.all(engines.map((engine) => engine.close()))
    }
    rmSync(scratch, { recursive: true, force: true })
  }, 120_000)

  it('a run whose owner died is recovered by another engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-recover-'))
    const storeClock = new SimulatedClock({ autoAdvance: false })
    const executions = new Map<string, number>()
    const dead = createEngine({ store: fileStore(dir, { clock: storeClock }), owner: 'dead', leaseTtl: '5s', leaseClock: new SimulatedClock({ autoAdvance: false }) })
    dead.start(approval(executions), undefined, { runId: 'orphan' })
    await journaled(dir, 'orphan', 4)
    const rescuer = createEngine({ store: fileStore(dir, { clock: storeClock }), owner: 'rescuer', leaseTtl: '5s' })
    expect((await rescuer.recover({ workflows: [approval(executions)] })).resumed).toHaveLength(0) // lease still live
    await storeClock.advance(6_000)
    const report = await rescuer.recover({ workflows: [approval(executions)] })
    expect(report.resumed.map((h) => h.runId)).toEqual(['orphan'])
    await rescuer.signal('orphan', 'go', null)
    expect(await report.resumed[0]!.result).toMatchObject({ status: 'succeeded' })
    const other = createEngine({ store: fileStore(dir, { clock: storeClock }), owner: 'late' })
    expect(await other.recover({ workflows: [] })).toEqual({ resumed: [], skipped: [] })
    rmSync(dir, { recursive: true, force: true })
  })
})
