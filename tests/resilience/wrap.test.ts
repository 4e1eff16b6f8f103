import { describe, expect, it } from 'vitest'
import { SimulatedClock } from '../../src/runtime/index.js'
import {
  CircuitOpenError,
  StepTimeoutError,
  circuitBreaker,
  consecutiveBreaker,
  fallback,
  retry,
  timeout,
  wrap,
  type Policy,
  type PolicyContext,
  type PolicyFunction,
} from '../../src/resilience/index.js'
import { outcome } from './helpers.js'

/** A policy that records when it is entered and left. */
function tracer(name: string, log: string[]): Policy {
  return {
    async execute<T>(fn: PolicyFunction<T>, ctx?: Partial<PolicyContext>): Promise<T> {
      log.push(`${name}:in`)
      try {
        return await fn({ signal: new AbortController().signal, ...ctx, key: `${ctx?.key ?? ''}/${name}` })
      } finally {
        log.push(`${name}:out`)
      }
    },
  }
}

describe('wrap', () => {
  it('composes outer → inner, passing the context inward', async () => {
    const log: string[] = []
    const value = await wrap(tracer('a', log), tracer('b', log), tracer('c', log)).execute((ctx) => {
      log.push('fn')
      return ctx.key
    }, { key: 'root' })
    expect(value).toBe('root/a/b/c')
    expect(log).toEqual(['a:in', 'b:in', 'c:in', 'fn', 'c:out', 'b:out', 'a:out'])
  })

  it('with no policy it just runs the function', async () => {
    expect(await wrap().execute(() => 7)).toBe(7)
    expect(wrap().policies).toEqual([])
  })

  it('order matters: timeout inside retry limits each attempt, outside it limits the whole', async () => {
    const attemptsSeen = async (policy: Policy): Promise<[number, unknown]> => {
      let calls = 0
      const result = await outcome(
        policy.execute(({ attempt }) => {
          calls++
          return attempt! < 3 ? new Promise<string>(() => {}) : Promise.resolve('third')
        }),
      )
      return [calls, result.ok ? (result as { value: unknown }).value : (result as { error: unknown }).error]
    }
    const c1 = new SimulatedClock()
    expect(await attemptsSeen(wrap(retry({ attempts: 3, base: 10, clock: c1 }), timeout(100, { clock: c1 })))).toEqual([3, 'third'])
    const c2 = new SimulatedClock()
    const [calls, error] = await attemptsSeen(wrap(timeout(100, { clock: c2 }), retry({ attempts: 3, base: 10, clock: c2 })))
    expect(calls).toBe(1) // the first attempt never settles, so the outer timeout ends everything
    expect(error).toBeInstanceOf(StepTimeoutError)
  })

  it('order matters: a fallback outside the breaker also covers CircuitOpenError', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const breaker = circuitBreaker({ halfOpenAfter: '1m', breaker: consecutiveBreaker(1), clock })
    const outside = wrap(fallback({ value: 'fallback' }), breaker)
    expect(await outside.execute(() => Promise.reject(new Error('down')))).toBe('fallback')
    let called = false
    expect(await outside.execute(() => (called = true))).toBe('fallback') // breaker open: fn not called
    expect(called).toBe(false)
    const inside = wrap(breaker, fallback({ value: 'fallback' }))
    expect((await outcome(inside.execute(() => 'x'))).ok).toBe(false)
    expect(((await outcome(inside.execute(() => 'x'))) as { error: unknown }).error).toBeInstanceOf(CircuitOpenError)
  })

  it('rejects what is not a policy', () => {
    expect(() => wrap(retry({ attempts: 1 }), {} as never)).toThrow('Expected `wrap[1]` to be a policy (an object with execute()), got `{} (object)`')
  })
})
