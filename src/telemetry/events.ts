import type { JournalEventMap } from '../journal/index.js'
import type { SerializedError } from '../errors/index.js'

/**
 * A log line written by a step through `ctx.log` (reported, not journaled).
 * @public
 */
export interface StepLogEvent {
  readonly type: 'step.log'
  readonly runId: string
  readonly stepId: string
  readonly at: number
  readonly level: 'debug' | 'info' | 'warn' | 'error'
  readonly message: string
  readonly data?: Readonly<Record<string, unknown>>
}

/**
 * Something went wrong outside a step that did not change the run (e.g. a plugin's `onRunEnd`
 * hook threw). Reported, not journaled.
 * @public
 */
export interface EngineWarningEvent {
  readonly type: 'engine.warning'
  readonly runId: string
  readonly at: number
  readonly message: string
  readonly error?: SerializedError
}

/**
 * A circuit breaker of the engine changed state (breakers are shared by key across runs, so
 * these are reported, not journaled).
 * @public
 */
export interface BreakerStateEvent {
  readonly type: 'breaker.opened' | 'breaker.half-open' | 'breaker.closed'
  /** The breaker's key. */
  readonly key: string
  readonly at: number
}

/** Every event the engine reports, keyed by type. @public */
export type WeftEventMap = JournalEventMap & {
  'step.log': StepLogEvent
  'engine.warning': EngineWarningEvent
  'breaker.opened': BreakerStateEvent
  'breaker.half-open': BreakerStateEvent
  'breaker.closed': BreakerStateEvent
}
/** The type tag of a reported event. @public */
export type WeftEventType = keyof WeftEventMap
/** Any reported event: the journal events plus logs and warnings. @public */
export type WeftEvent = WeftEventMap[WeftEventType]
