import type { Duration } from '../runtime/index.js'

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
