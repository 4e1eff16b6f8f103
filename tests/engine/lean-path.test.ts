import fc from 'fast-check'
import Type from 'typebox'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createEngine, defineWorkflow, hash32, memoryStore, SimulatedClock, type JournalEvent, type RunStore, type StepSpec, type WeftEvent, type Workflow } from '../../src/index.js'
import { leanPath, RunExecution } from '../../src/engine/run-execution.js'

// The run's lean path (one pass from a plain step's success to the start of what it made ready)
// must journal and report exactly what the general path does: same events, order, seq and times.

interface Dag {
  readonly n: number
  readonly needs: number[][]
  readonly priority: number[]
  /** 0 async with a sleep, 1 synchronous value, 2 async without a sleep, 3 with a timeout, 4 side effects. */
  readonly kind: number[]
  readonly retry: boolean[]
}

const dagArb = fc.integer({ min: 1, max: 30 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    needs: fc.tuple(...Array.from({ length: n }, (_, i) => (i === 0 ? fc.constant([] as number[]) : fc.uniqueArray(fc.integer({ min: 0, max: i - 1 }), { maxLength: Math.min(i, 3) })))),
    priority: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
    kind: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n }),
    retry: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  }),
)

function toWorkflow(dag: Dag, world: number, failRate: number, conditions: boolean): Workflow {
  const steps: StepSpec[] = Array.from({ length: dag.n }, (_, i) => {
    const id = `s${i}`
    const h = hash32(id, world)
    const fails = (h % 1000) / 1000 < failRate
    const kind = dag.kind[i]!
    const run = (ctx: { sleep: (ms: number) => Promise<void>; random: () => number; attempt: number; deps: Readonly<Record<string, unknown>> }): unknown => {
      // Fails in its first attempt only when it retries (so the retry succeeds), in every attempt otherwise.
      const fail = fails && (!dag.retry[i] || ctx.attempt === 1)
      const value = Math.floor(ctx.random() * 1000) + Object.keys(ctx.deps).length
      if (kind === 1) {
        if (fail) throw new Error(`${id} failed`)
        return value
      }
      return (async () => {
        if (kind !== 2) await ctx.sleep(h % 37)
        if (fail) throw new Error(`${id} failed`)
        return value
      })()
    }
    return {
      id,
      needs: dag.needs[i]!.map((j) => `s${j}`),
      priority: dag.priority[i],
      output: Type.Number(),
      run,
      ...(kind === 3 ? { timeout: 30 } : {}),
      ...(kind === 4 ? { sideEffects: true } : {}),
      ...(dag.retry[i] ? { retry: { attempts: 2, backoff: 'constant' as const, base: 5 } } : {}),
      ...(conditions && i % 5 === 4 ? { when: () => h % 2 === 0 } : {}),
    }
  })
  return defineWorkflow({ id: 'lean-or-not', steps })
}

/**
 * A memory store whose every `asyncEvery`-th append completes asynchronously (0: never): a store
 * that turns out asynchronous in the middle of a run.
 */
function storeAnswering(asyncEvery: number): RunStore {
  const store = memoryStore()
  let appends = 0
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'append') {
        return (...args: Parameters<RunStore['append']>) => {
          target.append(...args)
          return asyncEvery > 0 && ++appends % asyncEvery === 0 ? Promise.resolve() : undefined
        }
      }
      const member = Reflect.get(target, key, receiver) as unknown
      return typeof member === 'function' ? member.bind(target) : member
    },
  })
}

