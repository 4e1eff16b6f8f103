import { hash32, mulberry32, systemClock, type Clock, type Duration, type Random } from '../runtime/index.js'
import { clockOption, functionOption, integerOption, invalid, objectOption } from './arguments.js'
import { constantBackoff, decorrelatedJitter, exponentialBackoff, linearBackoff, type Backoff } from './backoff.js'
import { matchesError, type ErrorMatcher } from './error-matcher.js'
import { abortReason, invoke, Listeners, resolveContext, type Policy, type PolicyContext, type PolicyFunction, type Unsubscribe } from './policy.js'

/**
 * Names of the built-in backoffs, for {@link RetryOptions.backoff}.
 * @public
 */
export type BackoffName = 'constant' | 'linear' | 'exponential' | 'decorrelated-jitter'

/**
 * Options of {@link retry}. A step's `retry` option (`StepRetry`) is a valid `RetryOptions`.
 * @public
 */
export interface RetryOptions {
  /** Total attempts, the first included (1 = no retry; `Infinity` retries until success or cancellation). Required. */
  readonly attempts: number
  /**
   * How delays grow: a built-in by name (configured by `base`, `max`, `jitter`) or any
   * {@link Backoff} (which then ignores those three options).
   * @defaultValue `'exponential'`
   */
  readonly backoff?: BackoffName | Backoff
  /**
   * First delay of the built-in backoff.
   * @defaultValue `'1s'`
   */
  readonly base?: Duration
  /**
   * Largest delay of the built-in backoff.
   * @defaultValue `'5m'`
   */
  readonly max?: Duration
  /**
   * Randomized fraction of each delay (0 to 1) for `constant`, `linear` and `exponential`;
   * ignored by `decorrelated-jitter`, which is random by construction.
   * @defaultValue 0
   */
  readonly jitter?: number
  /**
   * Which errors to retry. Errors for which {@link isNonRetryable} holds
   * (`NonRetryableError`, `ContractViolation`, `CancelledError`) are never retried,
   * whatever this says.
   * @defaultValue every other error
   */
  readonly retryOn?: ErrorMatcher
  /**
   * Clock the delays are waited on.
   * @defaultValue the call's `ctx.clock`, else {@link systemClock}
   */
  readonly clock?: Clock
  /**
   * Seeded PRNG jitter is drawn from (shared by every call of this policy). Never
   * `Math.random`: the same seed gives the same delays. A host running many clients against
   * one service should seed it per process (e.g. `mulberry32(processSeed)`) so that their
   * retries spread out.
   * @defaultValue the call's `ctx.random`, else a fresh `mulberry32(hash32(ctx.key ?? ''))`
   * for each call, so calls with the same key wait the same delays
   */
  readonly random?: Random
}

/**
 * The verdict of {@link RetryPolicy.decide} on one failed attempt. `reason` tells why a
 * failure is final: the error can never be retried, `retryOn` rejected it, or no attempt is
 * left.
 * @public
 */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly reason: 'non-retryable' | 'not-matched' | 'attempts-exhausted' }

/**
 * Emitted before waiting to retry. Shaped like the engine's `step.failed` journal event
 * with `willRetry: true` (serialize `error` with `serializeError` before storing it).
 * @public
 */
export interface RetryEvent {
  readonly type: 'retry.scheduled'
  /** The call's `ctx.key`, when given. */
  readonly key?: string
  /** Number of the attempt that failed, from 1. */
  readonly attempt: number
  /** What it failed with. */
  readonly error: unknown
  /** Milliseconds until the next attempt. */
  readonly delayMs: number
}

/**
 * Emitted when a failure is final and `retry` rethrows it.
 * @public
 */
export interface GiveUpEvent {
  readonly type: 'retry.gave-up'
  /** The call's `ctx.key`, when given. */
  readonly key?: string
  /** Number of the last attempt, from 1. */
  readonly attempt: number
  /** The error `execute` rejects with. */
  readonly error: unknown
  /** Why the failure is final. */
  readonly reason: 'non-retryable' | 'not-matched' | 'attempts-exhausted'
}

/**
 * The policy returned by {@link retry}.
 * @public
 */
export interface RetryPolicy extends Policy {
  /** Total attempts, the first included. */
  readonly attempts: number
  /** The backoff strategy the delays come from. */
  readonly backoff: Backoff
  /**
   * Pure decision on attempt `attempt` (from 1) having failed with `error`: retry after
   * `delayMs`, or give up and why. Runs nothing and reads no clock, so the engine can call
   * it itself, journal the result and replay it. `random` is consulted only when the
   * backoff jitters; `previousDelayMs` is the delay decided after the previous attempt.
   */
  decide(attempt: number, error: unknown, random: Random, previousDelayMs?: number): RetryDecision
  /** Calls `listener` before each wait for a retry. */
  onRetry(listener: (event: RetryEvent) => void): Unsubscribe
  /** Calls `listener` when a failure is final. */
  onGiveUp(listener: (event: GiveUpEvent) => void): Unsubscribe
}

