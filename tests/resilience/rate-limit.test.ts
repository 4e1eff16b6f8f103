import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SimulatedClock } from '../../src/runtime/index.js'
import { rateLimit, rateLimitRegistry } from '../../src/resilience/index.js'
import { flush, outcome } from './helpers.js'

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message)
}

/**
 * Token-bucket conformance of admissions `times` (sorted, in admission order): for every
 * i ≤ j, the calls admitted from i to j fit in a full bucket plus what refilled meanwhile.
 * In units of 1/per tokens: (j − i + 1) × per ≤ tokens × per + (t_j − t_i) × tokens.
 */
function fits(times: readonly number[], j: number, at: number, tokens: number, per: number): boolean {
  for (let i = 0; i <= j; i++) {
    const ti = i === j ? at : times[i]!
    if ((j - i + 1) * per > tokens * per + (at - ti) * tokens) return false
  }
  return true
}

describe('rateLimit', () => {
  it('under 1,000 random calls: never exceeds the bucket, waits no longer than needed, FIFO, aborted waiters leave', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.array(
          fc.record({ arrival: fc.integer({ min: 0, max: 20_000 }), abortAfter: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined, freq: 5 }) }),
          { minLength: 1000, maxLength: 1000 },
        ),
        async (tokens, per, calls) => {
          const clock = new SimulatedClock({ autoAdvance: false })
          const limiter = rateLimit({ tokens, per, clock })
          const callOrder: number[] = []
          const admitted: number[] = []
          const times: number[] = []
          const runs = calls.map(async (c, i) => {
            await clock.sleep(c.arrival)
            const controller = new AbortController()
            if (c.abortAfter !== undefined) void clock.sleep(c.abortAfter).then(() => controller.abort(new Error(`abort ${i}`)))
            callOrder.push(i)
            return outcome(
              limiter.execute(
                () => {
                  admitted.push(i)
                  times.push(clock.now())
                  return i
                },
                { signal: controller.signal },
              ),
            )
          })
          await clock.runAll()
          const results = await Promise.all(runs)
          const admittedSet = new Set(admitted)
          for (const [i, r] of results.entries()) {
            // never fails for lack of tokens: only an abort rejects
            if (admittedSet.has(i)) check(r.ok && r.value === i, `call ${i} admitted but ${JSON.stringify(r)}`)
            else check(!r.ok && (r.error as Error).message === `abort ${i}`, `call ${i} neither admitted nor aborted`)
          }
          // FIFO: admissions keep the order of the calls
          expect(admitted).toEqual(callOrder.filter((i) => admittedSet.has(i)))
          for (let j = 0; j < times.length; j++) {
            const at = times[j]!
            check(fits(times, j, at, tokens, per), `admission ${j} at ${at} overdraws the bucket`)
            const arrival = calls[admitted[j]!]!.arrival
            const earliest = Math.max(arrival, j === 0 ? 0 : times[j - 1]!)
            // waited only as long as needed: one ms earlier would have overdrawn the bucket
            if (at > earliest) check(!fits(times, j, at - 1, tokens, per), `admission ${j} at ${at} could have happened at ${at - 1}`)
          }
          expect(limiter.waiting).toBe(0)
          expect(clock.pending).toBe(0)
        },
      ),
      { numRuns: 15 },
    )
  })

  it('starts with a full bucket, then admits at the refill rate', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const limiter = rateLimit({ tokens: 2, per: '1s', clock })
    const starts: number[] = []
    const all = Promise.all([1, 2, 3, 4, 5].map(() => limiter.execute(() => starts.push(clock.now()))))
    await flush()
    expect(starts).toEqual([0, 0])
    expect(limiter.waiting).toBe(3)
    expect(limiter.available).toBe(0)
    await clock.advance(499)
    expect(starts).toEqual([0, 0])
    await clock.advance(1)
    expect(starts).toEqual([0, 0, 500])
    await clock.advance(1000)
    await all
    expect(starts).toEqual([0, 0, 500, 1000, 1500])
    await clock.advance(5000)
    expect(limiter.available).toBe(2) // capped at the burst size
  })

  it('a waiting caller is cancellable: it rejects with the reason, never runs, and takes no token', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const limiter = rateLimit({ tokens: 1, per: '1m', clock })
    await limiter.execute(() => 'first')
    const controller = new AbortController()
    let ran = false
    const waiting = outcome(limiter.execute(() => (ran = true), { signal: controller.signal }))
    await flush()
    expect(limiter.waiting).toBe(1)
    expect(clock.pending).toBe(1)
    const reason = new Error('user navigated away')
    controller.abort(reason)
    expect(await waiting).toEqual({ ok: false, error: reason })
    expect(limiter.waiting).toBe(0)
    expect(clock.pending).toBe(0) // the wake-up timer was cancelled too
    await clock.advance(60_000)
    expect(ran).toBe(false)
    expect(limiter.available).toBe(1)
    await expect(limiter.execute(() => 1, { signal: controller.signal })).rejects.toBe(reason)
  })

  it('a registry shares one bucket per key', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const registry = rateLimitRegistry({ clock })
    const a = registry.get('openai', { tokens: 1, per: 1000 })
    expect(registry.get('openai', { tokens: 50, per: 1 })).toBe(a)
    await a.execute(() => 1)
    expect(registry.get('openai', { tokens: 50, per: 1 }).available).toBe(0)
    expect(registry.get('github', { tokens: 3, per: 1 }).available).toBe(3)
    expect(registry.keys()).toEqual(['openai', 'github'])
    expect(registry.has('gitlab')).toBe(false)
  })

  it('validates its options with exact messages', () => {
    expect(() => rateLimit({ tokens: 0, per: '1s' })).toThrow('Expected `rateLimit.tokens` to be an integer from 1 and up, got `0 (number)`')
    expect(() => rateLimit({ tokens: 1 } as never)).toThrow('Expected `rateLimit.per` to be a positive duration, got `undefined (undefined)`')
    expect(() => rateLimit({ tokens: 1, per: 0 })).toThrow('Expected `rateLimit.per` to be a positive duration (milliseconds')
  })
})
