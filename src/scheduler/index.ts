/**
 * The deterministic scheduler: static service ranks and a per-run ready queue. Pure.
 * @packageDocumentation
 */
export { ReadyQueue } from './ready-queue.js'
export { schedulePlan, type SchedulePlan, type SchedulePlanOptions } from './schedule-plan.js'
export { Scheduler, type SchedulerOptions } from './scheduler.js'
