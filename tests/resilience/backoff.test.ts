import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../../src/runtime/index.js'
import { constantBackoff, decorrelatedJitter, exponentialBackoff, linearBackoff, type Backoff } from '../../src/resilience/index.js'

const noRandom = (): number => {
  throw new Error('a backoff without jitter must not draw from the PRNG')
}

describe('backoff strategies', () => {
  it('compute the documented nominal sequences without touching the PRNG', () => {
    const seq = (b: Backoff, n = 6): number[] => Array.from({ length: n }, (_, i) => b.delay(i + 1, noRandom))
    expect(seq(constantBackoff({ base: 250 }))).toEqual([250, 250, 250, 250, 250, 250])
    expect(seq(constantBackoff({ base: '2s', max: '1s' }))).toEqual([1000, 1000, 1000, 1000, 1000, 1000])
    expect(seq(linearBackoff({ base: '1s', max: '3.5s' }))).toEqual([1000, 2000, 3000, 3500, 3500, 3500])
    expect(seq(exponentialBackoff({ base: 100, max: '1s' }))).toEqual([100, 200, 400, 800, 1000, 1000])
    expect(seq(exponentialBackoff({ base: 10, factor: 3 }), 4)).toEqual([10, 30, 90, 270])
    // defaults: base 1s, max 5m
    expect(seq(exponentialBackoff(), 10)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000])
  })

  it('decorrelated jitter draws from [base, 3 × previous], capped', () => {
    const b = decorrelatedJitter({ base: 100, max: 1000 })
    expect(b.delay(1, () => 0)).toBe(100)
    expect(b.delay(1, () => 0.5)).toBe(200) // 100 + 0.5 × (300 − 100)
    expect(b.delay(2, () => 0.5, 400)).toBe(650) // 100 + 0.5 × (1200 − 100)
    expect(b.delay(3, () => 0.99, 900)).toBe(1000) // capped
    expect(b.bounds(2, 400)).toEqual([100, 1000])
    expect(b.bounds(1)).toEqual([100, 300])
  })

  const common = fc.record({
    base: fc.integer({ min: 0, max: 100_000 }),
    max: fc.integer({ min: 0, max: 1_000_000 }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  })

  it('every delay lies within its bounds, and the bounds match the documented formulas', () => {
    fc.assert(
      fc.property(common, fc.integer({ min: 1, max: 60 }), fc.integer(), ({ base, max, jitter }, attempt, seed) => {
        const random = mulberry32(seed)
        const cases: [Backoff, number][] = [
          [constantBackoff({ base, max, jitter }), Math.min(max, base)],
          [linearBackoff({ base, max, jitter }), Math.min(max, base * attempt)],
          [exponentialBackoff({ base, max, jitter }), Math.min(max, base * 2 ** (attempt - 1))],
        ]
        for (const [backoff, nominal] of cases) {
          const [lo, hi] = backoff.bounds(attempt)
          expect(lo).toBe(Math.round(nominal * (1 - jitter)))
          expect(hi).toBe(Math.round(nominal))
          for (let i = 0; i < 5; i++) {
            const d = backoff.delay(attempt, random)
            expect(Number.isInteger(d)).toBe(true)
            expect(d).toBeGreaterThanOrEqual(lo)
            expect(d).toBeLessThanOrEqual(hi)
          }
        }
      }),
    )
  })

  it('a decorrelated-jitter chain stays within [min(max, base), max] and each step within its bounds', () => {
    fc.assert(
      fc.property(common, fc.integer(), ({ base, max }, seed) => {
        const b = decorrelatedJitter({ base, max })
        const random = mulberry32(seed)
        let previous: number | undefined
        for (let attempt = 1; attempt <= 30; attempt++) {
          const [lo, hi] = b.bounds(attempt, previous)
          expect(lo).toBe(Math.min(max, base))
          expect(hi).toBe(Math.min(max, Math.max(base, 3 * (previous ?? base))))
          const d = b.delay(attempt, random, previous)
          expect(d).toBeGreaterThanOrEqual(lo)
          expect(d).toBeLessThanOrEqual(hi)
          expect(d).toBeLessThanOrEqual(max)
          previous = d
        }
      }),
    )
  })

  it('the same seed gives the same delays', () => {
    fc.assert(
      fc.property(common, fc.integer(), ({ base, max, jitter }, seed) => {
        const draw = (): number[] => {
          const random = mulberry32(seed)
          const b = exponentialBackoff({ base, max, jitter })
          const d = decorrelatedJitter({ base, max })
          const out: number[] = []
          let previous: number | undefined
          for (let n = 1; n <= 10; n++) {
            out.push(b.delay(n, random))
            previous = d.delay(n, random, previous)
            out.push(previous)
          }
          return out
        }
        expect(draw()).toEqual(draw())
      }),
    )
  })

  it('reject invalid options with exact messages', () => {
    expect(() => constantBackoff({ jitter: 2 })).toThrow('Expected `constantBackoff.jitter` to be a number from 0 to 1, got `2 (number)`')
    expect(() => linearBackoff({ base: '5 minutes' as never })).toThrow("Expected `linearBackoff.base` to be a duration (milliseconds, or a string like '250ms', '30s', '5m'), got `\"5 minutes\" (string)`")
    expect(() => exponentialBackoff({ factor: 0.5 })).toThrow('Expected `exponentialBackoff.factor` to be a number from 1 to')
    expect(() => decorrelatedJitter({ max: -1 })).toThrow('Expected `decorrelatedJitter.max` to be a duration')
  })
})
