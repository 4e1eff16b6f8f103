import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, memoryStore, SimulatedClock, workflow, type JournalEvent, type RunStore } from '../../src/index.js'

/** Two independent chains; `y` is slow but nothing declares it. */
function chains(order: string[]) {
  const body = (id: string, ms: number) => async ({ sleep }: { sleep: (ms: number) => Promise<void> }) => {
    order.push(id)
    await sleep(ms)
    return id
  }
  return workflow('chains', { version: '1' })
    .step('x', { output: Type.String(), run: body('x', 1) })
    .step('y', { output: Type.String(), run: body('y', 100) })
    .step('x2', { needs: ['x'], output: Type.String(), run: body('x2', 1) })
    .step('y2', { needs: ['y'], output: Type.String(), run: body('y2', 50) })
    .build()
}

async function started(store: RunStore, runId: string): Promise<Extract<JournalEvent, { type: 'run.started' }>> {
  for await (const e of store.read(runId)) if (e.type === 'run.started') return e
  throw new Error('no run.started')
}

describe('critical-path rank from recorded durations (learnDurations)', () => {
  it('ranks by the median of earlier runs once they exist, journals the durations used, and replays', async () => {
    const store = memoryStore()
    const order: string[] = []
    const wf = chains(order)
    const engine = createEngine({ store, clock: new SimulatedClock(), concurrency: 1, learnDurations: true })
    await engine.run(wf, undefined, { runId: 'r1' })
    expect(order.slice(0, 2)).toEqual(['x', 'y']) // nothing learned yet: declaration order
    expect((await started(store, 'r1')).estimates).toBeUndefined()
    order.length = 0
    await engine.run(wf, undefined, { runId: 'r2' })
    expect(order[0]).toBe('y') // the slow chain is the critical path now
    expect((await started(store, 'r2')).estimates).toEqual({ x: 1, y: 100, x2: 1, y2: 50 })
    await expect(engine.replay('r2', wf)).resolves.toBeDefined()
  })

  it('a new engine learns from the runs already in the store', async () => {
    const store = memoryStore()
    const wf = chains([])
    await createEngine({ store, clock: new SimulatedClock(), concurrency: 1 }).run(wf, undefined, { runId: 'old' })
    const order: string[] = []
    const engine = createEngine({ store, clock: new SimulatedClock(), concurrency: 1, learnDurations: { runs: 3 } })
    await engine.run(chains(order), undefined, { runId: 'first' }) // starts the background load
    order.length = 0
    await engine.run(chains(order), undefined, { runId: 'second' })
    expect(order[0]).toBe('y')
  })

  it('is off by default, and validates its option', async () => {
    const store = memoryStore()
    const order: string[] = []
    const engine = createEngine({ store, clock: new SimulatedClock(), concurrency: 1 })
    await engine.run(chains(order), undefined, { runId: 'a' })
    order.length = 0
    await engine.run(chains(order), undefined, { runId: 'b' })
    expect(order[0]).toBe('x')
    expect(() => createEngine({ learnDurations: { runs: 0 } })).toThrow(/learnDurations/)
  })
})
