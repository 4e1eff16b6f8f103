import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, InvalidArgumentError, memoryStore, RunNotFoundError, workflow } from '../../src/index.js'

const tick = () => new Promise((r) => setImmediate(r))

const quick = workflow('quick', { input: Type.Integer() })
  .step('double', { output: Type.Integer(), run: ({ input }) => input * 2 })
  .build()

const waiting = workflow('waiting', { input: Type.Null() })
  .gate('go', { signal: 'go', payload: Type.Null() })
  .build()

/** The output of a run that must have succeeded. */
function outputOf(result: { status: string; output?: unknown }): unknown {
  expect(result.status).toBe('succeeded')
  return result.output
}

async function ids(store: ReturnType<typeof memoryStore>): Promise<string[]> {
  const out: string[] = []
  for await (const run of store.list()) out.push(run.runId)
  return out.sort()
}

describe('memoryStore({ keepFinished })', () => {
  it('keeps the last N finished runs and every running one', async () => {
    const store = memoryStore({ keepFinished: 2 })
    const engine = createEngine({ store })
    const open = engine.start(waiting, null, { runId: 'open' })
    await tick()
    for (let i = 1; i <= 5; i++) expect(outputOf(await engine.run(quick, i, { runId: `q${i}` }))).toEqual({ double: i * 2 })
    // q1..q3 finished longest ago: dropped, journal and all. The running one is kept.
    expect(await ids(store)).toEqual(['open', 'q4', 'q5'])
    expect(await store.get('q1')).toBeUndefined()
    await expect(async () => {
      for await (const _ of store.read('q3')) void _
    }).rejects.toBeInstanceOf(RunNotFoundError)
    // Once the waiting run ends it counts as finished, and the oldest finished one goes.
    await engine.signal('open', 'go', null)
    expect((await open.result).status).toBe('succeeded')
    expect(await ids(store)).toEqual(['open', 'q5'])
  })

  it('with 0 keeps no finished run, and runs still return their results', async () => {
    const store = memoryStore({ keepFinished: 0 })
    const engine = createEngine({ store })
    for (let i = 0; i < 3; i++) expect(outputOf(await engine.run(quick, i))).toEqual({ double: i * 2 })
    expect(await ids(store)).toEqual([])
  })

  it('keeps every run by default, and prune() leaves the count right', async () => {
    const all = memoryStore()
    const engine = createEngine({ store: all })
    for (let i = 0; i < 4; i++) await engine.run(quick, i, { runId: `a${i}` })
    expect(await ids(all)).toEqual(['a0', 'a1', 'a2', 'a3'])

    const bounded = memoryStore({ keepFinished: 3 })
    const other = createEngine({ store: bounded })
    for (let i = 0; i < 3; i++) await other.run(quick, i, { runId: `b${i}` })
    await bounded.prune({ keepLast: 1 }) // leaves b2
    for (let i = 3; i < 5; i++) await other.run(quick, i, { runId: `b${i}` })
    // Had prune() not forgotten b0 and b1, the queue would drop b2 too early.
    expect(await ids(bounded)).toEqual(['b2', 'b3', 'b4'])
  })

  it('keeps a finished run once it is resumed, and counts it again when it ends', async () => {
    const store = memoryStore({ keepFinished: 1 })
    const at = 1_700_000_000_000
    const header = (runId: string) => ({ runId, workflowId: 'w', version: '1', fingerprint: 'f', createdAt: at })
    const started = (runId: string) => ({ seq: 1, at, runId, type: 'run.started' as const, workflowId: 'w', version: '1', fingerprint: 'f', input: null, seed: 1 })
    await store.create(header('r'))
    store.append('r', [started('r'), { seq: 2, at, runId: 'r', type: 'run.cancelled', reason: 'stop' }])
    store.append('r', [{ seq: 3, at, runId: 'r', type: 'run.resumed', restarted: [] }])
    // r runs again: two other runs finishing must not drop it.
    for (const id of ['x', 'y']) {
      await store.create(header(id))
      store.append(id, [started(id), { seq: 2, at, runId: id, type: 'run.succeeded', output: null }])
    }
    expect(await ids(store)).toEqual(['r', 'y'])
    store.append('r', [{ seq: 4, at, runId: 'r', type: 'run.succeeded', output: null }])
    expect(await ids(store)).toEqual(['r'])
  })

  it('refuses a bad bound with a typed error naming the option', () => {
    for (const bad of [-1, 1.5, NaN, '3' as unknown as number]) {
      expect(() => memoryStore({ keepFinished: bad })).toThrow(InvalidArgumentError)
      expect(() => memoryStore({ keepFinished: bad })).toThrow(/keepFinished/)
    }
    expect(() => memoryStore({ keepFinished: Infinity })).not.toThrow()
  })
})
