import fc from 'fast-check'
import { P } from 'ts-pattern'
import { describe, expect, it } from 'vitest'
import { ContractViolation } from '../../src/contract/index.js'
import { CancelledError } from '../../src/engine/index.js'
import { SimulatedClock, hash32, mulberry32 } from '../../src/runtime/index.js'
import {
  NonRetryableError,
  isNonRetryable,
  retry,
  type BackoffName,
  type PolicyContext,
  type RetryEvent,
  type RetryOptions,
} from '../../src/resilience/index.js'
import { codeError, flush, outcome } from './helpers.js'

/** A function failing until attempt `firstSuccess` (1-based), recording when each attempt ran. */
function flaky(clock: SimulatedClock, firstSuccess: number, error: () => unknown = () => new Error('boom')) {
  const starts: number[] = []
  const fn = async ({ attempt }: { attempt?: number }): Promise<string> => {
    starts.push(clock.now())
    if (attempt! < firstSuccess) throw error()
    return `ok@${attempt}`
  }
  return { fn, starts }
}

const backoffs: BackoffName[] = ['constant', 'linear', 'exponential', 'decorrelated-jitter']

describe('retry', () => {
  it('makes min(attempts, first success) attempts, and waits exactly the announced delays', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(...backoffs),
        fc.integer(),
        async (attempts, firstSuccess, backoff, seed) => {
          const clock = new SimulatedClock()
          const policy = retry({ attempts, backoff, base: 10, max: 500, jitter: 0.5, clock, random: mulberry32(seed) })
          const events: RetryEvent[] = []
          policy.onRetry((e) => events.push(e))
          const { fn, starts } = flaky(clock, firstSuccess)
          const result = await outcome(policy.execute(fn))
          expect(starts).toHaveLength(Math.min(attempts, firstSuccess))
          if (firstSuccess <= attempts) expect(result).toEqual({ ok: true, value: `ok@${firstSuccess}` })
          else expect(result.ok).toBe(false)
          expect(events.map((e) => e.attempt)).toEqual(starts.slice(0, -1).map((_, i) => i + 1))
          // the clock moved by exactly each announced delay between attempts
          expect(starts.slice(1).map((t, i) => t - starts[i]!)).toEqual(events.map((e) => e.delayMs))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('every delay lies within [min, max] of its backoff', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...backoffs),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer(),
        async (backoff, base, max, jitter, seed) => {
          const clock = new SimulatedClock()
          const policy = retry({ attempts: 10, backoff, base, max, jitter, clock, random: mulberry32(seed) })
          const events: RetryEvent[] = []
          policy.onRetry((e) => events.push(e))
          await outcome(policy.execute(flaky(clock, Infinity).fn))
          expect(events).toHaveLength(9)
          let previous: number | undefined
          for (const { attempt, delayMs } of events) {
            const [lo, hi] = policy.backoff.bounds(attempt, previous)
            expect(delayMs).toBeGreaterThanOrEqual(lo)
            expect(delayMs).toBeLessThanOrEqual(hi)
            expect(delayMs).toBeLessThanOrEqual(max)
            previous = delayMs
          }
        },
      ),
      { numRuns: 100 },
    )
  })

  it('the same seed gives the same delays (injected PRNG, or the default seeded by ctx.key)', async () => {
    const delays = async (options: Partial<RetryOptions>, ctx: Partial<PolicyContext> = {}): Promise<number[]> => {
      const clock = new SimulatedClock()
      const policy = retry({ attempts: 8, backoff: 'decorrelated-jitter', base: 50, max: 10_000, clock, ...options })
      const out: number[] = []
      policy.onRetry((e) => out.push(e.delayMs))
      await outcome(policy.execute(flaky(clock, Infinity).fn, ctx))
      return out
    }
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (seed) => {
        expect(await delays({ random: mulberry32(seed) })).toEqual(await delays({ random: mulberry32(seed) }))
        // the engine's way: a seeded PRNG in the context
        expect(await delays({}, { random: mulberry32(seed) })).toEqual(await delays({ random: mulberry32(seed) }))
      }),
      { numRuns: 50 },
    )
    // without an injected PRNG, each call gets one seeded by its key
    expect(await delays({}, { key: 'step-a' })).toEqual(await delays({}, { key: 'step-a' }))
    expect(await delays({}, { key: 'step-a' })).not.toEqual(await delays({}, { key: 'step-b' }))
    expect(await delays({}, { key: 'step-a' })).toEqual(await delays({ random: mulberry32(hash32('step-a')) }))
  })

  it('never retries NonRetryableError, ContractViolation or CancelledError, whatever retryOn says', async () => {
    const errors = [
      new NonRetryableError('bad request', { data: { status: 400 } }),
      new ContractViolation({ workflowId: 'wf', stepId: 's', direction: 'step-output', issues: [{ path: '/x', message: 'Expected number' }] }),
      new CancelledError({ runId: 'r', reason: 'user' }),
      { code: 'WEFT_NON_RETRYABLE', message: 'serialized from a worker' },
    ]
    for (const error of errors) {
      const clock = new SimulatedClock()
      const policy = retry({ attempts: 5, retryOn: () => true, clock })
      const gaveUp: string[] = []
      policy.onGiveUp((e) => gaveUp.push(e.reason))
      let calls = 0
      const result = await outcome(
        policy.execute(() => {
          calls++
          throw error
        }),
      )
      expect(calls).toBe(1)
      expect(result).toEqual({ ok: false, error })
      expect(gaveUp).toEqual(['non-retryable'])
      expect(isNonRetryable(error)).toBe(true)
      expect(policy.decide(1, error, mulberry32(1))).toEqual({ retry: false, reason: 'non-retryable' })
    }
    expect(isNonRetryable(new Error('x'))).toBe(false)
    expect(isNonRetryable(null)).toBe(false)
  })

  it('retryOn accepts a predicate, an Error class or a ts-pattern pattern', () => {
    const random = mulberry32(1)
    const econn = codeError('ECONNRESET')
    const cases: [RetryOptions['retryOn'], unknown, boolean][] = [
      [(e) => e instanceof RangeError, new RangeError('x'), true],
      [(e) => e instanceof RangeError, new TypeError('x'), false],
      [TypeError, new TypeError('x'), true],
      [TypeError, new RangeError('x'), false],
      [{ code: 'ECONNRESET' }, econn, true],
      [{ code: P.union('EPIPE', 'ETIMEDOUT') }, econn, false],
      [P.instanceOf(Error), econn, true],
      [{ status: P.number.gte(500) }, { status: 503 }, true],
      [{ status: P.number.gte(500) }, { status: 404 }, false],
    ]
    for (const [retryOn, error, expected] of cases) {
      const decision = retry({ attempts: 3, retryOn, base: 10, backoff: 'constant' }).decide(1, error, random)
      expect(decision).toEqual(expected ? { retry: true, delayMs: 10 } : { retry: false, reason: 'not-matched' })
    }
  })

  it('decide() is pure: same inputs, same verdict; it reads no clock', () => {
    const clock = { now: () => expect.unreachable('decide read the clock'), sleep: () => expect.unreachable('decide slept') }
    const policy = retry({ attempts: 4, backoff: 'decorrelated-jitter', base: 100, max: 5000, clock: clock as never })
    const error = new Error('flaky')
    for (const seed of [1, 2, 3]) {
      const a = [1, 2, 3].map((n) => policy.decide(n, error, mulberry32(seed + n), 300))
      const b = [1, 2, 3].map((n) => policy.decide(n, error, mulberry32(seed + n), 300))
      expect(a).toEqual(b)
      for (const d of a) expect(d.retry).toBe(true)
    }
    expect(policy.decide(4, error, mulberry32(1))).toEqual({ retry: false, reason: 'attempts-exhausted' })
  })

  it('a backoff wait is cancelled by the signal: no further attempt, no timer left', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const policy = retry({ attempts: 5, backoff: 'constant', base: '1m', clock })
    const controller = new AbortController()
    let calls = 0
    const running = outcome(
      policy.execute(
        () => {
          calls++
          throw new Error('down')
        },
        { signal: controller.signal },
      ),
    )
    await flush()
    expect(clock.pending).toBe(1) // waiting out the backoff
    const reason = new Error('caller gave up')
    controller.abort(reason)
    expect(await running).toEqual({ ok: false, error: reason })
    expect(clock.pending).toBe(0)
    await clock.advance(600_000)
    expect(calls).toBe(1)
  })

  it('stops when the signal aborted during an attempt, and does not start with an aborted signal', async () => {
    const clock = new SimulatedClock()
    const controller = new AbortController()
    let calls = 0
    const policy = retry({ attempts: 5, clock })
    const error = new Error('aborted mid-flight')
    const result = await outcome(
      policy.execute(
        () => {
          calls++
          controller.abort()
          throw error
        },
        { signal: controller.signal },
      ),
    )
    expect(result).toEqual({ ok: false, error })
    expect(calls).toBe(1)
    await expect(policy.execute(() => calls++, { signal: controller.signal })).rejects.toBeDefined()
    expect(calls).toBe(1)
  })

  it('emits typed events, and unsubscribing stops them', async () => {
    const clock = new SimulatedClock()
    const policy = retry({ attempts: 3, backoff: 'linear', base: 100, clock })
    const seen: unknown[] = []
    const off = policy.onRetry((e) => seen.push(e))
    policy.onGiveUp((e) => seen.push(e))
    const error = new Error('e')
    await outcome(policy.execute(() => Promise.reject(error), { key: 'fetch' }))
    expect(seen).toEqual([
      { type: 'retry.scheduled', key: 'fetch', attempt: 1, error, delayMs: 100 },
      { type: 'retry.scheduled', key: 'fetch', attempt: 2, error, delayMs: 200 },
      { type: 'retry.gave-up', key: 'fetch', attempt: 3, error, reason: 'attempts-exhausted' },
    ])
    off()
    off()
    seen.length = 0
    await outcome(policy.execute(() => Promise.reject(error)))
    expect(seen).toEqual([{ type: 'retry.gave-up', attempt: 3, error, reason: 'attempts-exhausted' }])
  })

  it('passes the attempt number in the context and treats a synchronous throw as a failure', async () => {
    const clock = new SimulatedClock()
    const seen: (number | undefined)[] = []
    const value = await retry({ attempts: 3, base: 1, clock }).execute(({ attempt }) => {
      seen.push(attempt)
      if (attempt! < 3) throw new Error('sync')
      return 'third time lucky'
    })
    expect(value).toBe('third time lucky')
    expect(seen).toEqual([1, 2, 3])
  })

  it('rejects invalid options with exact messages', () => {
    expect(() => retry({} as never)).toThrow('Expected `retry.attempts` to be an integer from 1 and up (or Infinity), got `undefined (undefined)`')
    expect(() => retry({ attempts: 0 })).toThrow('Expected `retry.attempts` to be an integer from 1 and up (or Infinity), got `0 (number)`')
    expect(() => retry({ attempts: 2, backoff: 'fibonacci' as never })).toThrow(
      "Expected `retry.backoff` to be 'constant', 'linear', 'exponential', 'decorrelated-jitter' or a Backoff, got `\"fibonacci\" (string)`",
    )
    expect(() => retry({ attempts: 2, clock: {} as never })).toThrow('Expected `retry.clock` to be a Clock')
    expect(() => retry({ attempts: 2, random: 42 as never })).toThrow('Expected `retry.random` to be a function, got `42 (number)`')
  })
})
