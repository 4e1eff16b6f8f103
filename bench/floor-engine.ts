/**
 * The floor: the least an engine meeting Weft's requirements does per step, and nothing else —
 * a step context with `deps` keyed by step id, the output checked against its compiled TypeBox
 * contract, a `step.started` and a `step.succeeded` journal event kept in memory (one clock read
 * per reaction), on the baseline's FIFO scheduler (written out here so that the baseline itself
 * stays untouched). What it derives from a shape is computed once per shape, as Weft derives its
 * plan once per definition: rebuilding ids and successor lists every run cost the floor ~0.6 of
 * its W1 ratio in the cold phase. No executor port, no events bus, no failure handling, no
 * determinism guarantees beyond FIFO order.
 *
 * It is not an engine to use. `npm run bench FLOOR` measures it with the method used for Weft,
 * to tell the cost of the required work from the cost of Weft's code (see the README's
 * benchmark section).
 */
import Type from 'typebox'
import { Compile } from 'typebox/compile'
import { MOD, sinks, stepFn, type Shape } from './workloads.js'

const Output = Compile(Type.Object({ v: Type.Integer() }))

interface FloorEvent {
  readonly seq: number
  readonly at: number
  readonly runId: string
  readonly type: 'step.started' | 'step.succeeded'
  readonly stepId: string
  readonly attempt: number
  readonly output?: unknown
}

/** What the floor engine derives once per shape (as Weft does once per workflow definition). */
interface FloorPlan {
  readonly ids: readonly string[]
  readonly succ: readonly (readonly number[])[]
  readonly indegree: Int32Array
  readonly sinks: readonly number[]
}

const plans = new WeakMap<Shape, FloorPlan>()

function planOf(shape: Shape): FloorPlan {
  let plan = plans.get(shape)
  if (plan === undefined) {
    const n = shape.weights.length
    const succ: number[][] = Array.from({ length: n }, () => [])
    const indegree = new Int32Array(n)
    shape.deps.forEach((d, i) => {
      indegree[i] = d.length
      for (const x of d) succ[x]!.push(i)
    })
    plan = { ids: Array.from({ length: n }, (_, i) => `s${i}`), succ, indegree, sinks: sinks(shape) }
    plans.set(shape, plan)
  }
  return plan
}

/** Runs `shape` on the floor engine; every run's journal is kept in `journals` (as a memory store would). */
export function floorRun(shape: Shape, journals: FloorEvent[][]): Promise<number> {
  const n = shape.weights.length
  const { ids, succ, sinks: ends } = planOf(shape)
  const indeg = planOf(shape).indegree.slice()
  const out: ({ v: number } | undefined)[] = new Array(n)
  const ready: number[] = []
  for (let i = 0; i < n; i++) if (indeg[i] === 0) ready.push(i)
  const journal: FloorEvent[] = []
  journals.push(journal)
  const runId = `floor-${journals.length}`
  let seq = 0
  let at = Date.now()
  let head = 0
  let running = 0
  let done = 0
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      while (running < shape.concurrency && head < ready.length) {
        const i = ready[head++]!
        running++
        journal.push({ seq: ++seq, at, runId, type: 'step.started', stepId: ids[i]!, attempt: 1 })
        const deps: Record<string, unknown> = Object.create(null)
        for (const d of shape.deps[i]!) deps[ids[d]!] = out[d]
        const ctx = { input: undefined, deps, runId, stepId: ids[i]!, attempt: 1 }
        const w = shape.weights[i]!
        const needs = shape.deps[i]!
        const inputs: { v: number }[] = [] // gathered as every engine here does (see stepFn)
        for (const d of needs) inputs.push(ctx.deps[ids[d]!] as { v: number })
        stepFn(w, inputs).then((value) => {
          if (!Output.Check(value)) return reject(new Error(`step ${ids[i]}: output violates its contract`))
          at = Date.now()
          out[i] = value
          running--
          done++
          journal.push({ seq: ++seq, at, runId, type: 'step.succeeded', stepId: ids[i]!, attempt: 1, output: value })
          for (const s of succ[i]!) if (--indeg[s] === 0) ready.push(s)
          if (done === n) {
            let total = 0
            for (const s of ends) total = (total + out[s]!.v) % MOD
            resolve(total)
          } else pump()
        }, reject)
      }
    }
    pump()
  })
}
