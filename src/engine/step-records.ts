import type { JournalEventOf } from '../journal/index.js'
import { standInValue, type EventStandIns } from './stand-in.js'

/*
 * The two journal events every step writes, built by constructors instead of object literals.
 *
 * The objects are the literals' equals: the same own properties in the same order, and
 * `Object.prototype` as prototype (so `JSON.stringify`, spreading, `toStrictEqual` and plain-object
 * checks see no difference). Why: V8 tracks an *allocation site* for every object literal and,
 * once new space is at its largest, decides to allocate the objects of a site whose objects
 * survive (as journal events do: the journal keeps them) directly in the old generation. That
 * decision deoptimizes every function that allocates from the site — here the hot path of every
 * run, around the sixth run of a fresh process, while it is still warming up. A constructor has
 * no allocation site, so no such decision and no deoptimization.
 */

interface StepStartedRecord {
  new (seq: number, at: number, runId: string, stepId: string, attempt: number): JournalEventOf<'step.started'>
}

interface StepSucceededRecord {
  new (seq: number, at: number, runId: string, stepId: string, attempt: number, output: unknown): JournalEventOf<'step.succeeded'>
}

function StepStarted(this: Record<string, unknown>, seq: number, at: number, runId: string, stepId: string, attempt: number): void {
  this.seq = seq
  this.at = at
  this.runId = runId
  this.type = 'step.started'
  this.stepId = stepId
  this.attempt = attempt
}
StepStarted.prototype = Object.prototype

function StepSucceeded(this: Record<string, unknown>, seq: number, at: number, runId: string, stepId: string, attempt: number, output: unknown): void {
  this.seq = seq
  this.at = at
  this.runId = runId
  this.type = 'step.succeeded'
  this.stepId = stepId
  this.attempt = attempt
  this.output = output
}
StepSucceeded.prototype = Object.prototype

/**
 * A `step.started` event, equal to `{ seq, at, runId, type: 'step.started', stepId, attempt }`.
 * @internal
 */
export const StepStartedEvent = StepStarted as unknown as StepStartedRecord

/**
 * A `step.succeeded` event, equal to `{ seq, at, runId, type: 'step.succeeded', stepId, attempt, output }`.
 * @internal
 */
export const StepSucceededEvent = StepSucceeded as unknown as StepSucceededRecord

/**
 * Keeps objects of the maps this run's step events have, built from values stored like `at` (an
 * event time of the run) and `output` (a step output of the run). Call once per run.
 * @internal
 */
export function keepStepShapes(standIns: EventStandIns, at: number, output: unknown): void {
  const time = standInValue(at) as number
  standIns.stepStarted = new StepStartedEvent(1, time, '', '', 1)
  standIns.stepSucceeded = new StepSucceededEvent(1, time, '', '', 1, standInValue(output))
}
