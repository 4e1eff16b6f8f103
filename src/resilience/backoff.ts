import type { Duration, Random } from '../runtime/index.js'
import { durationOption, objectOption, rangeOption } from './arguments.js'

/**
 * A backoff strategy: how long to wait before the next attempt. Pure: the only randomness
 * is the `random` it is given, so the same PRNG sequence gives the same delays (and a replay
 * computes the delays it journaled).
 * @public
 */
export interface Backoff {
  /**
   * Milliseconds (an integer) to wait after attempt `attempt` failed, before attempt
   * `attempt + 1`. Calls `random` at most once.
   * @param attempt - number of the attempt that failed, from 1
   * @param random - seeded PRNG returning numbers in [0, 1)
   * @param previousDelay - the delay chosen after the previous attempt (absent after the first)
   */
  delay(attempt: number, random: Random, previousDelay?: number): number
  /**
   * Inclusive `[min, max]` of `delay(attempt, random, previousDelay)` over every possible
   * draw of `random`.
   */
  bounds(attempt: number, previousDelay?: number): readonly [min: number, max: number]
}

/**
 * Options shared by the built-in backoffs.
 * @public
 */
export interface BackoffOptions {
  /**
   * First delay (and the unit the strategy grows from).
   * @defaultValue `'1s'`
   */
  readonly base?: Duration
  /**
   * Largest delay: every computed delay is capped to it.
   * @defaultValue `'5m'`
   */
  readonly max?: Duration
  /**
   * Fraction of each delay, from 0 to 1, that is randomized: a delay `d` becomes a uniform
   * draw from `[d × (1 − jitter), d]`. 0 makes the strategy deterministic without drawing
   * from the PRNG.
   * @defaultValue 0
   */
  readonly jitter?: number
}

/**
 * Options of {@link exponentialBackoff}.
 * @public
 */
export interface ExponentialBackoffOptions extends BackoffOptions {
  /**
   * Growth factor between consecutive delays (at least 1).
   * @defaultValue 2
   */
  readonly factor?: number
}

/**
 * Options of {@link decorrelatedJitter}: the strategy is random by construction, so it has
 * no `jitter`.
 * @public
 */
export type DecorrelatedJitterOptions = Omit<BackoffOptions, 'jitter'>

interface Resolved {
  readonly base: number
  readonly max: number
  readonly jitter: number
}

function resolve(where: string, options: BackoffOptions | undefined): Resolved {
  const o = objectOption(where, options)
  return {
    base: durationOption(`${where}.base`, o.base, 1_000),
    max: durationOption(`${where}.max`, o.max, 300_000),
    jitter: rangeOption(`${where}.jitter`, o.jitter, 0, 0, 1),
  }
}

/** A deterministic delay curve `nominal(attempt)` with optional proportional jitter. */
function curve(jitter: number, nominal: (attempt: number) => number): Backoff {
  return {
    delay(attempt, random) {
      const d = nominal(Math.max(1, attempt))
      return Math.round(jitter === 0 ? d : d * (1 - jitter * random()))
    },
    bounds(attempt) {
      const d = nominal(Math.max(1, attempt))
      return [Math.round(d * (1 - jitter)), Math.round(d)]
    },
  }
}

/**
 * The same delay after every failure: `min(max, base)`, jittered down by up to `jitter`.
 * Bounds: `[round(d × (1 − jitter)), round(d)]` with `d = min(max, base)`.
 * @example
 * ```ts
 * const b = constantBackoff({ base: '500ms' })
 * b.delay(1, mulberry32(1)) // 500
 * b.delay(7, mulberry32(1)) // 500
 * ```
 * @public
 */
export function constantBackoff(options?: BackoffOptions): Backoff {
  const { base, max, jitter } = resolve('constantBackoff', options)
  return curve(jitter, () => Math.min(max, base))
}

/**
 * Delays growing by `base` each attempt: `min(max, base × attempt)`, jittered down by up to
 * `jitter`. Bounds: `[round(d × (1 − jitter)), round(d)]` with `d = min(max, base × attempt)`.
 * @example
 * ```ts
 * const b = linearBackoff({ base: '1s', max: '3s' })
 * ;[1, 2, 3, 4].map((n) => b.delay(n, mulberry32(1))) // [1000, 2000, 3000, 3000]
 * ```
 * @public
 */
export function linearBackoff(options?: BackoffOptions): Backoff {
  const { base, max, jitter } = resolve('linearBackoff', options)
  return curve(jitter, (attempt) => Math.min(max, base * attempt))
}

/**
 * Delays multiplied by `factor` each attempt: `min(max, base × factor^(attempt − 1))`,
 * jittered down by up to `jitter`. Bounds: `[round(d × (1 − jitter)), round(d)]` with `d` that
 * nominal delay.
 * @example
 * ```ts
 * const b = exponentialBackoff({ base: '100ms', max: '1s' })
 * ;[1, 2, 3, 4, 5].map((n) => b.delay(n, mulberry32(1))) // [100, 200, 400, 800, 1000]
 * ```
 * @public
 */
export function exponentialBackoff(options?: ExponentialBackoffOptions): Backoff {
  const { base, max, jitter } = resolve('exponentialBackoff', options)
  const factor = rangeOption('exponentialBackoff.factor', options?.factor, 2, 1, Number.MAX_VALUE)
  return curve(jitter, (attempt) => Math.min(max, base * factor ** (attempt - 1)))
}

/**
 * AWS "decorrelated jitter": each delay is a uniform draw from `[base, 3 × previous]`, capped
 * to `max`, where `previous` is the previous delay (`base` before the first). Spreads
 * retries of many clients apart while still growing. Bounds:
 * `[round(min(max, base)), round(min(max, max(base, 3 × previous)))]`, so every delay lies in
 * `[min(max, base), max]`.
 * @example
 * ```ts
 * const b = decorrelatedJitter({ base: '100ms', max: '10s' })
 * const random = mulberry32(42)
 * const d1 = b.delay(1, random)     // in [100, 300]
 * const d2 = b.delay(2, random, d1) // in [100, 3 × d1]
 * ```
 * @public
 */
export function decorrelatedJitter(options?: DecorrelatedJitterOptions): Backoff {
  const o = objectOption('decorrelatedJitter', options)
  const base = durationOption('decorrelatedJitter.base', o.base, 1_000)
  const max = durationOption('decorrelatedJitter.max', o.max, 300_000)
  const upper = (previousDelay: number | undefined): number => Math.max(base, 3 * (previousDelay ?? base))
  return {
    delay(_attempt, random, previousDelay) {
      return Math.round(Math.min(max, base + random() * (upper(previousDelay) - base)))
    },
    bounds(_attempt, previousDelay) {
      return [Math.round(Math.min(max, base)), Math.round(Math.min(max, upper(previousDelay)))]
    },
  }
}
