import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, defineWorkflow, memoryStore, SimulatedClock, WorkflowChangedError, workflow, type JournalEvent, type StepSpec, type Workflow } from '../../src/index.js'
import { crashingStore, readAll } from './crash-store.js'

/** 20 steps: a chain of 5, a fan-out of 10 from its end, a join, and a tail of 4. */
function twentySteps(executions: Map<string, number>): Workflow {
  const steps: StepSpec[] = []
  const body = (id: string, latency: number) => async (ctx: { deps: Readonly<Record<string, unknown>>; sleep: (ms: number) => Promise<void> }) => {
    executions.set(id, (executions.get(id) ?? 0) + 1)
    await ctx.sleep(latency)
    return Object.values(ctx.deps).reduce<number>((sum, v) => sum + (v as number), id.length * 7 + latency)
  }
  for (let i = 0; i < 5; i++) steps.push({ id: `c${i}`, needs: i === 0 ? [] : [`c${i - 1}`], output: Type.Number(), run: body(`c${i}`, 3) })
  for (let i = 0; i < 10; i++) steps.push({ id: `f${i}`, needs: ['c4'], output: Type.Number(), run: body(`f${i}`, (i * 7) % 5) })
  steps.push({ id: 'join', needs: Array.from({ length: 10 }, (_, i) => `f${i}`), output: Type.Number(), run: body('join', 1) })
  for (let i = 0; i < 4; i++) steps.push({ id: `t${i}`, needs: [i === 0 ? 'join' : `t${i - 1}`], output: Type.Number(), run: body(`t${i}`, 2) })
  return defineWorkflow({ id: 'twenty', output: Type.Number(), result: ({ steps: s }: { steps: Readonly<Record<string, unknown>> }) => s.t3, steps })
}

/** Journal as (type, step, output) with resume artefacts removed. */
function normalize(events: readonly JournalEvent[]): unknown[] {
  const out: unknown[] = []
  const started = new Set<string>()
  for (const e of events) {
    if (e.type === 'run.resumed') continue
    if (e.type === 'step.started') {
      if (started.has(e.stepId)) continue
      started.add(e.stepId)
    }
    out.push([e.type, 'stepId' in e ? e.stepId : undefined, e.type === 'step.succeeded' || e.type === 'run.succeeded' ? e.output : undefined])
  }
  return out
}

describe('resume', () => {
  it('continues after a crash at every journal append, never re-running a recorded success (resume parity)', async () => {
    const reference = new Map<string, number>()
    const refStore = memoryStore()
    const full = await createEngine({ store: refStore, clock: new SimulatedClock() }).run(twentySteps(reference), undefined, { runId: 'r', seed: 5 })
    expect(full.status).toBe('succeeded')
    const fullJournal = await readAll(refStore, 'r')
    let appends = 0
    for (let crashAt = 2; ; crashAt++) {
      const executions = new Map<string, number>()
      const wf = twentySteps(executions)
      const inner = memoryStore()
      const store = crashingStore(inner, crashAt)
      const first = await createEngine({ store, clock: new SimulatedClock() })
        .run(wf, undefined, { runId: 'r', seed: 5 })
        .then((r) => r, (e: Error) => e)
      if (!store.crashed) {
        appends = crashAt
        break
      }
      expect(first).toBeInstanceOf(Error)
      const before = await readAll(inner, 'r')
      const succeededBefore = new Set(before.filter((e) => e.type === 'step.succeeded').map((e) => (e as { stepId: string }).stepId))
      const runsBefore = new Map(executions)
      const handle = await createEngine({ store: inner, clock: new SimulatedClock() }).resume('r', wf)
      const result = await handle.result
      expect(result.status).toBe('succeeded')
      if (result.status === 'succeeded' && full.status === 'succeeded') expect(result.output).toEqual(full.output)
      for (const id of succeededBefore) expect(executions.get(id)).toBe(runsBefore.get(id))
      const after = await readAll(inner, 'r')
      expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1))
      expect(normalize(after)).toEqual(normalize(fullJournal))
      const resumed = after.find((e) => e.type === 'run.resumed') as { restarted: string[] } | undefined
      expect(resumed).toBeDefined()
      // Restarted attempts continue the count.
      for (const id of resumed!.restarted) expect(result.steps[id]!.attempts).toBeGreaterThanOrEqual(2)
    }
    expect(appends).toBeGreaterThan(10)
  })

  it('returns the recorded result of a run that already ended', async () => {
    const store = memoryStore()
    const wf = workflow('done').step('a', { output: Type.Number(), run: () => 4 }).build()
    const engine = createEngine({ store })
    await engine.run(wf, undefined, { runId: 'x' })
    let ran = false
    const again = workflow('done').step('a', { output: Type.Number(), run: () => ((ran = true), 4) }).build()
    const result = await (await engine.resume('x', again)).result
    expect(result).toMatchObject({ status: 'succeeded', output: { a: 4 } })
    expect(ran).toBe(false)
    expect((await readAll(store, 'x')).length).toBe(4)
  })

  it('refuses a changed definition, naming what changed, unless allowed', async () => {
    const inner = memoryStore()
    const v1 = workflow('wf')
      .step('a', { output: Type.Number(), run: () => 1 })
      .step('b', { needs: ['a'], output: Type.Number(), run: async ({ sleep }) => (await sleep(10), 2) })
      .build()
    const store = crashingStore(inner, 3) // appends: [run.started, a.started], [a.succeeded, b.started], crash
    await createEngine({ store, clock: new SimulatedClock() }).run(v1, undefined, { runId: 'w' }).catch(() => {})
    const v2 = workflow('wf')
      .step('a', { output: Type.String(), run: () => 'one' })
      .step('c', { needs: ['a'], output: Type.Number(), run: () => 3 })
      .build()
    const engine = createEngine({ store: inner, clock: new SimulatedClock() })
    const error = await engine.resume('w', v2).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WorkflowChangedError)
    expect((error as WorkflowChangedError).data.changes.map((c) => `${c.kind} ${c.stepId}`).sort()).toEqual(['contract-changed a', 'step-added c', 'step-removed b'])
    const v3 = workflow('wf')
      .step('a', { output: Type.Number(), run: () => 1 })
      .step('b', { needs: ['a'], output: Type.Number(), run: () => 2 })
      .step('c', { needs: ['b'], output: Type.Number(), run: () => 3 })
      .build()
    const migrated = await (await engine.resume('w', v3, { allowDefinitionChange: true })).result
    expect(migrated).toMatchObject({ status: 'succeeded', output: { a: 1, b: 2, c: 3 } })
  })

  it('re-validates recorded outputs against the current contract', async () => {
    const inner = memoryStore()
    const v1 = workflow('rv')
      .step('a', { output: Type.Number(), run: () => 1 })
      .step('b', { needs: ['a'], output: Type.Number(), run: async ({ sleep }) => (await sleep(10), 2) })
      .build()
    await createEngine({ store: crashingStore(inner, 3), clock: new SimulatedClock() }).run(v1, undefined, { runId: 'v' }).catch(() => {})
    const v2 = workflow('rv')
      .step('a', { output: Type.String(), run: () => 'x' })
      .step('b', { needs: ['a'], output: Type.Number(), run: () => 2 })
      .build()
    const handle = await createEngine({ store: inner }).resume('v', v2, { allowDefinitionChange: true })
    await expect(handle.result).rejects.toMatchObject({ code: 'WEFT_CONTRACT_VIOLATION', data: { stepId: 'a', direction: 'step-output' } })
  })
})
