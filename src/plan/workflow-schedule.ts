import { schedulePlan, type SchedulePlan } from '../scheduler/index.js'
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
