import { criticalPath } from '../graph/index.js'
import { InvalidArgumentError } from '../errors/index.js'
import { checkResources, Scheduler } from '../scheduler/index.js'
import { assertResourceOptions, withUnnamedPools } from '../scheduler/check-resources.js'
import { workflowSchedule } from './workflow-schedule.js'
import { WorkflowDefinitionError, type DefinitionProblem, type Workflow } from '../workflow/index.js'
import { checkWorkflow } from '../workflow/check-workflow.js'

/**
 * Options of {@link simulate}.
 * @public
 */
export interface SimulateOptions {
  /**
   * Most steps running at once. `1` gives the serial order and total.
   * @defaultValue Infinity
   */
  readonly concurrency?: number
  /**
   * Capacity of each resource pool, e.g. `{ cpu: 8, gpu: 2 }`. As in the engine, a resource
   * that no pool names is not limited.
   * @defaultValue `{}`
   */
  readonly pools?: Readonly<Record<string, number>>
  /**
   * Most running steps per concurrency key, e.g. `{ db: 2 }`.
   * @defaultValue `{}`
   */
  readonly limits?: Readonly<Record<string, number>>
  /**
   * The scheduler's starvation bound (see `SchedulerOptions.backfillLimit`).
   * @defaultValue 8
   */
  readonly backfillLimit?: number
}

/**
 * One step on the simulated timeline.
 * @public
 */
export interface SimulatedStep {
  /** Step id. */
  readonly id: string
  /** Virtual start time (ms from the start of the run). */
  readonly start: number
  /** Virtual end time: `start + estimate`. */
  readonly end: number
}

/**
 * Result of {@link simulate}.
 * @public
 */
export interface Simulation {
  /** Every step, in start order. */
  readonly timeline: readonly SimulatedStep[]
  /** End of the last step (0 for an empty workflow). */
  readonly makespan: number
  /** One heaviest chain of estimates and its total: the makespan with unlimited capacity. */
  readonly criticalPath: { readonly steps: readonly string[]; readonly total: number }
  /** Most steps running at the same instant. */
  readonly peakParallelism: number
  /** Step ids in start order (the serial order when `concurrency` is 1). */
  readonly order: readonly string[]
}

/**
 * Runs the scheduler on a virtual clock without running any step body: each step lasts its
 * `estimate` (ms; 1 when absent) and succeeds. Same ranking as the engine (priority, critical
 * path, declaration order), same limits and backfill rule, so the timeline is the one a real
 * run with those durations would follow. Steps ending at the same instant all end before
 * anything new starts. O((V + E) log V) plus the scheduler's resource work.
 *
 * Resources and keys are read from `step.resources` / `step.concurrencyKey`, exactly as the
 * engine reads them (`meta` is the caller's free-form data: a `meta.resources` limits nothing,
 * in the plan or in a run). Throws a {@link WorkflowDefinitionError} listing every step that
 * asks for more than a pool holds, and an {@link InvalidArgumentError} for invalid options.
 * @example
 * ```ts
 * const { makespan, order } = simulate(release, { concurrency: 1 }) // serial total and order
 * const plan = simulate(release, { pools: { cpu: 4 } })
 * for (const s of plan.timeline) console.log(s.id, s.start, s.end)
 * ```
 * @public
 */
export function simulate(workflow: Workflow, options: SimulateOptions = {}): Simulation {
  checkWorkflow(workflow)
  const concurrency = options.concurrency ?? Infinity
  if (typeof concurrency !== 'number' || !(concurrency === Infinity || (Number.isInteger(concurrency) && concurrency >= 1))) {
    throw new InvalidArgumentError('concurrency', 'an integer from 1 and up (or Infinity)', concurrency)
  }
  const steps = workflow.steps
  const graph = workflow.graph
  const estimate = (i: number): number => steps[i]!.estimate ?? 1
  const plan = workflowSchedule(workflow, estimate)
  const limits = options.limits ?? {}
  const named = options.pools ?? {}
  assertResourceOptions(named, limits)
  // As the engine runs it: a resource no pool names is not limited.
  const pools = withUnnamedPools(named, plan)
  const problems = checkResources(plan, pools, limits)
  if (problems.length > 0) {
    throw new WorkflowDefinitionError(
      workflow.id,
      problems.map((p): DefinitionProblem => {
        const step = steps[p.node]!
        return { path: `/steps/${p.node}/resources/${p.pool ?? ''}`, code: 'invalid-option', stepId: step.id, message: p.message }
      }),
    )
  }
  const scheduler = new Scheduler(plan, { concurrency, pools, limits, ...(options.backfillLimit === undefined ? {} : { backfillLimit: options.backfillLimit }) })

  const n = steps.length
  const timeline: SimulatedStep[] = []
  const order: string[] = []
  const ends = new EndQueue(n)
  let now = 0
  let peak = 0
  for (;;) {
    for (let i = scheduler.take(); i >= 0; i = scheduler.take()) {
      const end = now + estimate(i)
      timeline.push({ id: steps[i]!.id, start: now, end })
      order.push(steps[i]!.id)
      ends.push(i, end)
    }
    if (scheduler.running > peak) peak = scheduler.running
    if (ends.size === 0) break
    now = ends.peekEnd()
    while (ends.size > 0 && ends.peekEnd() === now) scheduler.settle(ends.pop(), true)
  }
  if (!scheduler.done) throw new Error(`simulate: ${n - scheduler.settled} steps could not start (scheduler invariant broken)`)
  const cp = criticalPath(graph, estimate)!
  return { timeline, makespan: now, criticalPath: { steps: cp.steps, total: cp.total }, peakParallelism: peak, order }
}

/** Running steps by end time, then start order: a binary heap. */
class EndQueue {
  private readonly node: Int32Array
  private readonly end: Float64Array
  private readonly seq: Float64Array
  private count = 0
  private next = 0

  constructor(capacity: number) {
    this.node = new Int32Array(Math.max(1, capacity))
    this.end = new Float64Array(Math.max(1, capacity))
    this.seq = new Float64Array(Math.max(1, capacity))
  }

  get size(): number {
    return this.count
  }

  peekEnd(): number {
    return this.end[0]!
  }

  push(node: number, end: number): void {
    let i = this.count++
    const seq = this.next++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(end, seq, parent)) break
      this.move(parent, i)
      i = parent
    }
    this.node[i] = node
    this.end[i] = end
    this.seq[i] = seq
  }

  pop(): number {
    const top = this.node[0]!
    const last = --this.count
    if (last > 0) {
      const node = this.node[last]!
      const end = this.end[last]!
      const seq = this.seq[last]!
      let i = 0
      for (;;) {
        let child = 2 * i + 1
        if (child >= last) break
        if (child + 1 < last && this.before(this.end[child + 1]!, this.seq[child + 1]!, child)) child++
        if (!this.before(this.end[child]!, this.seq[child]!, -1, end, seq)) break
        this.move(child, i)
        i = child
      }
      this.node[i] = node
      this.end[i] = end
      this.seq[i] = seq
    }
    return top
  }

  /** (end, seq) orders before slot j (or before the explicit (otherEnd, otherSeq) when j < 0). */
  private before(end: number, seq: number, j: number, otherEnd = this.end[j]!, otherSeq = this.seq[j]!): boolean {
    return end < otherEnd || (end === otherEnd && seq < otherSeq)
  }

  private move(from: number, to: number): void {
    this.node[to] = this.node[from]!
    this.end[to] = this.end[from]!
    this.seq[to] = this.seq[from]!
  }
}
