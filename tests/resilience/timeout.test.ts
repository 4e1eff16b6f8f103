import { describe, expect, it } from 'vitest'
import { isWeftError } from '../../src/errors/index.js'
import { SimulatedClock } from '../../src/runtime/index.js'
import { StepTimeoutError, retry, timeout, wrap, type PolicyContext, type TimeoutEvent } from '../../src/resilience/index.js'
import { deferred, outcome, unhandledRejectionsDuring } from './helpers.js'

describe('timeout', () => {
  it('a body that never settles: rejects with StepTimeoutError at the deadline and aborts the inner signal', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const policy = timeout('5s', { clock })
    let inner: AbortSignal | undefined
    const result = outcome(
      policy.execute(({ signal }) => {
        inner = signal
        return new Promise<never>(() => {})
      }),
    )
    await clock.advance(4_999)
    expect(inner!.aborted).toBe(false)
    await clock.advance(1)
    const settled = await result
    expect(settled.ok).toBe(false)
    const error = (settled as { error: unknown }).error
    expect(error).toBeInstanceOf(StepTimeoutError)
    expect(isWeftError(error, 'WEFT_STEP_TIMEOUT')).toBe(true)
    expect((error as StepTimeoutError).data).toEqual({ timeoutMs: 5000 })
    expect(inner!.aborted).toBe(true)
    expect(inner!.reason).toBe(error)
    expect(clock.pending).toBe(0)
  })

  it('a body that rejects after the deadline causes no unhandled rejection; a late result is ignored', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const policy = timeout(100, { clock })
    const lateFailure = deferred<string>()
    const lateSuccess = deferred<string>()
    const seen = await unhandledRejectionsDuring(async () => {
      const failing = outcome(policy.execute(() => lateFailure.promise))
      const succeeding = outcome(policy.execute(() => lateSuccess.promise))
      await clock.advance(100)
      const [a, b] = await Promise.all([failing, succeeding])
      expect(a.ok || b.ok).toBe(false)
      expect((a as { error: unknown }).error).toBeInstanceOf(StepTimeoutError)
      expect((b as { error: unknown }).error).toBeInstanceOf(StepTimeoutError)
      lateFailure.reject(new Error('too late to matter'))
      lateSuccess.resolve('too late to matter')
    })
    expect(seen).toEqual([])
  })

  it('the check for unhandled rejections can fail (it sees a real one)', async () => {
    const reason = new Error('deliberately unhandled')
    const seen = await unhandledRejectionsDuring(async () => {
      // what Node does for a rejection nobody handles (emitted by hand: no real one escapes)
      process.emit('unhandledRejection', reason, Promise.resolve())
    })
    expect(seen).toEqual([reason])
  })

  it('a body that finishes in time resolves (or rejects) with its own outcome and leaves no timer', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const policy = timeout('1m', { clock })
    expect(await policy.execute(async () => 'quick')).toBe('quick')
    const own = new Error('own failure')
    expect(await outcome(policy.execute(() => Promise.reject(own)))).toEqual({ ok: false, error: own })
    expect(await outcome(policy.execute(() => { throw own }))).toEqual({ ok: false, error: own })
    expect(clock.pending).toBe(0)
  })

  it("the caller's abort rejects at once with its reason and aborts the inner signal", async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const controller = new AbortController()
    let inner: AbortSignal | undefined
    const result = outcome(
      timeout(1000, { clock }).execute(
        ({ signal }) => {
          inner = signal
          return new Promise<never>(() => {})
        },
        { signal: controller.signal },
      ),
    )
    const reason = new Error('stop')
    controller.abort(reason)
    expect(await result).toEqual({ ok: false, error: reason })
    expect(inner!.reason).toBe(reason)
    expect(clock.pending).toBe(0)
    await expect(timeout(10, { clock }).execute(() => 1, { signal: controller.signal })).rejects.toBe(reason)
  })

  it('inside retry, each attempt gets its own time limit and its number in the error and the event', async () => {
    const clock = new SimulatedClock()
    const limit = timeout(50, { clock })
    const events: TimeoutEvent[] = []
    limit.onTimeout((e) => events.push(e))
    const policy = wrap(retry({ attempts: 3, backoff: 'constant', base: 10, clock }), limit)
    const starts: number[] = []
    const value = await policy.execute(
      ({ attempt }: PolicyContext) => {
        starts.push(clock.now())
        return attempt! < 3 ? new Promise<string>(() => {}) : 'done'
      },
      { key: 'fetch' },
    )
    expect(value).toBe('done')
    expect(starts).toEqual([0, 60, 120])
    expect(events).toEqual([
      { type: 'timeout.expired', key: 'fetch', attempt: 1, timeoutMs: 50 },
      { type: 'timeout.expired', key: 'fetch', attempt: 2, timeoutMs: 50 },
    ])
  })

  it('uses the clock of the context when it has none of its own', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const result = outcome(timeout('2s').execute(() => new Promise<never>(() => {}), { clock }))
    await clock.advance(2000)
    const error = ((await result) as { error: StepTimeoutError }).error
    expect(error.message).toBe('operation timed out after 2000 ms')
  })

  it('rejects invalid durations with exact messages', () => {
    expect(() => timeout(0)).toThrow("Expected `timeout.duration` to be a positive duration (milliseconds, or a string like '250ms', '30s', '5m'), got `0 (number)`")
    expect(() => timeout(undefined as never)).toThrow('Expected `timeout.duration` to be a positive duration')
    expect(() => timeout('soon' as never)).toThrow('got `"soon" (string)`')
  })
})
