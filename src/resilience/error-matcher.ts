import { isMatching, type P } from 'ts-pattern'

/**
 * Says which errors something applies to (`retryOn`, `breakOn`, `fallback.when`, healing
 * rules). One of:
 * - a predicate `(error) => boolean`;
 * - an `Error` subclass: matches its instances (`TypeError`, `StepTimeoutError`);
 * - a ts-pattern pattern, matched with `isMatching` (`{ code: 'ECONNRESET' }`,
 *   `P.instanceOf(HttpError)`, `{ status: P.number.gte(500) }`).
 * @example
 * ```ts
 * import { P } from 'ts-pattern'
 * retry({ attempts: 3, retryOn: { code: P.union('ECONNRESET', 'ETIMEDOUT') } })
 * ```
 * @public
 */
export type ErrorMatcher = ((error: unknown) => boolean) | (abstract new (...args: never[]) => Error) | P.Pattern<unknown>

function isErrorClass(value: unknown): value is abstract new (...args: never[]) => Error {
  return typeof value === 'function' && (value === Error || value.prototype instanceof Error)
}

/**
 * True when `error` matches `matcher` (see {@link ErrorMatcher}). Pure as long as a
 * predicate matcher is.
 * @example
 * ```ts
 * matchesError({ code: 'EBUSY' }, Object.assign(new Error('busy'), { code: 'EBUSY' })) // true
 * matchesError(TypeError, new RangeError('x')) // false
 * ```
 * @public
 */
export function matchesError(matcher: ErrorMatcher, error: unknown): boolean {
  if (isErrorClass(matcher)) return error instanceof matcher
  if (typeof matcher === 'function') return Boolean((matcher as (error: unknown) => boolean)(error))
  return isMatching(matcher, error)
}

