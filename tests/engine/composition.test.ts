import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { ContractViolation, createEngine, EngineClosedError, memoryStore, RunEndedError, SimulatedClock, workflow } from '../../src/index.js'
import { readAll } from './crash-store.js'

const tick = () => new Promise((r) => setImmediate(r))

describe('dry run', () => {
  const deploy = workflow('deploy', { input: Type.Object({ env: Type.String() }) })
    .step('build', { output: Type.String(), run: ({ input }) => `app-${input.env}.tgz` })
    .step('upload', { needs: ['build'], sideEffects: true, output: Type.Object({ url: Type.String() }), run: () => { throw new Error('must not upload in a dry run') }, dryRun: ({ deps }) => ({ url: `dry://${deps.build}` }) })
    .step('notify', { needs: ['upload'], sideEffects: true, output: Type.Object({ sent: Type.Boolean(), count: Type.Integer() }), run: () => { throw new Error('must not notify') } })
    .build()

  it('simulates steps with side effects and marks them', async () => {
    const store = memoryStore()
    const engine = createEngine({ store })
    const result = await engine.run(deploy, { env: 'prod' }, { dryRun: true, runId: 'dry' })
    expect(result.status).toBe('succeeded')
    expect(result.steps.build).toEqual({ status: 'succeeded', attempts: 1, output: 'app-prod.tgz' })
    expect(result.steps.upload).toMatchObject({ simulated: true, output: { url: 'dry://app-prod.tgz' } })
    expect(result.steps.notify).toMatchObject({ simulated: true, output: { sent: false, count: 0 } })
    const journal = await readAll(store, 'dry')
    expect(journal[0]).toMatchObject({ dryRun: true })
    expect(journal.filter((e) => e.type === 'step.succeeded' && e.simulated === true).map((e) => (e as { stepId: string }).stepId)).toEqual(['upload', 'notify'])
    await expect(engine.replay('dry', deploy)).resolves.toMatchObject({ segments: 1 })
    const real = await engine.run(deploy, { env: 'prod' })
    expect(real.status).toBe('failed')
  })
})

describe('gates and signals', () => {
  const release = workflow('release')
    .step('plan', { output: Type.String(), run: () => 'v2' })
    .gate('approval', { needs: ['plan'], signal: 'approve', payload: Type.Object({ by: Type.String() }), timeout: '1h' })
    .step('ship', { needs: ['plan', 'approval'], output: Type.String(), run: ({ deps }) => `${deps.plan} approved by ${deps.approval.by}` })
    .build()

  it('waits for the signal, checks its payload, then continues', async () => {
    const store = memoryStore()
    const engine = createEngine({ store, clock: new SimulatedClock({ autoAdvance: false }) })
    const run = engine.start(release, undefined, { runId: 'rel' })
    for (let i = 0; i < 5; i++) await tick()
    expect((await engine.get('rel'))!.status).toBe('running')
    await expect(engine.signal('rel', 'approve', { by: 42 })).rejects.toBeInstanceOf(ContractViolation)
    await engine.signal('rel', 'approve', { by: 'ada' })
    const result = await run.result
    expect(result).toMatchObject({ status: 'succeeded', output: { ship: 'v2 approved by ada' } })
    await expect(engine.signal('rel', 'approve', { by: 'x' })).rejects.toBeInstanceOf(RunEndedError)
    await expect(engine.replay('rel', release)).resolves.toMatchObject({ segments: 1 })
  })

  it('the wait survives a restart; a signal sent while no engine runs the run is seen on resume', async () => {
    const storeClock = new SimulatedClock({ autoAdvance: false })
    const store = memoryStore({ clock: storeClock })
    // This "process" dies while waiting: its lease is never renewed (its lease clock stands still).
    const first = createEngine({ store, clock: new SimulatedClock({ autoAdvance: false }), leaseTtl: '10s', leaseClock: new SimulatedClock({ autoAdvance: false }) })
    first.start(release, undefined, { runId: 'later' })
    for (let i = 0; i < 5; i++) await tick()
    await storeClock.advance(11_000) // its lease expires
    const second = createEngine({ store, clock: new SimulatedClock({ autoAdvance: false }) })
    await second.signal('later', 'approve', { by: 'grace' }) // journaled, nobody running it here
    const third = createEngine({ store, clock: new SimulatedClock({ autoAdvance: false }) })
    const result = await (await third.resume('later', release)).result
    expect(result).toMatchObject({ status: 'succeeded', output: { ship: 'v2 approved by grace' } })
    const types = (await readAll(store, 'later')).map((e) => e.type)
    expect(types).toContain('signal.received')
    expect(types).toContain('run.resumed')
    await expect(third.replay('later', release)).resolves.toMatchObject({ segments: 2 })
  })

  it('a gate that waits too long fails with StepTimeoutError', async () => {
    const result = await createEngine({ clock: new SimulatedClock() }).run(release)
    expect(result.steps.approval).toMatchObject({ status: 'failed', error: { code: 'WEFT_STEP_TIMEOUT' } })
  })
})

