import type { Duration } from '../runtime/index.js'
import type { Breaker, ErrorMatcher, RemedyRule } from '../resilience/index.js'

/**
 * How a step retries failed attempts. Plain data (so declarative files can say it) plus an
 * optional predicate. Delays are drawn from the run's seeded PRNG and waited on the engine's
 * clock, so a replay computes the same delays.
 * @public
 */
export interface StepRetry {
  /** Total attempts, the first included (1 = no retry). */
  readonly attempts: number
  /**
   * Delay growth between attempts.
   * @defaultValue `'exponential'`
   */
  readonly backoff?: 'constant' | 'linear' | 'exponential' | 'decorrelated-jitter'
  /**
   * First delay.
   * @defaultValue `'1s'`
   */
  readonly base?: Duration
  /**
   * Largest delay.
   * @defaultValue `'5m'`
   */
  readonly max?: Duration
  /**
   * Which errors retry. `ContractViolation`, `NonRetryableError` and cancellations never do.
   * @defaultValue every other error
   */
  readonly retryOn?: (error: unknown) => boolean
}

/**
 * Resources a step holds while it runs, by pool name (e.g. `{ cpu: 2, gpu: 1 }`); the engine's
 * `pools` say how much of each exists.
 * @public
 */
export type StepResources = Readonly<Record<string, number>>

/**
 * A circuit breaker around the step's attempts. Steps sharing `key` share one breaker across
 * every run of an engine. While open, attempts fail fast with `CircuitOpenError`.
 * @public
 */
export interface StepBreaker {
  /** Breakers are shared by key. */
  readonly key: string
  /** Time an open breaker waits before letting one probe through. */
  readonly halfOpenAfter: Duration
  /** When to open: `consecutiveBreaker(5)` or `samplingBreaker({ threshold, duration })`. */
  readonly breaker: Breaker
  /** Which failures count against the resource. @defaultValue every error except cancellations */
  readonly breakOn?: ErrorMatcher
}

/**
 * A bulkhead: at most `limit` attempts of steps sharing `key` run at once, `queue` more wait;
 * beyond that attempts fail with `BulkheadRejectedError`.
 * @public
 */
export interface StepBulkhead {
  /** Bulkheads are shared by key across the engine. */
  readonly key: string
  /** Concurrent executions. */
  readonly limit: number
  /** Waiting executions. @defaultValue 0 */
  readonly queue?: number
}

/**
 * A token-bucket rate limit shared by key across the engine: attempts wait (cancellably) for a
 * token instead of failing.
 * @public
 */
export interface StepRateLimit {
  /** Limiters are shared by key. */
  readonly key: string
  /** Tokens per period. */
  readonly tokens: number
  /** The period, e.g. `'1s'`. */
  readonly per: Duration
}

/**
 * What a step outputs when it fails for good (after retries) with an error matching `when`.
 * The value must satisfy the step's output contract.
 * @public
 */
export interface StepFallback<O = unknown> {
  /** Which errors fall back. @defaultValue every error except cancellations */
  readonly when?: ErrorMatcher
  /** The output, or a function of the error that returns it. */
  readonly value: O | ((error: unknown) => O | Promise<O>)
}

/** Self-healing rules of a step (see `heal` in the resilience module). @public */
export type StepRemedies<O = unknown> = readonly RemedyRule<O>[]

/**
 * Workflow-wide defaults: each applies to the steps that do not set their own.
 * @public
 */
export interface StepDefaults {
  /** Default retry policy. */
  readonly retry?: StepRetry
  /** Default per-attempt time limit. */
  readonly timeout?: Duration
  /** Default time limit over all attempts of a step. */
  readonly totalTimeout?: Duration
}