const neverRetried: ReadonlySet<string> = new Set(['WEFT_NON_RETRYABLE', 'WEFT_CONTRACT_VIOLATION', 'WEFT_CANCELLED'])

/**
 * True for errors no retry can fix: `NonRetryableError`, `ContractViolation` and
 * `CancelledError`. Matches on the stable `code`, so serialized errors (e.g. from a worker)
 * count too.
 * @example
 * ```ts
 * isNonRetryable(new NonRetryableError('bad request')) // true
 * isNonRetryable(new Error('ECONNRESET')) // false
 * ```
 * @public
 */
export function isNonRetryable(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && neverRetried.has(code)
}

class RetryPolicyImpl implements RetryPolicy {
  private readonly retried = new Listeners<RetryEvent>()
  private readonly gaveUp = new Listeners<GiveUpEvent>()

  constructor(
    readonly attempts: number,
    readonly backoff: Backoff,
    private readonly retryOn: ErrorMatcher | undefined,
    private readonly clock: Clock | undefined,
    private readonly random: Random | undefined,
  ) {}

  decide(attempt: number, error: unknown, random: Random, previousDelayMs?: number): RetryDecision {
    if (isNonRetryable(error)) return { retry: false, reason: 'non-retryable' }
    if (this.retryOn !== undefined && !matchesError(this.retryOn, error)) return { retry: false, reason: 'not-matched' }
    if (attempt >= this.attempts) return { retry: false, reason: 'attempts-exhausted' }
    return { retry: true, delayMs: this.backoff.delay(attempt, random, previousDelayMs) }
  }

  onRetry(listener: (event: RetryEvent) => void): Unsubscribe {
    return this.retried.add(listener)
  }

  onGiveUp(listener: (event: GiveUpEvent) => void): Unsubscribe {
    return this.gaveUp.add(listener)
  }

  async execute<T>(fn: PolicyFunction<T>, partial?: Partial<PolicyContext>): Promise<T> {
    const ctx = resolveContext(partial)
    const clock = this.clock ?? ctx.clock ?? systemClock
    const random = this.random ?? ctx.random ?? mulberry32(hash32(ctx.key ?? ''))
    const key = ctx.key === undefined ? {} : { key: ctx.key }
    let previous: number | undefined
    for (let attempt = 1; ; attempt++) {
      if (ctx.signal.aborted) throw abortReason(ctx.signal)
      try {
        return await invoke(fn, { ...ctx, attempt })
      } catch (error) {
        if (ctx.signal.aborted) throw error // the caller cancelled: nothing to retry for
        const decision = this.decide(attempt, error, random, previous)
        if (!decision.retry) {
          this.gaveUp.emit({ type: 'retry.gave-up', ...key, attempt, error, reason: decision.reason })
          throw error
        }
        this.retried.emit({ type: 'retry.scheduled', ...key, attempt, error, delayMs: decision.delayMs })
        await clock.sleep(decision.delayMs, ctx.signal)
        previous = decision.delayMs
      }
    }
  }
}

/**
 * A policy that runs a function again when it fails, waiting a backoff delay on the clock
 * between attempts (cancellable through `ctx.signal`). Jitter comes only from a seeded PRNG.
 * Errors for which {@link isNonRetryable} holds fail at once.
 * @example
 * ```ts
 * const policy = retry({ attempts: 5, backoff: 'decorrelated-jitter', base: '200ms', max: '10s', random: mulberry32(7) })
 * policy.onRetry(({ attempt, delayMs }) => console.log(`attempt ${attempt} failed; retrying in ${delayMs} ms`))
 * const user = await policy.execute(({ signal }) => api.getUser(id, { signal }))
 * ```
 * @public
 */
export function retry(options: RetryOptions): RetryPolicy {
  const o = objectOption('retry', options)
  if (o.attempts === undefined) invalid('retry.attempts', 'an integer from 1 and up (or Infinity)', undefined)
  const attempts = integerOption('retry.attempts', o.attempts, 1, 1, true)
  let backoff: Backoff
  const shared = { base: o.base, max: o.max }
  switch (o.backoff ?? 'exponential') {
    case 'constant':
      backoff = constantBackoff({ ...shared, jitter: o.jitter })
      break
    case 'linear':
      backoff = linearBackoff({ ...shared, jitter: o.jitter })
      break
    case 'exponential':
      backoff = exponentialBackoff({ ...shared, jitter: o.jitter })
      break
    case 'decorrelated-jitter':
      backoff = decorrelatedJitter(shared)
      break
    default: {
      const b = o.backoff as unknown
      if (typeof b !== 'object' || b === null || typeof (b as Backoff).delay !== 'function' || typeof (b as Backoff).bounds !== 'function') {
        invalid('retry.backoff', "'constant', 'linear', 'exponential', 'decorrelated-jitter' or a Backoff", b)
      }
      backoff = b as Backoff
    }
  }
  return new RetryPolicyImpl(attempts, backoff, o.retryOn, clockOption('retry.clock', o.clock), functionOption('retry.random', o.random))
}