describe('sub-workflows', () => {
  function nested(log: string[], options: { failLeaf?: boolean } = {}) {
    const leaf = workflow('leaf', { input: Type.Object({ n: Type.Integer() }), output: Type.Object({ n: Type.Integer() }) })
      .step('work', { output: Type.Integer(), run: async ({ input, sleep }) => (await sleep(100), input.n + 1), compensate: () => void log.push('undo leaf.work') })
      .step('fail', { needs: ['work'], output: Type.Integer(), run: async ({ deps, signal, sleep }) => {
        signal.addEventListener('abort', () => log.push('leaf aborted'))
        await sleep(1000)
        if (options.failLeaf === true) throw new Error('leaf broke')
        return deps.work
      } })
      .build(({ steps }) => ({ n: steps.fail ?? 0 }))
    const middle = workflow('middle', { input: Type.Object({ n: Type.Integer() }), output: Type.Object({ n: Type.Integer() }) })
      .step('prep', { output: Type.Integer(), run: ({ input }) => input.n * 10, compensate: () => void log.push('undo middle.prep') })
      .subworkflow('leaf', { needs: ['prep'], workflow: leaf, input: ({ deps }) => ({ n: deps.prep }) })
      .build(({ steps }) => ({ n: steps.leaf?.n ?? 0 }))
    return workflow('top')
      .step('start', { output: Type.Integer(), run: () => 1, compensate: () => void log.push('undo top.start') })
      .subworkflow('middle', { needs: ['start'], workflow: middle, input: ({ deps }) => ({ n: deps.start }) })
      .build(({ steps }) => steps.middle?.n)
  }

  it('runs three levels, typed end to end, with linked child runs', async () => {
    const store = memoryStore()
    const result = await createEngine({ store, clock: new SimulatedClock() }).run(nested([]), undefined, { runId: 'top' })
    expect(result).toMatchObject({ status: 'succeeded', output: 11 })
    expect(await store.get('top.middle.1')).toMatchObject({ workflowId: 'middle', parentRunId: 'top', status: 'succeeded' })
    expect(await store.get('top.middle.1.leaf.1')).toMatchObject({ workflowId: 'leaf', parentRunId: 'top.middle.1' })
  })

  it('cancellation from the top reaches the leaves', async () => {
    const log: string[] = []
    const clock = new SimulatedClock({ autoAdvance: false })
    const store = memoryStore()
    const run = createEngine({ store, clock }).start(nested(log), undefined, { runId: 'c' })
    for (let i = 0; i < 10; i++) await tick()
    await clock.advance(150) // leaf.work done, leaf.fail running
    for (let i = 0; i < 10; i++) await tick()
    run.cancel('stop everything')
    const result = await run.result
    for (let i = 0; i < 10; i++) await tick()
    expect(result.status).toBe('cancelled')
    expect(log).toContain('leaf aborted')
    expect(await store.get('c.middle.1.leaf.1')).toMatchObject({ status: 'cancelled' })
    expect(await store.get('c.middle.1')).toMatchObject({ status: 'cancelled' })
  })

  it('a failing leaf compensates every level, innermost first', async () => {
    const log: string[] = []
    const result = await createEngine({ clock: new SimulatedClock() }).run(nested(log, { failLeaf: true }))
    expect(result.status).toBe('compensated')
    expect(result.steps.middle).toMatchObject({ status: 'failed', error: { code: 'WEFT_CHILD_RUN_FAILED', data: { childRunId: expect.stringMatching(/\.middle\.1$/), status: 'compensated' } } })
    expect(log).toEqual(['undo leaf.work', 'undo middle.prep', 'undo top.start'])
  })

  it('resuming the parent after a crash resumes the child run instead of starting another', async () => {
    const storeClock = new SimulatedClock({ autoAdvance: false })
    const store = memoryStore({ clock: storeClock })
    let childStarts = 0
    const child = workflow('child-gated')
      .step('count', { output: Type.Integer(), run: () => ++childStarts })
      .gate('go', { needs: ['count'], signal: 'go', payload: Type.Null() })
      .build(({ steps }) => ({ count: steps.count ?? 0 }))
    const parent = workflow('parent')
      .subworkflow('sub', { workflow: child })
      .build(({ steps }) => steps.sub)
    // The first process starts the parent, which starts the child, which waits at its gate; then it dies.
    const dead = createEngine({ store, clock: new SimulatedClock({ autoAdvance: false }), leaseTtl: '5s', leaseClock: new SimulatedClock({ autoAdvance: false }) })
    dead.start(parent, undefined, { runId: 'p' })
    for (let i = 0; i < 20; i++) await tick()
    expect(await store.get('p.sub.1')).toMatchObject({ status: 'running' })
    await storeClock.advance(6_000)
    const engine = createEngine({ store, clock: new SimulatedClock({ autoAdvance: false }) })
    const handle = await engine.resume('p', parent)
    for (let i = 0; i < 20; i++) await tick()
    await engine.signal('p.sub.1', 'go', null)
    expect(await handle.result).toMatchObject({ status: 'succeeded', output: { count: 1 } })
    expect(childStarts).toBe(1) // the child's first step was not run again
    expect(await store.get('p.sub.2')).toBeUndefined()
    expect((await readAll(store, 'p.sub.1')).some((e) => e.type === 'run.resumed')).toBe(true)
  })
})

