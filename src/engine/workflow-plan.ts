import type { TSchema } from 'typebox'
import type { Validator } from 'typebox/compile'
import { compile } from '../contract/index.js'
import { schedulePlan, type SchedulePlan } from '../scheduler/index.js'
import type { Workflow } from '../workflow/index.js'

/**
 * Everything per-definition the run loop needs, computed once per workflow object.
 * @internal
 */
export interface WorkflowPlan {
  readonly schedule: SchedulePlan
  readonly validators: readonly Validator<{}, TSchema>[]
  readonly hasConditions: boolean
  readonly hasCompensation: boolean
}

const plans = new WeakMap<Workflow, WorkflowPlan>()

/** @internal */
export function planOf(workflow: Workflow): WorkflowPlan {
  let plan = plans.get(workflow)
  if (plan === undefined) {
    const steps = workflow.steps
    plan = {
      schedule: schedulePlan(workflow.graph, {
        priority: (i) => steps[i]!.priority,
        estimate: (i) => steps[i]!.estimate ?? 1,
        resources: (i) => steps[i]!.resources,
        concurrencyKey: (i) => steps[i]!.concurrencyKey,
      }),
      validators: steps.map((s) => compile(s.output)),
      hasConditions: steps.some((s) => s.when !== undefined),
      hasCompensation: steps.some((s) => s.compensate !== undefined),
    }
    plans.set(workflow, plan)
  }
  return plan
}
