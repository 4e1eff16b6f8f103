import { objectOption } from './arguments.js'
import { matchesError, type ErrorMatcher } from './error-matcher.js'
import { invoke, resolveContext, type Policy, type PolicyContext, type PolicyFunction } from './policy.js'

/**
 * A fallback value, or a function computing it from the error (it may be async, and it may
 * throw to fail after all).
 * @public
 */
export type FallbackValue<F> = F | ((error: unknown, ctx: PolicyContext) => F | PromiseLike<F>)

/**
 * Options of {@link fallback}.
 * @public
 */
export interface FallbackOptions<F> {
  /**
   * Which errors fall back; others are rethrown.
   * @defaultValue every error (except when the caller's signal aborted: a cancelled call is
   * never turned into a result)
   */
  readonly when?: ErrorMatcher
  /**
   * What to resolve with instead. A function is called with the error and the context; to
   * fall back to a function value itself, return it from such a function.
   * @defaultValue `undefined`
   */
  readonly value?: FallbackValue<F>
}

/**
 * The policy returned by {@link fallback}: resolves with the function's result or with the
 * fallback value `F`.
 * @public
 */
export type FallbackPolicy<F> = Policy<F>

/** Resolves a {@link FallbackValue} for an error. @internal */
export function fallbackValueOf<F>(value: FallbackValue<F> | undefined, error: unknown, ctx: PolicyContext): Promise<F> {
  if (typeof value !== 'function') return Promise.resolve(value as F)
  return invoke(() => (value as (error: unknown, ctx: PolicyContext) => F | PromiseLike<F>)(error, ctx), ctx)
}

/**
 * A policy that turns a failure into a value: when the function fails with an error matching
 * `when`, `execute` resolves with `value` (or what `value(error, ctx)` returns) instead.
 * @example
 * ```ts
 * const cached = fallback({ when: { code: 'ECONNREFUSED' }, value: () => cache.get('rates') })
 * const rates = await wrap(cached, timeout('2s')).execute(({ signal }) => fetchRates({ signal }))
 * ```
 * @public
 */
export function fallback<F = undefined>(options?: FallbackOptions<F>): FallbackPolicy<F> {
  const o = objectOption('fallback', options)
  const { when, value } = o
  return {
    async execute<T>(fn: PolicyFunction<T>, partial?: Partial<PolicyContext>): Promise<T | F> {
      const ctx = resolveContext(partial)
      try {
        return await invoke(fn, ctx)
      } catch (error) {
        if (ctx.signal.aborted || (when !== undefined && !matchesError(when, error))) throw error
        return fallbackValueOf(value, error, ctx)
      }
    },
  }
}
