import type { Duration } from '../runtime/index.js'
import { durationOption, integerOption, invalid, objectOption, rangeOption } from './arguments.js'

/**
 * Outcome of one call, as a {@link Breaker} counts it.
 * @public
 */
export type BreakerOutcome = 'success' | 'failure'

/**
 * The strategy that decides when a closed circuit opens. Pure and serializable: its
 * counting state is plain JSON held by the circuit breaker (so `toJSON()` can save it), and
 * `record` returns a new state instead of mutating. Only calls made while the circuit is
 * closed are recorded; the half-open probe is judged by the circuit breaker itself.
 * @public
 */
export interface Breaker<State = unknown> {
  /** Names the strategy in snapshots; a snapshot of another kind restarts the counting. */
  readonly kind: string
  /** Counting state of a freshly closed circuit. */
  initial(): State
  /**
   * Records one outcome at time `now` (ms on the breaker's clock); returns the new counting
   * state and whether the circuit must open.
   */
  record(state: State, outcome: BreakerOutcome, now: number): { readonly state: State; readonly open: boolean }
  /** Whether `value` is a counting state of this strategy (checks restored snapshots). */
  isState(value: unknown): value is State
}

/**
 * Counting state of {@link consecutiveBreaker}.
 * @public
 */
export interface ConsecutiveBreakerState {
  /** Failures since the last success. */
  readonly failures: number
}

/**
 * Opens the circuit after `threshold` consecutive failures; any success resets the count.
 * @param threshold - consecutive failures that open the circuit, an integer from 1 and up
 * @example
 * ```ts
 * const breaker = circuitBreaker({ halfOpenAfter: '10s', breaker: consecutiveBreaker(5) })
 * ```
 * @public
 */
export function consecutiveBreaker(threshold: number): Breaker<ConsecutiveBreakerState> {
  if (threshold === undefined) invalid('consecutiveBreaker.threshold', 'an integer from 1 and up', threshold)
  const n = integerOption('consecutiveBreaker.threshold', threshold, 1, 1)
  return {
    kind: 'consecutive',
    initial: () => ({ failures: 0 }),
    record(state, outcome) {
      if (outcome === 'success') return { state: { failures: 0 }, open: false }
      const failures = state.failures + 1
      return { state: { failures }, open: failures >= n }
    },
    isState: (value): value is ConsecutiveBreakerState =>
      typeof value === 'object' && value !== null && Number.isInteger((value as { failures?: unknown }).failures) && (value as { failures: number }).failures >= 0,
  }
}

/**
 * Options of {@link samplingBreaker}. Give at most one of `minimumThroughput` and
 * `minimumRps`.
 * @public
 */
export interface SamplingBreakerOptions {
  /** Failure ratio, in (0, 1], at or above which the circuit opens. Required. */
  readonly threshold: number
  /** Length of the sliding window the ratio is computed over. Required. */
  readonly duration: Duration
  /**
   * Fewest calls in the window before the ratio is trusted (so a single early failure does
   * not open the circuit).
   * @defaultValue 10
   */
  readonly minimumThroughput?: number
  /**
   * The same floor as a rate: `minimumRps × duration` calls (rounded up) in the window.
   * @defaultValue `undefined` (use `minimumThroughput`)
   */
  readonly minimumRps?: number
}

/**
 * Counting state of {@link samplingBreaker}: per time bucket (`index = floor(now / bucketMs)`),
 * the successes and failures recorded in it; only the last 10 buckets are kept.
 * @public
 */
export interface SamplingBreakerState {
  readonly buckets: readonly (readonly [index: number, successes: number, failures: number])[]
}

const bucketCount = 10

/**
 * Opens the circuit when, over a sliding window of `duration` (10 buckets of
 * `duration / 10`), at least `minimumThroughput` calls were recorded and the share that
 * failed is at least `threshold`.
 * @example
 * ```ts
 * // open when half the calls of the last minute failed, once there were at least 20
 * const breaker = circuitBreaker({
 *   halfOpenAfter: '30s',
 *   breaker: samplingBreaker({ threshold: 0.5, duration: '1m', minimumThroughput: 20 }),
 * })
 * ```
 * @public
 */
export function samplingBreaker(options: SamplingBreakerOptions): Breaker<SamplingBreakerState> {
  const o = objectOption('samplingBreaker', options)
  if (o.threshold === undefined) invalid('samplingBreaker.threshold', 'a number from 0 (exclusive) to 1', undefined)
  if (o.duration === undefined) invalid('samplingBreaker.duration', 'a positive duration', undefined)
  const threshold = rangeOption('samplingBreaker.threshold', o.threshold, 0.5, 0, 1, true)
  const duration = durationOption('samplingBreaker.duration', o.duration, 0, true)
  if (o.minimumRps !== undefined && o.minimumThroughput !== undefined) {
    invalid('samplingBreaker.minimumRps', 'absent when `minimumThroughput` is given', o.minimumRps)
  }
  const minimum =
    o.minimumRps !== undefined
      ? Math.ceil((rangeOption('samplingBreaker.minimumRps', o.minimumRps, 0, 0, Number.MAX_VALUE) * duration) / 1000)
      : integerOption('samplingBreaker.minimumThroughput', o.minimumThroughput, 10, 1)
  const bucketMs = duration / bucketCount
  return {
    kind: 'sampling',
    initial: () => ({ buckets: [] }),
    record(state, outcome, now) {
      const index = Math.floor(now / bucketMs)
      const kept = state.buckets.filter(([i]) => i > index - bucketCount && i <= index)
      const last = kept[kept.length - 1]
      const buckets =
        last !== undefined && last[0] === index
          ? [...kept.slice(0, -1), [index, last[1] + (outcome === 'success' ? 1 : 0), last[2] + (outcome === 'failure' ? 1 : 0)] as const]
          : [...kept, [index, outcome === 'success' ? 1 : 0, outcome === 'failure' ? 1 : 0] as const]
      if (outcome === 'success') return { state: { buckets }, open: false }
      let total = 0
      let failures = 0
      for (const [, s, f] of buckets) {
        total += s + f
        failures += f
      }
      return { state: { buckets }, open: total >= minimum && failures >= threshold * total }
    },
    isState: (value): value is SamplingBreakerState =>
      typeof value === 'object' &&
      value !== null &&
      Array.isArray((value as { buckets?: unknown }).buckets) &&
      (value as { buckets: unknown[] }).buckets.every((b) => Array.isArray(b) && b.length === 3 && b.every((n) => Number.isInteger(n))),
  }
}
