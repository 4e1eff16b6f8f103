import { schedulePlan, type SchedulePlan } from '../scheduler/index.js'
import { withUnnamedPools } from '../scheduler/check-resources.js'
import type { Workflow } from '../workflow/index.js'

/**
 * The scheduler's plan of `workflow` with `estimate` as each step's duration: its steps'
 * priorities, resources and concurrency keys, read the one way the engine and `simulate` both
 * read them.
 * @internal
 */
export function workflowSchedule(workflow: Workflow, estimate: (i: number) => number): SchedulePlan {
  const steps = workflow.steps
  return schedulePlan(workflow.graph, {
    priority: (i) => steps[i]!.priority,
    estimate,
    resources: (i) => steps[i]!.resources,
    concurrencyKey: (i) => steps[i]!.concurrencyKey,
  })
}

/**
 * The pools a workflow runs with: `pools`, plus an unlimited pool for every resource a step
 * names that `pools` does not configure (pools constrain only what they name).
 * @internal
 */
export function poolsFor(pools: Readonly<Record<string, number>>, workflow: Workflow): Readonly<Record<string, number>> {
  let demands = demandsByWorkflow.get(workflow)
  if (demands === undefined) {
    demands = workflow.steps.flatMap((step) => (step.resources === undefined ? [] : [step.resources]))
    demandsByWorkflow.set(workflow, demands)
  }
  return demands.length === 0 ? pools : withUnnamedPools(pools, demands)
}

/** The resource demands of each workflow's steps that declare some: a run of a new engine does not walk every step again. */
const demandsByWorkflow = new WeakMap<Workflow, readonly Readonly<Record<string, number>>[]>()
