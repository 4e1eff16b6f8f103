import { within } from './capacity.js'
import type { SchedulePlan } from './schedule-plan.js'
import { InvalidArgumentError } from '../errors/index.js'
import { showValue } from '../errors/show-value.js'

/**
 * One reason a plan cannot run under given pools and limits. Each would otherwise be a
 * deadlock (a node that can never start), so the engine reports them as definition errors
 * before a run starts.
 * @public
 */
export interface ResourceProblem {
  /**
   * - `unknown-pool`: a node asks for a pool that `pools` does not define.
   * - `exceeds-pool`: a node asks for more than the whole pool holds.
   * - `invalid-amount`: a node's amount is not a finite number ≥ 0.
   * - `invalid-pool`: a pool's capacity is not a number ≥ 0.
   * - `invalid-limit`: a key's limit is not an integer ≥ 1 (or `Infinity`).
   */
  readonly kind: 'unknown-pool' | 'exceeds-pool' | 'invalid-amount' | 'invalid-pool' | 'invalid-limit'
  /** Index of the node concerned, or -1 for a problem of the pools or limits themselves. */
  readonly node: number
  /** Id of the node concerned. */
  readonly id?: string
  /** The pool concerned. */
  readonly pool?: string
  /** The concurrency key concerned. */
  readonly key?: string
  /** What the node asks for (or the invalid capacity/limit). */
  readonly requested?: number
  /** What the pool holds. */
  readonly capacity?: number
  /** What is wrong, in words. */
  readonly message: string
}

/**
 * Every reason `plan` cannot run under `pools` and `limits`: nodes asking for more than a pool
 * holds, for a pool that does not exist, or an invalid amount, and invalid pool capacities or
 * key limits. Empty when the plan can run. Problems of the options come first, then nodes in
 * declaration order. O(V + R + P + K).
 *
 * A plan that passes never deadlocks on resources: when nothing runs, the best-ranked ready
 * node always fits.
 * @param pools - capacity of each pool, e.g. `{ cpu: 8, gpu: 2 }`. @defaultValue `{}`
 * @param limits - most running nodes per concurrency key, e.g. `{ db: 2 }`. @defaultValue `{}`
 * @example
 * ```ts
 * const problems = checkResources(plan, { cpu: 8, gpu: 2 })
 * if (problems.length > 0) throw new WorkflowDefinitionError(wf.id, problems.map(toDefinitionProblem))
 * ```
 * @public
 */
export function checkResources(
  plan: SchedulePlan,
  pools: Readonly<Record<string, number>> = {},
  limits: Readonly<Record<string, number>> = {},
): ResourceProblem[] {
  const problems = optionProblems(pools, limits)
  const r = plan.resources
  if (r === undefined) return problems
  const ids = plan.graph.ids
  const n = plan.graph.size
  for (let i = 0; i < n; i++) {
    for (let e = r.offsets[i]!, end = r.offsets[i + 1]!; e < end; e++) {
      const pool = r.pools[r.pool[e]!]!
      const amount = r.amount[e]!
      const id = ids[i]!
      if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
        problems.push({ kind: 'invalid-amount', node: i, id, pool, requested: amount, message: `step "${id}" asks an invalid amount of pool "${pool}": ${String(amount)} (must be a finite number ≥ 0)` })
      } else if (!Object.hasOwn(pools, pool)) {
        const known = Object.keys(pools)
        problems.push({ kind: 'unknown-pool', node: i, id, pool, requested: amount, message: `step "${id}" asks for pool "${pool}", which is not configured (${known.length === 0 ? 'no pools' : `pools: ${known.join(', ')}`})` })
      } else {
        const capacity = pools[pool]!
        if (!(capacity >= 0)) continue // reported as invalid-pool
        if (!within(amount, capacity)) {
          problems.push({ kind: 'exceeds-pool', node: i, id, pool, requested: amount, capacity, message: `step "${id}" asks ${amount} of pool "${pool}", which holds ${capacity}` })
        }
      }
    }
  }
  return problems
}

/**
 * `pools` plus an unlimited pool for every pool `plan`'s nodes ask for that `pools` does not
 * configure: pools constrain only what they name (the engine's rule, and the plan's). `pools`
 * itself when it names them all (a plan without resources included).
 * @internal
 */
export function withUnnamedPools(pools: Readonly<Record<string, number>>, plan: SchedulePlan): Readonly<Record<string, number>> {
  const names = plan.resources?.pools
  if (names === undefined || names.every((name) => Object.hasOwn(pools, name))) return pools
  const all: Record<string, number> = { ...pools }
  for (const name of names) if (!Object.hasOwn(all, name)) all[name] = Infinity
  return all
}

/** Problems of pool capacities and key limits alone. @internal */
export function optionProblems(pools: Readonly<Record<string, number>>, limits: Readonly<Record<string, number>>): ResourceProblem[] {
  const problems: ResourceProblem[] = []
  for (const pool of Object.keys(pools)) {
    const capacity = pools[pool]
    if (typeof capacity !== 'number' || Number.isNaN(capacity) || capacity < 0) {
      problems.push({ kind: 'invalid-pool', node: -1, pool, requested: capacity as number, message: `pool "${pool}" must hold a number ≥ 0, got ${show(capacity)}` })
    }
  }
  for (const key of Object.keys(limits)) {
    const limit = limits[key]
    if (typeof limit !== 'number' || !(limit === Infinity || (Number.isInteger(limit) && limit >= 1))) {
      problems.push({ kind: 'invalid-limit', node: -1, key, requested: limit as number, message: `limit "${key}" must be an integer ≥ 1 or Infinity, got ${show(limit)}` })
    }
  }
  return problems
}

/**
 * Throws an `InvalidArgumentError` naming every problem of `pools` and `limits` (capacities
 * below 0, limits below 1), as `createEngine` and `simulate` do. @internal
 */
export function assertResourceOptions(pools: Readonly<Record<string, number>>, limits: Readonly<Record<string, number>>): void {
  const problems = optionProblems(pools, limits)
  if (problems.length === 0) return
  const badPools = problems.some((p) => p.kind === 'invalid-pool')
  const badLimits = problems.some((p) => p.kind !== 'invalid-pool')
  const argument = badPools && badLimits ? 'pools` and `limits' : badPools ? 'pools' : 'limits'
  throw new InvalidArgumentError(argument, `valid (${problems.map((p) => p.message).join('; ')})`, badPools && badLimits ? { pools, limits } : badPools ? pools : limits)
}

/** One message for a list of problems, for the RangeError of a constructor. @internal */
export function problemsMessage(where: string, problems: readonly ResourceProblem[]): string {
  return `${where}: ${problems.length} resource problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p.message}`).join('\n')}`
}

function show(value: unknown): string {
  return `\`${showValue(value)}\` (${value === null ? 'null' : typeof value})`
}
