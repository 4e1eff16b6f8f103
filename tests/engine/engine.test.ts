import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import {
  ContractViolation,
  createEngine,
  fileStore,
  InvalidArgumentError,
  memoryStore,
  memoryTelemetry,
  RunExistsError,
  SimulatedClock,
  workflow,
  type JournalEvent,
  type RunStore,
  type WeftEvent,
  type WeftPlugin,
} from '../../src/index.js'

const Num = Type.Number()

async function journal(store: RunStore, runId: string): Promise<JournalEvent[]> {
  const out: JournalEvent[] = []
  for await (const e of store.read(runId)) out.push(e)
  return out
}

const brief = (events: readonly WeftEvent[]) => events.map((e) => `${e.type}${'stepId' in e && e.stepId !== undefined ? ` ${e.stepId}` : ''}`)

describe('engine', () => {
  const hello = workflow('hello', { input: Type.Object({ name: Type.String() }), output: Type.Object({ text: Type.String() }) })
    .step('greet', { output: Type.String(), run: ({ input }) => `hello ${input.name}` })
    .step('shout', { needs: ['greet'], output: Type.String(), run: async ({ deps }) => deps.greet.toUpperCase() })
    .build(({ steps }) => ({ text: steps.shout ?? '' }))

  it('runs a typed workflow, journals every event with gapless seq, reports them in order', async () => {
    const store = memoryStore()
    const telemetry = memoryTelemetry()
    const engine = createEngine({ store, telemetry })
    const seen: string[] = []
    engine.on('step.succeeded', (e) => seen.push(e.stepId))
    const run = engine.start(hello, { name: 'ada' }, { runId: 'r1', seed: 7 })
    const streamed: WeftEvent[] = []
    for await (const e of run.events) streamed.push(e)
    const result = await run.result
    expect(result.status).toBe('succeeded')
    if (result.status === 'succeeded') expect(result.output).toEqual({ text: 'HELLO ADA' })
    expect(result.steps).toEqual({
      greet: { status: 'succeeded', attempts: 1, output: 'hello ada' },
      shout: { status: 'succeeded', attempts: 1, output: 'HELLO ADA' },
    })
    const events = await journal(store, 'r1')
    expect(brief(events)).toEqual(['run.started', 'step.started greet', 'step.succeeded greet', 'step.started shout', 'step.succeeded shout', 'run.succeeded'])
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(events[0]).toMatchObject({ type: 'run.started', workflowId: 'hello', fingerprint: hello.fingerprint, seed: 7, input: { name: 'ada' } })
    expect(streamed).toEqual(events)
    expect(telemetry.events).toEqual(events)
    expect(seen).toEqual(['greet', 'shout'])
    expect(await engine.get('r1')).toMatchObject({ runId: 'r1', status: 'succeeded', events: 6 })
  })

  it('late subscribers still get the whole history', async () => {
    const engine = createEngine()
    const run = engine.start(hello, { name: 'x' })
    await run.result
    const all: WeftEvent[] = []
    for await (const e of run.events) all.push(e)
    expect(brief(all)).toHaveLength(6)
  })

  it('rejects invalid input before anything is journaled', async () => {
    const store = memoryStore()
    const engine = createEngine({ store })
    expect(() => engine.start(hello, { name: 3 } as never, { runId: 'bad' })).toThrow(ContractViolation)
    try {
      engine.start(hello, {} as never)
    } catch (error) {
      expect((error as ContractViolation).data).toMatchObject({ workflowId: 'hello', direction: 'workflow-input', issues: [{ path: '' }] })
    }
    expect(await store.get('bad')).toBeUndefined()
    await expect(engine.run(hello, { name: 1 } as never)).rejects.toBeInstanceOf(ContractViolation)
  })

  it('fails a step whose output breaks its contract, naming step and pointer', async () => {
    const wf = workflow('bad-out')
      .step('a', { output: Type.Object({ n: Num }), run: () => ({ n: 'x' }) as never })
      .build()
    const result = await createEngine().run(wf)
    expect(result.status).toBe('failed')
    expect(result.steps.a).toMatchObject({ status: 'failed', error: { code: 'WEFT_CONTRACT_VIOLATION', data: { stepId: 'a', direction: 'step-output', issues: [{ path: '/n' }] } } })
  })

  it('checks the workflow output contract', async () => {
    const wf = workflow('bad-wf-out', { output: Type.String() })
      .step('a', { output: Num, run: () => 1 })
      .build((() => 5) as never)
    const result = await createEngine().run(wf)
    expect(result.status).toBe('failed')
    if (result.status === 'failed') expect(result.error).toMatchObject({ code: 'WEFT_CONTRACT_VIOLATION', data: { direction: 'workflow-output' } })
  })

  it('skips a step whose condition is false, and the steps that need it', async () => {
    const store = memoryStore()
    const wf = workflow('cond', { input: Type.Boolean() })
      .step('check', { output: Type.Boolean(), run: ({ input }) => input })
      .step('deploy', { needs: ['check'], when: ({ deps }) => deps.check, output: Num, run: () => 1 })
      .step('notify', { needs: ['deploy'], output: Num, run: () => 2 })
      .step('other', { needs: ['check'], output: Num, run: () => 3 })
      .build()
    const engine = createEngine({ store })
    const off = await engine.run(wf, false, { runId: 'off' })
    expect(off.status).toBe('succeeded')
    expect(off.steps.deploy).toEqual({ status: 'skipped', attempts: 0, reason: 'condition' })
    expect(off.steps.notify).toEqual({ status: 'skipped', attempts: 0, reason: 'dependency-skipped' })
    expect(off.steps.other!.status).toBe('succeeded')
    const skipped = (await journal(store, 'off')).filter((e) => e.type === 'step.skipped')
    expect(skipped).toMatchObject([{ stepId: 'deploy', reason: 'condition' }, { stepId: 'notify', reason: 'dependency-skipped', dependency: 'deploy' }])
    const on = await engine.run(wf, true)
    expect(on.steps.notify!.status).toBe('succeeded')
  })

  it('failFast aborts running siblings through their signal and starts nothing new', async () => {
    const clock = new SimulatedClock()
    let siblingAbort: unknown
    const wf = workflow('ff')
      .step('boom', { output: Num, run: async ({ sleep }) => { await sleep(10); throw new Error('kaput') } })
      .step('slow', {
        output: Num,
        run: async ({ signal, sleep }) => {
          signal.addEventListener('abort', () => (siblingAbort = signal.reason))
          await sleep(1000)
          return 1
        },
      })
      .step('after', { needs: ['boom'], output: Num, run: () => 2 })
      .step('later', { needs: ['slow'], output: Num, run: () => 3 })
      .build()
    const result = await createEngine({ clock }).run(wf)
    expect(result.status).toBe('failed')
    if (result.status === 'failed') expect(result.error).toMatchObject({ code: 'WEFT_RUN_FAILED', data: { failedSteps: ['boom'] }, cause: { message: 'kaput' } })
    expect(result.steps.boom).toMatchObject({ status: 'failed', error: { message: 'kaput' } })
    expect(result.steps.slow).toMatchObject({ status: 'cancelled', error: { code: 'WEFT_CANCELLED' } })
    expect(result.steps.after!.status).toBe('not-run')
    expect(result.steps.later!.status).toBe('not-run')
    expect(siblingAbort).toMatchObject({ code: 'WEFT_CANCELLED' })
  })

  it('continue runs everything not downstream of the failure', async () => {
    const wf = workflow('cont')
      .step('boom', { output: Num, run: () => { throw new Error('x') } })
      .step('after', { needs: ['boom'], output: Num, run: () => 2 })
      .step('indep', { output: Num, run: () => 3 })
      .step('indep2', { needs: ['indep'], output: Num, run: ({ deps }) => deps.indep + 1 })
      .build()
    const result = await createEngine({ failurePolicy: 'continue' }).run(wf)
    expect(result.status).toBe('failed')
    expect(Object.fromEntries(Object.entries(result.steps).map(([k, v]) => [k, v.status]))).toEqual({ boom: 'failed', after: 'skipped', indep: 'succeeded', indep2: 'succeeded' })
    expect(result.steps.after!.reason).toBe('dependency-failed')
  })

  it('cancel() aborts running steps, journals run.cancelled, and discards late results', async () => {
    const store = memoryStore()
    const clock = new SimulatedClock({ autoAdvance: false })
    let started!: () => void
    const startedP = new Promise<void>((r) => (started = r))
    let finishLate!: (v: number) => void
    const wf = workflow('cancel')
      .step('stubborn', { output: Num, run: () => { started(); return new Promise<number>((r) => (finishLate = r)) } })
      .step('polite', { output: Num, run: ({ sleep }) => sleep(100).then(() => 1) })
      .build()
    const engine = createEngine({ store, clock })
    const run = engine.start(wf, undefined, { runId: 'c1' })
    await startedP
    run.cancel('user pressed stop')
    const result = await run.result
    expect(result.status).toBe('cancelled')
    expect(result.steps.stubborn).toMatchObject({ status: 'cancelled', reason: 'user pressed stop' })
    expect(result.steps.polite).toMatchObject({ status: 'cancelled' })
    finishLate(5)
    await new Promise((r) => setImmediate(r))
    const events = await journal(store, 'c1')
    expect(events.at(-1)).toMatchObject({ type: 'run.cancelled', reason: 'user pressed stop' })
    expect(events.some((e) => e.type === 'step.succeeded')).toBe(false)
  })

  it('an external AbortSignal cancels the run', async () => {
    const controller = new AbortController()
    const clock = new SimulatedClock({ autoAdvance: false })
    const wf = workflow('sig').step('wait', { output: Num, run: ({ sleep }) => sleep(1e9).then(() => 1) }).build()
    const run = createEngine({ clock }).start(wf, undefined, { signal: controller.signal })
    await new Promise((r) => setImmediate(r))
    controller.abort(new Error('deadline'))
    expect((await run.result).status).toBe('cancelled')
  })

  it('gives steps a stable idempotency key and a seeded random stream', async () => {
    const seen: Record<string, unknown> = {}
    const wf = workflow('ctx')
      .step('a', { output: Type.Array(Num), run: (ctx) => { seen.key = ctx.idempotencyKey; seen.attempt = ctx.attempt; seen.ids = [ctx.runId, ctx.stepId, ctx.workflowId]; return [ctx.random(), ctx.random()] } })
      .build()
    const engine = createEngine()
    const one = await engine.run(wf, undefined, { seed: 42, runId: 'k1' })
    const two = await engine.run(wf, undefined, { seed: 42, runId: 'k2' })
    const three = await engine.run(wf, undefined, { seed: 43, runId: 'k3' })
    expect(seen).toMatchObject({ key: 'k3/a', attempt: 1, ids: ['k3', 'a', 'ctx'] })
    expect(one.steps.a!.output).toEqual(two.steps.a!.output)
    expect(one.steps.a!.output).not.toEqual(three.steps.a!.output)
  })

  it('limits concurrency', async () => {
    let running = 0
    let peak = 0
    const clock = new SimulatedClock()
    let b = workflow('conc') as ReturnType<typeof workflow>
    for (let i = 0; i < 20; i++) {
      b = (b as any).step(`s${i}`, { output: Num, run: async ({ sleep }: { sleep: (ms: number) => Promise<void> }) => { running++; peak = Math.max(peak, running); await sleep(5 + (i % 3)); running--; return i } })
    }
    const result = await createEngine({ clock, concurrency: 3 }).run(b.build())
    expect(result.status).toBe('succeeded')
    expect(peak).toBe(3)
  })

  it('calls plugin hooks in order and journals their records', async () => {
    const store = memoryStore()
    const calls: string[] = []
    const plugin: WeftPlugin = {
      name: 'spy',
      onRunStart: async () => void calls.push('start'),
      beforeStep: async ({ stepId, attempt }) => void calls.push(`before ${stepId} ${attempt}`),
      afterStep: async ({ stepId, output, record }) => {
        calls.push(`after ${stepId} ${JSON.stringify(output)}`)
        record('checkpoint', { stepId })
      },
      onRunEnd: async ({ result }) => void calls.push(`end ${result.status}`),
    }
    const result = await createEngine({ store, plugins: [plugin] }).run(hello, { name: 'a' }, { runId: 'p1' })
    expect(result.status).toBe('succeeded')
    expect(calls).toEqual(['start', 'before greet 1', 'after greet "hello a"', 'before shout 1', 'after shout "HELLO A"', 'end succeeded'])
    const events = await journal(store, 'p1')
    expect(brief(events)).toEqual(['run.started', 'step.started greet', 'plugin.recorded greet', 'step.succeeded greet', 'step.started shout', 'plugin.recorded shout', 'step.succeeded shout', 'run.succeeded'])
    expect(events[2]).toMatchObject({ plugin: 'spy', name: 'checkpoint', data: { stepId: 'greet' } })
  })

  it('afterStep hooks see steps whose output is undefined', async () => {
    const seen: string[] = []
    const wf = workflow('undef').step('nothing', { output: Type.Undefined(), run: () => undefined }).build()
    const result = await createEngine({ plugins: [{ name: 'after-only', afterStep: ({ stepId, output }) => void seen.push(`${stepId}=${String(output)}`) }] }).run(wf)
    expect(result.status).toBe('succeeded')
    expect(seen).toEqual(['nothing=undefined'])
  })

  it('a throwing beforeStep hook fails the step', async () => {
    const plugin: WeftPlugin = { name: 'bad', beforeStep: () => { throw new Error('hook broke') } }
    const result = await createEngine({ plugins: [plugin] }).run(hello, { name: 'a' })
    expect(result.steps.greet).toMatchObject({ status: 'failed', error: { message: 'hook broke' } })
  })

  it('rejects the result when the store fails, and refuses duplicate run ids', async () => {
    const store = memoryStore()
    const engine = createEngine({ store })
    await engine.run(hello, { name: 'a' }, { runId: 'dup' })
    await expect(engine.run(hello, { name: 'a' }, { runId: 'dup' })).rejects.toBeInstanceOf(RunExistsError)
    const broken: RunStore = { ...memoryStore(), create: async () => {}, append: () => { throw new Error('disk on fire') }, read: store.read.bind(store), get: store.get.bind(store), list: store.list.bind(store) }
    await expect(createEngine({ store: broken }).run(hello, { name: 'a' })).rejects.toThrow('disk on fire')
  })

  it('adopts an empty run of the same workflow left by a start that died before journaling anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-adopt-'))
    for (const store of [memoryStore(), fileStore(dir)] as RunStore[]) {
      const empty = (runId: string, workflowId: string, fingerprint: string) => store.create({ runId, workflowId, version: '1', fingerprint, createdAt: 1 })
      await empty('left', hello.id, hello.fingerprint)
      const result = await createEngine({ store }).run(hello, { name: 'a' }, { runId: 'left' })
      expect(result).toMatchObject({ status: 'succeeded', output: { text: 'HELLO A' } })
      const events = await journal(store, 'left')
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
      expect(events[0]).toMatchObject({ type: 'run.started', fingerprint: hello.fingerprint })
      // Not an empty run of this workflow: refused, and left as it was.
      await empty('other', 'someone-else', 'f'.repeat(32))
      await expect(createEngine({ store }).run(hello, { name: 'a' }, { runId: 'other' })).rejects.toBeInstanceOf(RunExistsError)
      expect(await store.get('other')).toMatchObject({ workflowId: 'someone-else', events: 0 })
      await store.close?.()
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('validates options with exact messages', () => {
    expect(() => createEngine({ concurrency: 0 })).toThrow('Expected `concurrency` to be an integer from 1 and up (or Infinity), got `0 (number)`')
    expect(() => createEngine({ failurePolicy: 'sometimes' as never })).toThrow(InvalidArgumentError)
    expect(() => createEngine().start(hello, { name: 'a' }, { runId: '../etc' })).toThrow(InvalidArgumentError)
  })

  it('refuses bad pools and limits when the engine is created, every problem in one error', () => {
    expect(() => createEngine({ pools: { cpu: -1 } })).toThrow('Expected `pools` to be valid (pool "cpu" must hold a number ≥ 0, got `-1` (number)), got `{"cpu":-1} (object)`')
    expect(() => createEngine({ pools: { cpu: Number.NaN, gpu: 1 }, limits: { db: 0 } })).toThrow(
      'Expected `pools` and `limits` to be valid (pool "cpu" must hold a number ≥ 0, got `NaN` (number); limit "db" must be an integer ≥ 1 or Infinity, got `0` (number)), got `{"pools":{"cpu":"NaN","gpu":1},"limits":{"db":0}} (object)`',
    )
    expect(() => createEngine({ pools: { cpu: 0 }, limits: { db: Infinity } })).not.toThrow()
  })

  it('refuses what is not a workflow with a typed error in start, run, resume, replay and cancel', async () => {
    const engine = createEngine()
    const notWorkflows: unknown[] = [undefined, null, {}, { id: 'x', steps: [] }, 'hello']
    for (const bad of notWorkflows) {
      expect(() => engine.start(bad as never, { name: 'a' } as never)).toThrow(/^Expected `workflow` to be a Workflow/)
      await expect(engine.run(bad as never, { name: 'a' } as never)).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(engine.resume('r1', bad as never)).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(engine.replay('r1', bad as never)).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(engine.cancel('r1', bad as never)).rejects.toBeInstanceOf(InvalidArgumentError)
    }
  })

  it('reports step logs as events', async () => {
    const logs: string[] = []
    const wf = workflow('log').step('a', { output: Num, run: ({ log }) => { log.info('working', { n: 1 }); return 1 } }).build()
    const engine = createEngine()
    engine.on('step.log', (e) => logs.push(`${e.level} ${e.stepId} ${e.message} ${JSON.stringify(e.data)}`))
    await engine.run(wf)
    expect(logs).toEqual(['info a working {"n":1}'])
  })
})
