import type { TSchema } from 'typebox'
import type { Validator } from 'typebox/compile'
import { compile, type ContractSite } from '../contract/index.js'
import type { SchedulePlan } from '../scheduler/index.js'
import type { Workflow } from '../workflow/index.js'
import { workflowSchedule } from '../plan/workflow-schedule.js'

/**
 * Everything per-definition the run loop needs, computed once per workflow object.
 * @internal
 */
export interface WorkflowPlan {
  readonly schedule: SchedulePlan
  readonly validators: readonly Validator<{}, TSchema>[]
  readonly hasCompensation: boolean
  /** Some step declares secrets (the run needs a redactor). */
  readonly hasSecrets: boolean
  /**
   * How each step runs, decided once per definition: 0 its body through the executor, 1 its
   * body through the step's breaker/bulkhead/rate limit, 2 a gate or sub-workflow the engine runs,
   * 3 a body with side effects (simulated in dry runs), 4 a map step (its items run through the executor).
   */
  readonly runKind: Uint8Array
  /**
   * 1 where a step starts the simplest way (kind 0, no timeout): what the run's lean path
   * launches itself (see `RunExecution.succeedLean`).
   */
  readonly direct: Uint8Array
  /** Some step has a `when` condition (its start is decided by the general path). */
  readonly hasConditions: boolean
  /**
   * Where the workflow's input is checked, built once per definition: a site literal built by
   * every run is an object of its own map, which V8 drops at a full GC once that run has ended,
   * and the next run rebuilds (see `RunExecution.keep`).
   */
  readonly inputSite: ContractSite
  /** Where the workflow's output is checked, built once per definition (see `inputSite`). */
  readonly outputSite: ContractSite
}

const plans = new WeakMap<Workflow, WorkflowPlan>()

/**
 * The schedule of `workflow` with `estimates` (ms by step id) in place of the declared
 * estimates of those steps: what a run uses when the engine learns durations.
 * @internal
 */
export function scheduleWith(workflow: Workflow, estimates: Readonly<Record<string, number>>): SchedulePlan {
  const steps = workflow.steps
  return workflowSchedule(workflow, (i) => estimates[steps[i]!.id] ?? steps[i]!.estimate ?? 1)
}

/** @internal */
export function planOf(workflow: Workflow): WorkflowPlan {
  let plan = plans.get(workflow)
  if (plan === undefined) {
    const steps = workflow.steps
    const runKind = Uint8Array.from(steps, (s) =>
      s.map !== undefined ? 4 : s.gate !== undefined || s.child !== undefined ? 2 : s.sideEffects === true ? 3 : s.breaker !== undefined || s.bulkhead !== undefined || s.rateLimit !== undefined ? 1 : 0,
    )
    plan = {
      schedule: workflowSchedule(workflow, (i) => steps[i]!.estimate ?? 1),
      validators: steps.map((s) => compile(s.output)),
      hasCompensation: steps.some((s) => s.compensate !== undefined),
      hasSecrets: steps.some((s) => s.secrets !== undefined && s.secrets.length > 0),
      runKind,
      direct: Uint8Array.from(steps, (s, i) => (runKind[i] === 0 && s.timeout === undefined && s.totalTimeout === undefined ? 1 : 0)),
      hasConditions: steps.some((s) => s.when !== undefined),
      inputSite: { workflowId: workflow.id, direction: 'workflow-input' },
      outputSite: { workflowId: workflow.id, direction: 'workflow-output' },
    }
    plans.set(workflow, plan)
  }
  return plan
}
