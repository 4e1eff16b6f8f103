/**
 * The deterministic scheduler: static service ranks, a per-run ready queue with concurrency
 * limits, resource pools and per-key limits, and limits shared fairly by several runs. Pure.
 * @packageDocumentation
 */
export { ReadyQueue } from './ready-queue.js'
export { schedulePlan, type PlanResources, type SchedulePlan, type SchedulePlanOptions } from './schedule-plan.js'
export { checkResources, type ResourceProblem } from './check-resources.js'
export { Scheduler, type SchedulerOptions } from './scheduler.js'
export { createSlotPool, type SharedLimits, type SharedLimitsOptions, type SlotGrant } from './shared-limits.js'