async function runWith(
  lean: boolean,
  wf: Workflow,
  seed: number,
  concurrency: number,
  failurePolicy: 'failFast' | 'continue',
  asyncEvery = 0,
): Promise<{ journal: JournalEvent[]; reported: WeftEvent[]; status: string }> {
  leanPath.enabled = lean
  try {
    const store = storeAnswering(asyncEvery)
    const engine = createEngine({ store, clock: new SimulatedClock(), concurrency, failurePolicy })
    const reported: WeftEvent[] = []
    engine.on('*', (e) => void reported.push(e))
    // A run that never ends fails this property (and is shrunk) instead of timing the test out.
    let timer: NodeJS.Timeout | undefined
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the run never ended (lean path ${lean ? 'on' : 'off'})`)), 10_000)
    })
    const result = await Promise.race([engine.run(wf, undefined, { runId: 'r', seed }), hung]).finally(() => clearTimeout(timer))
    const journal: JournalEvent[] = []
    for await (const e of store.read('r')) journal.push(e)
    return { journal, reported, status: result.status }
  } finally {
    leanPath.enabled = true
  }
}

/** The value without `stack` members (a serialized error's stack names the path's own functions). */
function withoutStacks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutStacks)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'stack').map(([key, member]) => [key, withoutStacks(member)]))
}

afterEach(() => {
  leanPath.enabled = true
})

describe('the lean path', () => {
  it('journals and reports exactly what the general path does', async () => {
    await fc.assert(
      fc.asyncProperty(
        dagArb,
        fc.integer(),
        fc.integer(),
        fc.constantFrom(1, 2, 4, Infinity),
        fc.constantFrom('failFast' as const, 'continue' as const),
        fc.constantFrom(0, 0.15, 0.4),
        fc.boolean(),
        fc.constantFrom(0, 0, 3, 1),
        async (dag, world, seed, concurrency, policy, failRate, conditions, asyncEvery) => {
          const wf = toWorkflow(dag, world, failRate, conditions)
          const general = await runWith(false, wf, seed, concurrency, policy, asyncEvery)
          const lean = await runWith(true, wf, seed, concurrency, policy, asyncEvery)
          expect(lean.status).toBe(general.status)
          expect(withoutStacks(lean.journal)).toEqual(withoutStacks(general.journal))
          expect(withoutStacks(lean.reported)).toEqual(withoutStacks(general.reported))
        },
      ),
      { numRuns: 150 },
    )
  })

  it('is taken by a plain workflow (and not when switched off), with the same journal', async () => {
    const steps: StepSpec[] = Array.from({ length: 50 }, (_, i) => ({ id: `s${i}`, needs: i === 0 ? [] : [`s${i - 1}`], output: Type.Number(), run: async () => i }))
    const wf = defineWorkflow({ id: 'chain', steps })
    // A private method, spied on at run time: the property test above is only meaningful if the path is taken.
    const spy = vi.spyOn(RunExecution.prototype as unknown as { succeedLean: () => void }, 'succeedLean')
    try {
      const general = await runWith(false, wf, 1, Infinity, 'failFast')
      expect(spy).not.toHaveBeenCalled()
      const lean = await runWith(true, wf, 1, Infinity, 'failFast')
      expect(spy).toHaveBeenCalledTimes(50)
      expect(lean.journal).toEqual(general.journal)
    expect(lean.journal.filter((e) => e.type === 'step.succeeded')).toHaveLength(50)
    } finally {
      spy.mockRestore()
    }
  })

  it('is taken with a store that appends asynchronously (fsync), with the same journal', async () => {
    const steps: StepSpec[] = Array.from({ length: 30 }, (_, i) => ({ id: `s${i}`, needs: i === 0 ? [] : [`s${i - 1}`], output: Type.Number(), run: async () => i }))
    const wf = defineWorkflow({ id: 'chain', steps })
    const spy = vi.spyOn(RunExecution.prototype as unknown as { succeedLean: () => void }, 'succeedLean')
    try {
      const general = await runWith(false, wf, 1, Infinity, 'failFast', 1)
      expect(spy).not.toHaveBeenCalled()
      const lean = await runWith(true, wf, 1, Infinity, 'failFast', 1)
      expect(spy).toHaveBeenCalledTimes(30)
      expect(lean.journal).toEqual(general.journal)
    } finally {
      spy.mockRestore()
    }
  })
})
