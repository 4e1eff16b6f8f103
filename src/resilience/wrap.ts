import { invalid } from './arguments.js'
import { invoke, resolveContext, type Policy, type PolicyContext, type PolicyExtra, type PolicyFunction } from './policy.js'
import { unnamed } from '../runtime/unnamed.js'

/**
 * The policy returned by {@link wrap}.
 * @public
 */
export interface WrappedPolicy<Extra = never> extends Policy<Extra> {
  /** The composed policies, outermost first. */
  readonly policies: readonly Policy<unknown>[]
}

/**
 * Composes policies, outermost first: `wrap(a, b, c).execute(fn)` runs
 * `a.execute(() => b.execute(() => c.execute(fn)))`, each passing its context inward. With no
 * policy it just runs the function. The result type includes every policy's extra (a
 * `fallback`'s value, a `healing`'s `Skipped`).
 * @example
 * ```ts
 * // a fallback for when everything failed; each attempt limited to 2 s; 3 attempts; one
 * // breaker shared by all; order matters: the timeout sits inside retry to limit each attempt
 * const resilient = wrap(fallback({ value: [] }), retry({ attempts: 3 }), breaker, timeout('2s'))
 * const items = await resilient.execute(({ signal }) => listItems({ signal }))
 * ```
 * @public
 */
export function wrap<const P extends readonly Policy<unknown>[]>(...policies: P): WrappedPolicy<PolicyExtra<P[number]>> {
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i] as unknown
    if (typeof p !== 'object' || p === null || typeof (p as Policy).execute !== 'function') {
      invalid(`wrap[${i}]`, 'a policy (an object with execute())', p)
    }
  }
  const list: readonly Policy<unknown>[] = Object.freeze([...policies])
  return {
    policies: list,
    execute<T>(fn: PolicyFunction<T>, ctx?: Partial<PolicyContext>): Promise<T | PolicyExtra<P[number]>> {
      // Once per call (per guarded step): unnamed, see runtime/unnamed.ts.
      const run = unnamed((i: number, c: Partial<PolicyContext> | undefined): Promise<unknown> => {
        if (i === list.length) return invoke(fn, resolveContext(c))
        return list[i]!.execute((inner) => run(i + 1, inner), c)
      })
      return run(0, ctx) as Promise<T | PolicyExtra<P[number]>>
    },
  }
}
