import { readFileSync } from 'node:fs'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, memoryStore, NonDeterminismError, SimulatedClock, WorkflowChangedError, workflow, type JournalEvent, type Workflow } from '../../src/index.js'
import { chain, fanOut } from '../fixtures/journals/workflows.js'
import { readAll, storeWith } from './crash-store.js'

function fixture(name: string): JournalEvent[] {
  return readFileSync(new URL(`../fixtures/journals/${name}`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as JournalEvent)
}

async function replay(events: JournalEvent[], wf: Workflow, failurePolicy: 'failFast' | 'continue' = 'failFast') {
  const engine = createEngine({ store: await storeWith(events), failurePolicy })
  return engine.replay(events[0]!.runId, wf)
}

describe('replay', () => {
  it('replays recorded fixtures clean (out-of-order completions, a failure, a skip)', async () => {
    const events = fixture('fan-out.jsonl')
    // The fixture really has completions in a different order than the starts.
    const starts = events.filter((e) => e.type === 'step.started').map((e) => (e as { stepId: string }).stepId)
    const ends = events.filter((e) => e.type === 'step.succeeded' || e.type === 'step.failed').map((e) => (e as { stepId: string }).stepId)
    expect(ends.slice(1)).not.toEqual(starts.slice(1))
    expect(await replay(events, fanOut, 'continue')).toEqual({ runId: 'fan-out-1', events: events.length, segments: 1 })
  })

  it('replays a resumed run segment by segment', async () => {
    expect(await replay(fixture('chain-resumed.jsonl'), chain)).toMatchObject({ segments: 2 })
  })

  it('replays a cancelled run', async () => {
    expect(await replay(fixture('chain-cancelled.jsonl'), chain)).toMatchObject({ segments: 1 })
  })

  it('replays fresh runs with random latencies and parallel completions', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const store = memoryStore()
      const wf = workflow('par')
        .step('root', { output: Type.Number(), run: () => 0 })
        .step('x', { needs: ['root'], output: Type.Number(), run: async ({ sleep, random }) => (await sleep(Math.floor(random() * 20)), 1) })
        .step('y', { needs: ['root'], output: Type.Number(), run: async ({ sleep, random }) => (await sleep(Math.floor(random() * 20)), 2) })
        .step('z', { needs: ['root'], output: Type.Number(), run: async ({ sleep, random }) => (await sleep(Math.floor(random() * 20)), 3) })
        .step('w', { needs: ['x', 'y'], output: Type.Number(), run: ({ deps }) => deps.x + deps.y })
        .build()
      const engine = createEngine({ store, clock: new SimulatedClock(), concurrency: 2 })
      await engine.run(wf, undefined, { runId: `p${seed}`, seed })
      await expect(engine.replay(`p${seed}`, wf)).resolves.toMatchObject({ segments: 1 })
    }
  })

  it('a renamed step or a changed dependency is a WorkflowChangedError', async () => {
    const events = fixture('chain-resumed.jsonl')
    const renamed = workflow('chain', { version: '1' })
      .step('uno', { output: Type.Integer(), run: () => 1 })
      .step('two', { needs: ['uno'], output: Type.Integer(), run: () => 2 })
      .step('three', { needs: ['two'], output: Type.Integer(), run: () => 3 })
      .build()
    const error = await replay(events, renamed).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WorkflowChangedError)
    expect((error as WorkflowChangedError).data.changes.map((c) => c.kind)).toEqual(expect.arrayContaining(['step-removed', 'step-added', 'needs-changed']))
  })

  it('a condition that branches on Math.random diverges with a NonDeterminismError', async () => {
    let divergences = 0
    for (let i = 0; i < 8; i++) {
      const store = memoryStore()
      const wf = workflow('coin')
        .step('a', { output: Type.Number(), run: () => 1 })
        .step('b', { needs: ['a'], when: () => Math.random() < 0.5, output: Type.Number(), run: () => 2 })
        .step('c', { needs: ['a'], output: Type.Number(), run: () => 3 })
        .build()
      const engine = createEngine({ store })
      await engine.run(wf, undefined, { runId: 'coin' })
      const outcome = await engine.replay('coin', wf).then(() => undefined, (e: unknown) => e)
      if (outcome !== undefined) {
        expect(outcome).toBeInstanceOf(NonDeterminismError)
        const data = (outcome as NonDeterminismError).data
        expect(data.index).toBeGreaterThan(1)
        expect(JSON.stringify(data.expected)).not.toEqual(JSON.stringify(data.found))
        divergences++
      }
    }
    // 8 coin flips agree with their recording 8 times with probability 1/256.
    expect(divergences).toBeGreaterThan(0)
  })

  it('a tampered journal (changed output feeding a condition) diverges', async () => {
    const store = memoryStore()
    const wf = workflow('gated')
      .step('check', { output: Type.Boolean(), run: () => true })
      .step('deploy', { needs: ['check'], when: ({ deps }) => deps.check, output: Type.Number(), run: () => 1 })
      .build()
    await createEngine({ store }).run(wf, undefined, { runId: 'g' })
    const events = (await readAll(store, 'g')).map((e) => (e.type === 'step.succeeded' && e.stepId === 'check' ? { ...e, output: false } : e))
    const error = await replay(events, wf).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NonDeterminismError)
    expect((error as NonDeterminismError).data).toMatchObject({ index: 4, expected: { type: 'step.started', stepId: 'deploy' }, found: { type: 'step.skipped', stepId: 'deploy' } })
  })
})
