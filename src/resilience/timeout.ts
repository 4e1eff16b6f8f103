import { systemClock, type Clock, type Duration } from '../runtime/index.js'
import { clockOption, durationOption, invalid, objectOption } from './arguments.js'
import { abortReason, invoke, Listeners, resolveContext, type Policy, type PolicyContext, type PolicyFunction, type Unsubscribe } from './policy.js'
import { StepTimeoutError } from './resilience-errors.js'

/**
 * Options of {@link timeout}.
 * @public
 */
export interface TimeoutOptions {
  /**
   * Clock the time limit runs on.
   * @defaultValue the call's `ctx.clock`, else {@link systemClock}
   */
  readonly clock?: Clock
}

/**
 * Emitted when an execution runs out of time, just before `execute` rejects.
 * @public
 */
export interface TimeoutEvent {
  readonly type: 'timeout.expired'
  /** The call's `ctx.key`, when given. */
  readonly key?: string
  /** The call's `ctx.attempt`, when inside a retry. */
  readonly attempt?: number
  /** The limit that was exceeded. */
  readonly timeoutMs: number
}

/**
 * The policy returned by {@link timeout}.
 * @public
 */
export interface TimeoutPolicy extends Policy {
  /** The time limit of each execution, in ms. */
  readonly timeoutMs: number
  /** Calls `listener` each time an execution runs out of time. */
  onTimeout(listener: (event: TimeoutEvent) => void): Unsubscribe
}

class TimeoutPolicyImpl implements TimeoutPolicy {
  private readonly expired = new Listeners<TimeoutEvent>()

  constructor(
    readonly timeoutMs: number,
    private readonly clock: Clock | undefined,
  ) {}

  onTimeout(listener: (event: TimeoutEvent) => void): Unsubscribe {
    return this.expired.add(listener)
  }

  execute<T>(fn: PolicyFunction<T>, partial?: Partial<PolicyContext>): Promise<T> {
    const ctx = resolveContext(partial)
    const outer = ctx.signal
    if (outer.aborted) return Promise.reject(abortReason(outer))
    const clock = this.clock ?? ctx.clock ?? systemClock
    const inner = new AbortController()
    const timer = new AbortController()
    return new Promise<T>((resolve, reject) => {
      let settled = false
      const settle = (): boolean => {
        if (settled) return false
        settled = true
        timer.abort() // cancels the pending sleep, so no timer outlives the call
        outer.removeEventListener('abort', onOuterAbort)
        return true
      }
      const onOuterAbort = (): void => {
        if (!settle()) return
        const reason = abortReason(outer)
        inner.abort(reason)
        reject(reason)
      }
      outer.addEventListener('abort', onOuterAbort, { once: true })
      clock.sleep(this.timeoutMs, timer.signal).then(
        () => {
          if (!settle()) return
          const error = new StepTimeoutError({
            ...(ctx.key === undefined ? {} : { stepId: ctx.key }),
            ...(ctx.attempt === undefined ? {} : { attempt: ctx.attempt }),
            timeoutMs: this.timeoutMs,
          })
          inner.abort(error)
          this.expired.emit({
            type: 'timeout.expired',
            ...(ctx.key === undefined ? {} : { key: ctx.key }),
            ...(ctx.attempt === undefined ? {} : { attempt: ctx.attempt }),
            timeoutMs: this.timeoutMs,
          })
          reject(error)
        },
        () => {}, // disarmed: the body settled first
      )
      // Both handlers are attached now, so a body that settles after the deadline is
      // simply ignored: its value is dropped and its rejection is handled (never unhandled).
      invoke(fn, { ...ctx, signal: inner.signal }).then(
        (value) => {
          if (settle()) resolve(value)
        },
        (error: unknown) => {
          if (settle()) reject(error)
        },
      )
    })
  }
}

/**
 * A policy that limits each execution to `duration` on the clock. On expiry it aborts the
 * function's `ctx.signal` with a `StepTimeoutError` (code `WEFT_STEP_TIMEOUT`) and rejects
 * with it at once. A function that ignores its signal is abandoned: its late result is
 * discarded and its late rejection is handled, never reported as unhandled. If the caller's
 * signal aborts first, `execute` rejects with its reason, also at once. Put it inside
 * `retry` to limit each attempt, outside to limit the whole.
 * @param duration - time limit of each execution: ms, or a string like `'30s'`; must be positive
 * @example
 * ```ts
 * const policy = wrap(retry({ attempts: 3 }), timeout('2s'))
 * const page = await policy.execute(({ signal }) => fetch(url, { signal }).then((r) => r.text()))
 * ```
 * @public
 */
export function timeout(duration: Duration, options?: TimeoutOptions): TimeoutPolicy {
  if (duration === undefined) invalid('timeout.duration', "a positive duration (milliseconds, or a string like '250ms', '30s', '5m')", duration)
  const ms = durationOption('timeout.duration', duration, 0, true)
  const o = objectOption('timeout.options', options)
  return new TimeoutPolicyImpl(ms, clockOption('timeout.clock', o.clock))
}
