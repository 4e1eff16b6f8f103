import type { WeftConfig } from '../config/index.js'
import { levels } from '../graph/index.js'
import { simulate } from '../plan/index.js'
import type { Workflow } from '../workflow/index.js'

/**
 * What `weft plan --json` prints: exactly these keys.
 * @public
 */
export interface PlanReport {
  /** Workflow id. */
  readonly workflow: string
  /** Number of steps. */
  readonly steps: number
  /** Phases: step ids by level (a step's level is 1 + the highest level of its needs). */
  readonly levels: readonly (readonly string[])[]
  /** One heaviest chain of estimates and its total. */
  readonly criticalPath: { readonly steps: readonly string[]; readonly estimateMs: number }
  /** Sum of every step's estimate. */
  readonly totalEstimateMs: number
  /** Workers of the simulation (unlimited is reported as the number of steps, which is equivalent). */
  readonly concurrency: number
  /** End of the last step when the steps run with `concurrency` workers, each lasting its estimate. */
  readonly makespanMs: number
}

/** Estimate of a step in plans: its `estimate`, or 1 ms (as the scheduler counts it). */
export function estimateOf(step: Workflow['steps'][number]): number {
  return step.estimate ?? 1
}

/**
 * The plan of a workflow: phases, critical path, total work and the simulated makespan for
 * `concurrency` workers, with the config's pools and limits (a pool a step names but the config
 * does not is unlimited, as in the engine).
 */
export function planOf(workflow: Workflow, concurrency: number | undefined, config: WeftConfig): PlanReport {
  const n = workflow.steps.length
  const workers = concurrency ?? n
  const simulation = simulate(workflow, { concurrency: Math.max(1, workers), pools: config.pools ?? {}, ...(config.limits === undefined ? {} : { limits: config.limits }) })
  return {
    workflow: workflow.id,
    steps: n,
    levels: levels(workflow.graph) ?? [],
    criticalPath: { steps: simulation.criticalPath.steps, estimateMs: simulation.criticalPath.total },
    totalEstimateMs: workflow.steps.reduce((sum, s) => sum + estimateOf(s), 0),
    concurrency: workers,
    makespanMs: simulation.makespan,
  }
}
