import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isWeftError } from '../../src/errors/index.js'
import { SimulatedClock } from '../../src/runtime/index.js'
import { BulkheadRejectedError, bulkhead } from '../../src/resilience/index.js'
import { deferred, flush, outcome } from './helpers.js'

interface Call {
  readonly arrival: number
  readonly duration: number
  readonly abortAfter: number | undefined
}

/** A cheap assertion for hot loops (expect() per event would dominate the run time). */
function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message)
}

const call = fc.record({
  arrival: fc.integer({ min: 0, max: 3_000 }),
  duration: fc.integer({ min: 0, max: 60 }),
  abortAfter: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined, freq: 4 }),
})

describe('bulkhead', () => {
  it('never exceeds its limit or its queue under 1,000 random concurrent calls; queue is FIFO; aborts leave the queue', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 25 }),
        fc.array(call, { minLength: 1000, maxLength: 1000 }),
        async (limit, queue, calls) => {
          const clock = new SimulatedClock({ autoAdvance: false })
          const pool = bulkhead({ limit, queue })
          // One log, in the exact synchronous order things happened.
          const log: ['call' | 'start' | 'abort', number][] = []
          const startedSync = new Set<number>()
          let running = 0
          let maxRunning = 0
          const runs = calls.map(async (c: Call, i) => {
            await clock.sleep(c.arrival)
            const controller = new AbortController()
            if (c.abortAfter !== undefined) {
              void clock.sleep(c.abortAfter).then(() => {
                log.push(['abort', i])
                controller.abort(new Error(`abort ${i}`))
              })
            }
            log.push(['call', i])
            let inCall = true
            const result = outcome(
              pool.execute(
                async () => {
                  if (inCall) startedSync.add(i)
                  log.push(['start', i])
                  running++
                  maxRunning = Math.max(maxRunning, running)
                  check(pool.executing <= limit && pool.queued <= queue, `bounds exceeded at start of ${i}`)
                  await clock.sleep(c.duration) // ignores its signal: keeps its slot until done
                  running--
                  return i
                },
                { signal: controller.signal },
              ),
            )
            inCall = false
            return result
          })
          await clock.runAll()
          const results = await Promise.all(runs)

          expect(maxRunning).toBeLessThanOrEqual(limit)
          expect(pool.executing).toBe(0)
          expect(pool.queued).toBe(0)

          // Replay the log against the plain rules of a bounded FIFO queue.
          const waiting: number[] = []
          const abortedInQueue = new Set<number>()
          for (const [kind, i] of log) {
            const r = results[i]!
            if (kind === 'call') {
              const rejected = !r.ok && isWeftError(r.error, BulkheadRejectedError.code)
              if (rejected) {
                check(waiting.length === queue, `call ${i} rejected with ${waiting.length} of ${queue} queued`) // only when full…
                check(!startedSync.has(i), `call ${i} rejected after starting`)
                expect((r.error as BulkheadRejectedError).data).toEqual({ limit, queue })
              } else if (!startedSync.has(i)) waiting.push(i) // …otherwise queued or started
            } else if (kind === 'start') {
              if (!startedSync.has(i)) check(waiting.shift() === i, `call ${i} started out of FIFO order`)
            } else {
              const at = waiting.indexOf(i)
              if (at >= 0) {
                waiting.splice(at, 1)
                abortedInQueue.add(i)
              }
            }
            check(waiting.length <= queue, `queue of ${waiting.length} exceeds ${queue}`)
          }
          expect(waiting).toEqual([])
          for (const [i, r] of results.entries()) {
            if (abortedInQueue.has(i)) expect(r).toEqual({ ok: false, error: new Error(`abort ${i}`) })
            else if (r.ok) expect(r.value).toBe(i)
            else expect(isWeftError(r.error, BulkheadRejectedError.code)).toBe(true)
          }
        },
      ),
      { numRuns: 20 },
    )
  })

  it('rejects overflow at once with BulkheadRejectedError carrying its bounds', async () => {
    const pool = bulkhead({ limit: 1, queue: 1 })
    const gate = deferred()
    const first = pool.execute(() => gate.promise)
    const second = pool.execute(() => 'second')
    const third = await outcome(pool.execute(() => 'third', { key: 'resize' }))
    expect(third.ok).toBe(false)
    const error = (third as { error: BulkheadRejectedError }).error
    expect(error).toBeInstanceOf(BulkheadRejectedError)
    expect(error.code).toBe('WEFT_BULKHEAD_REJECTED')
    expect(error.data).toEqual({ key: 'resize', limit: 1, queue: 1 })
    expect(error.message).toBe('bulkhead "resize" is full (1 running, 1 queued)')
    expect([pool.executing, pool.queued]).toEqual([1, 1])
    gate.resolve()
    await first
    expect(await second).toBe('second')
    expect([pool.executing, pool.queued]).toEqual([0, 0])
  })

  it('a queued caller that aborts leaves the queue and its function never runs; a failure frees the slot', async () => {
    const pool = bulkhead({ limit: 1, queue: 5 })
    const gate = deferred()
    const running = outcome(pool.execute(() => gate.promise.then(() => Promise.reject(new Error('failed')))))
    const controller = new AbortController()
    let ran = false
    const queued = outcome(pool.execute(() => (ran = true), { signal: controller.signal }))
    const after = pool.execute(() => 'after')
    expect(pool.queued).toBe(2)
    controller.abort(new Error('no longer needed'))
    expect(await queued).toEqual({ ok: false, error: new Error('no longer needed') })
    expect(pool.queued).toBe(1)
    gate.resolve()
    expect((await running).ok).toBe(false)
    expect(await after).toBe('after')
    await flush()
    expect(ran).toBe(false)
  })

  it('validates its options with exact messages', () => {
    expect(() => bulkhead({ limit: 0 })).toThrow('Expected `bulkhead.limit` to be an integer from 1 and up, got `0 (number)`')
    expect(() => bulkhead({} as never)).toThrow('Expected `bulkhead.limit` to be an integer from 1 and up, got `undefined (undefined)`')
    expect(() => bulkhead({ limit: 1, queue: -1 })).toThrow('Expected `bulkhead.queue` to be an integer from 0 and up (or Infinity), got `-1 (number)`')
  })
})
