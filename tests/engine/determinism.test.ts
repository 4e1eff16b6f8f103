import fc from 'fast-check'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import {
  createEngine,
  defineWorkflow,
  hash32,
  indexGraph,
  memoryStore,
  Scheduler,
  schedulePlan,
  SimulatedClock,
  type JournalEvent,
  type StepSpec,
  type Workflow,
} from '../../src/index.js'

interface Dag {
  readonly n: number
  readonly needs: number[][]
  readonly priority: number[]
  readonly estimate: number[]
}

const dagArb = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    needs: fc.tuple(...Array.from({ length: n }, (_, i) => (i === 0 ? fc.constant([] as number[]) : fc.uniqueArray(fc.integer({ min: 0, max: i - 1 }), { maxLength: Math.min(i, 4) })))),
    priority: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
    estimate: fc.array(fc.integer({ min: 1, max: 50 }), { minLength: n, maxLength: n }),
  }),
)

/** Step outcomes and latencies are a pure function of (seed, step id): a seeded "world". */
function toWorkflow(dag: Dag, world: number, failRate: number): Workflow {
  const steps: StepSpec[] = Array.from({ length: dag.n }, (_, i) => ({
    id: `s${i}`,
    needs: dag.needs[i]!.map((j) => `s${j}`),
    priority: dag.priority[i],
    estimate: dag.estimate[i],
    output: Type.Number(),
    run: async (ctx: { sleep: (ms: number) => Promise<void>; random: () => number }) => {
      const h = hash32(`s${i}`, world)
      await ctx.sleep(h % 97)
      if ((h % 1000) / 1000 < failRate) throw new Error(`s${i} failed`)
      return Math.floor(ctx.random() * 1000)
    },
  }))
  return defineWorkflow({ id: 'random-dag', steps })
}

async function runOnce(wf: Workflow, seed: number, concurrency: number, failurePolicy: 'failFast' | 'continue'): Promise<JournalEvent[]> {
  const store = memoryStore()
  const engine = createEngine({ store, clock: new SimulatedClock(), concurrency, failurePolicy })
  await engine.run(wf, undefined, { runId: 'r', seed })
  const events: JournalEvent[] = []
  for await (const e of store.read('r')) events.push(e)
  return events
}

const shape = (events: JournalEvent[]) =>
  events.map((e) => [e.type, 'stepId' in e ? e.stepId : undefined, 'attempt' in e ? e.attempt : undefined, e.at, e.type === 'step.succeeded' ? e.output : undefined])

describe('determinism', () => {
  it('same definition, seed and outcomes give identical event sequences', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, fc.integer(), fc.integer(), fc.integer({ min: 1, max: 6 }), fc.constantFrom('failFast' as const, 'continue' as const), fc.constantFrom(0, 0.1, 0.3), async (dag, world, seed, concurrency, policy, failRate) => {
        const wf = toWorkflow(dag, world, failRate)
        const one = await runOnce(wf, seed, concurrency, policy)
        const two = await runOnce(wf, seed, concurrency, policy)
        expect(shape(two)).toEqual(shape(one))
      }),
      { numRuns: 60 },
    )
  })

  it('with concurrency 1 the start order is the scheduler order', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, fc.integer(), fc.constantFrom(0, 0.2), async (dag, world, failRate) => {
        const wf = toWorkflow(dag, world, failRate)
        const events = await runOnce(wf, 1, 1, 'continue')
        const started = events.filter((e) => e.type === 'step.started').map((e) => (e as { stepId: string }).stepId)
        const failed = new Set(events.filter((e) => e.type === 'step.failed').map((e) => (e as { stepId: string }).stepId))
        // Pure scheduler with the same outcomes.
        const { graph } = indexGraph(wf.steps)
        const s = new Scheduler(schedulePlan(graph, { priority: (i) => dag.priority[i]!, estimate: (i) => dag.estimate[i]! }), { concurrency: 1 })
        const expected: string[] = []
        while (!s.done) {
          for (let b = s.takeBlocked(); b >= 0; b = s.takeBlocked()) s.settle(b, false)
          const i = s.take()
          if (i < 0) continue
          expected.push(wf.steps[i]!.id)
          s.settle(i, !failed.has(wf.steps[i]!.id))
        }
        expect(started).toEqual(expected)
      }),
      { numRuns: 60 },
    )
  })
})