describe('a closed engine', () => {
  it('refuses new runs, resumes and recovery with EngineClosedError, while a live parent still starts its child', async () => {
    const child = workflow('late-child').step('one', { output: Type.Integer(), run: () => 1 }).build(({ steps }) => steps.one ?? 0)
    let release: () => void = () => {}
    const parent = workflow('slow-parent')
      .step('wait', { output: Type.Null(), run: () => new Promise<null>((resolve) => (release = () => resolve(null))) })
      .subworkflow('sub', { needs: ['wait'], workflow: child })
      .build(({ steps }) => steps.sub ?? -1)
    const engine = createEngine({ store: memoryStore() })
    const live = engine.start(parent, undefined, { runId: 'parent' })
    await tick()
    const closed = engine.close()
    expect(() => engine.start(child, undefined)).toThrow(EngineClosedError)
    expect(() => engine.start(child, undefined)).toThrow('the engine is closed: cannot start a run')
    await expect(engine.run(child, undefined)).rejects.toBeInstanceOf(EngineClosedError)
    await expect(engine.resume('parent', parent)).rejects.toMatchObject({ code: 'WEFT_ENGINE_CLOSED', message: 'the engine is closed: cannot resume a run' })
    await expect(engine.recover({ workflows: [parent] })).rejects.toBeInstanceOf(EngineClosedError)
    // The parent started before close: its sub-workflow step still starts the child, and close waits for it.
    release()
    const result = await live.result
    expect(result).toMatchObject({ status: 'succeeded', output: 1 })
    await closed
    expect(() => engine.start(child, undefined)).toThrow(EngineClosedError)
  })
})
