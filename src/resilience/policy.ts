import type { Clock, Random } from '../runtime/index.js'

/**
 * What a policy hands to the function it runs, and what a caller may pass to
 * {@link Policy.execute}. Policies pass the context inward, refining it: `retry` sets
 * `attempt`, `timeout` replaces `signal` with one that also aborts on expiry.
 * @public
 */
export interface PolicyContext {
  /**
   * Aborts when the caller cancels or an enclosing policy gives up (e.g. a timeout). The
   * function should stop its work when it fires.
   * @defaultValue a signal that never aborts
   */
  readonly signal: AbortSignal
  /**
   * Number of the current attempt, from 1. Set by `retry`; absent outside a retry.
   * @defaultValue `undefined`
   */
  readonly attempt?: number
  /**
   * Clock for policies that were not given one in their options (the engine passes its
   * own). A policy's own `clock` option wins over this one.
   * @defaultValue `undefined` (each policy then uses {@link systemClock})
   */
  readonly clock?: Clock
  /**
   * Seeded PRNG for policies that draw random numbers and were not given one in their
   * options (the engine passes the step's seeded PRNG).
   * @defaultValue `undefined` (each policy then seeds its own, see its options)
   */
  readonly random?: Random
  /**
   * Name of the protected operation (e.g. a step id); copied into errors and events.
   * @defaultValue `undefined`
   */
  readonly key?: string
}

/**
 * The function a policy runs. It may return a value or a promise; a synchronous throw is
 * treated like a rejection.
 * @public
 */
export type PolicyFunction<T> = (ctx: PolicyContext) => T | PromiseLike<T>

/**
 * The one contract every resilience policy implements: run a function under the policy.
 * `Extra` is what the policy may resolve with besides the function's own result
 * (`fallback` adds its fallback value, `healing` adds {@link Skipped}); `never` for the rest.
 * @example
 * ```ts
 * const policy: Policy = wrap(retry({ attempts: 3 }), timeout('2s'))
 * const body = await policy.execute(({ signal }) => fetch(url, { signal }).then((r) => r.text()))
 * ```
 * @public
 */
export interface Policy<Extra = never> {
  /**
   * Type-level only, never set: carries `Extra` so that {@link wrap} can infer what a
   * composition may resolve with. Custom policies leave it out (they add nothing).
   */
  readonly '~extra'?: readonly [Extra]
  /**
   * Runs `fn` under this policy. `ctx` fills in the context (signal, clock, PRNG, key) for
   * this call; anything missing takes its default.
   */
  execute<T>(fn: PolicyFunction<T>, ctx?: Partial<PolicyContext>): Promise<T | Extra>
}

/**
 * What a policy may resolve with besides the function's own result: `never` for most,
 * the fallback value's type for `fallback`, `Skipped` for `healing`.
 * @public
 */
export type PolicyExtra<P> = P extends { readonly '~extra'?: readonly [infer E] } ? E : never

/**
 * Removes a listener that was added with an `on…` method. Calling it twice is harmless.
 * Listeners run synchronously, in the order they were added, after the state change they
 * report; an exception thrown by a listener propagates to the call that caused the event.
 * @public
 */
export type Unsubscribe = () => void

const neverAborted = new AbortController().signal

/** Fills in the defaults of a caller's partial context. @internal */
export function resolveContext(ctx: Partial<PolicyContext> | undefined): PolicyContext {
  if (ctx === undefined) return { signal: neverAborted }
  if (ctx.signal !== undefined) return ctx as PolicyContext
  return { ...ctx, signal: neverAborted }
}

/** Calls `fn`, turning a synchronous throw into a rejection. @internal */
export function invoke<T>(fn: PolicyFunction<T>, ctx: PolicyContext): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn(ctx)))
}

/** The reason of an aborted signal, never `undefined`. @internal */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted')
}

/** A minimal typed event list: listeners run synchronously, in the order they were added. @internal */
export class Listeners<E> {
  private list: ((event: E) => void)[] = []

  add(listener: (event: E) => void): Unsubscribe {
    this.list = [...this.list, listener]
    return () => {
      this.list = this.list.filter((l) => l !== listener)
    }
  }

  emit(event: E): void {
    for (const listener of this.list) listener(event)
  }
}
