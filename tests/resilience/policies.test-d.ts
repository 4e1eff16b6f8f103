import { describe, expectTypeOf, it } from 'vitest'
import type { StepRetry } from '../../src/workflow/index.js'
import {
  bulkhead,
  fallback,
  healing,
  retry,
  timeout,
  wrap,
  type Policy,
  type PolicyContext,
  type RetryOptions,
  type Skipped,
} from '../../src/resilience/index.js'

describe('policy types', () => {
  it('plain policies resolve with the function result', () => {
    const p = wrap(retry({ attempts: 2 }), timeout(10), bulkhead({ limit: 1 }))
    expectTypeOf(p.execute(async () => 42)).resolves.toEqualTypeOf<number>()
    expectTypeOf(p).toExtend<Policy>()
  })

  it('fallback adds its value type, healing adds Skipped, wrap unions them', () => {
    const fb = fallback({ value: 'none' as const })
    expectTypeOf(fb.execute(async () => 1)).resolves.toEqualTypeOf<number | 'none'>()
    const fn = fallback({ value: async () => null })
    expectTypeOf(fn.execute(async () => 1)).resolves.toEqualTypeOf<number | null>()
    const h = healing([{ when: Error, then: 'skip' }])
    expectTypeOf(h.execute(async () => 1)).resolves.toEqualTypeOf<number | Skipped>()
    const w = wrap(fb, retry({ attempts: 2 }), h)
    expectTypeOf(w.execute(async () => 1)).resolves.toEqualTypeOf<number | 'none' | Skipped>()
    expectTypeOf(wrap().execute(() => 'x')).resolves.toEqualTypeOf<string>()
  })

  it('a custom policy (no type-level extra) composes and adds nothing', () => {
    const custom = { execute: <T>(fn: (ctx: PolicyContext) => T | PromiseLike<T>): Promise<T> => Promise.resolve(fn({ signal: new AbortController().signal })) }
    expectTypeOf(wrap(custom, fallback({ value: 0 })).execute(async () => 'x')).resolves.toEqualTypeOf<string | number>()
    expectTypeOf(custom).toExtend<Policy>()
  })

  it("a step's retry option is a valid RetryOptions", () => {
    expectTypeOf<StepRetry>().toExtend<RetryOptions>()
  })
})
