import { describe, expect, it } from 'vitest'
import { CancelledError } from '../../src/engine/index.js'
import { isWeftError } from '../../src/errors/index.js'
import { SimulatedClock } from '../../src/runtime/index.js'
import {
  CircuitOpenError,
  breakerRegistry,
  circuitBreaker,
  consecutiveBreaker,
  samplingBreaker,
  type BreakerEvent,
  type CircuitBreakerPolicy,
} from '../../src/resilience/index.js'
import { deferred, outcome } from './helpers.js'

const fail = (): Promise<never> => Promise.reject(new Error('down'))
const succeed = (): Promise<string> => Promise.resolve('up')

async function failTimes(breaker: CircuitBreakerPolicy, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await outcome(breaker.execute(fail))
}

describe('circuitBreaker', () => {
  it('opens after N consecutive failures and then fails fast without calling the function', async () => {
    const clock = new SimulatedClock({ autoAdvance: false, start: 1_000 })
    const breaker = circuitBreaker({ halfOpenAfter: '10s', breaker: consecutiveBreaker(3), clock, key: 'payments' })
    await failTimes(breaker, 2)
    await breaker.execute(succeed) // a success resets the count
    await failTimes(breaker, 2)
    expect(breaker.state).toBe('closed')
    await failTimes(breaker, 1)
    expect(breaker.state).toBe('open')
    await clock.advance(4_000)
    let called = false
    const result = await outcome(breaker.execute(() => (called = true)))
    expect(called).toBe(false)
    const error = (result as { error: CircuitOpenError }).error
    expect(error).toBeInstanceOf(CircuitOpenError)
    expect(isWeftError(error, 'WEFT_CIRCUIT_OPEN')).toBe(true)
    expect(error.data).toEqual({ key: 'payments', state: 'open', retryAfterMs: 6_000 })
    expect(error.message).toBe('circuit "payments" is open; next probe in 6000 ms')
  })

  it('goes half-open after halfOpenAfter and admits exactly one probe; concurrent callers are refused', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const breaker = circuitBreaker({ halfOpenAfter: 1000, breaker: consecutiveBreaker(1), clock })
    await failTimes(breaker, 1)
    await clock.advance(999)
    expect(breaker.state).toBe('open')
    await clock.advance(1)
    expect(breaker.state).toBe('half-open')
    const probe = deferred<string>()
    let calls = 0
    const first = breaker.execute(() => (calls++, probe.promise))
    const others = await Promise.all([1, 2, 3].map(() => outcome(breaker.execute(() => (calls++, 'x')))))
    expect(calls).toBe(1)
    for (const o of others) expect((o as { error: CircuitOpenError }).error.data).toEqual({ state: 'half-open' })
    probe.resolve('recovered')
    expect(await first).toBe('recovered')
    expect(breaker.state).toBe('closed')
  })

  it('a failed probe reopens for another halfOpenAfter; a probe that is cancelled leaves it half-open', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const breaker = circuitBreaker({ halfOpenAfter: 1000, breaker: consecutiveBreaker(1), clock })
    await failTimes(breaker, 1)
    await clock.advance(1000)
    await failTimes(breaker, 1)
    expect(breaker.state).toBe('open')
    expect(breaker.toJSON().openedAt).toBe(1000)
    await clock.advance(1000)
    const controller = new AbortController()
    const cancelled = outcome(
      breaker.execute(
        ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
        { signal: controller.signal },
      ),
    )
    controller.abort(new CancelledError({ runId: 'r', reason: 'user' }))
    await cancelled
    expect(breaker.state).toBe('half-open')
    await outcome(breaker.execute(() => Promise.reject(new CancelledError({ runId: 'r', reason: 'again' }))))
    expect(breaker.state).toBe('half-open')
    expect(await breaker.execute(succeed)).toBe('up') // the next caller probes
    expect(breaker.state).toBe('closed')
  })

  it('reports transitions as breaker.opened / breaker.half-open / breaker.closed events', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const breaker = circuitBreaker({ halfOpenAfter: 500, breaker: consecutiveBreaker(2), clock, key: 'db' })
    const events: BreakerEvent[] = []
    const off = breaker.onStateChange((e) => events.push(e))
    await failTimes(breaker, 2)
    await clock.advance(500)
    await failTimes(breaker, 1) // probe fails
    await clock.advance(500)
    await breaker.execute(succeed)
    expect(events.map((e) => [e.type, e.at, e.key, 'reason' in e ? e.reason : undefined])).toEqual([
      ['breaker.opened', 0, 'db', 'threshold'],
      ['breaker.half-open', 500, 'db', undefined],
      ['breaker.opened', 500, 'db', 'probe-failed'],
      ['breaker.half-open', 1000, 'db', undefined],
      ['breaker.closed', 1000, 'db', undefined],
    ])
    expect((events[0] as { error: Error }).error.message).toBe('down')
    off()
    await failTimes(breaker, 2)
    expect(events).toHaveLength(5)
  })

  it('breakOn chooses which errors count; cancellations never count', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const breaker = circuitBreaker({ halfOpenAfter: 500, breaker: consecutiveBreaker(2), clock, breakOn: { status: 503 } })
    for (let i = 0; i < 5; i++) await outcome(breaker.execute(() => Promise.reject({ status: 400 })))
    for (let i = 0; i < 5; i++) await outcome(breaker.execute(() => Promise.reject(new CancelledError({ runId: 'r', reason: 'x' }))))
    expect(breaker.state).toBe('closed')
    await outcome(breaker.execute(() => Promise.reject({ status: 503 })))
    await outcome(breaker.execute(() => Promise.reject({ status: 503 })))
    expect(breaker.state).toBe('open')
  })

  it('ignores outcomes of calls admitted before the last transition', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const breaker = circuitBreaker({ halfOpenAfter: 100, breaker: consecutiveBreaker(1), clock })
    const slow = deferred<string>()
    const inFlight = breaker.execute(() => slow.promise)
    await failTimes(breaker, 1)
    expect(breaker.state).toBe('open')
    slow.resolve('late') // a success from the closed period must not close the open circuit
    expect(await inFlight).toBe('late')
    expect(breaker.state).toBe('open')
  })

  it('serializes its state; an open snapshot restored after halfOpenAfter is half-open', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const options = { halfOpenAfter: '1m', breaker: consecutiveBreaker(3) } as const
    const first = circuitBreaker({ ...options, clock })
    await failTimes(first, 2)
    const closed = JSON.parse(JSON.stringify(first.toJSON()))
    expect(closed).toEqual({ state: 'closed', breaker: { kind: 'consecutive', state: { failures: 2 } } })
    const resumed = circuitBreaker({ ...options, clock, initialState: closed })
    await failTimes(resumed, 1) // the restored count carries on
    expect(resumed.state).toBe('open')
    const open = JSON.parse(JSON.stringify(resumed.toJSON()))
    expect(open).toMatchObject({ state: 'open', openedAt: 0 })
    expect(circuitBreaker({ ...options, clock, initialState: open }).state).toBe('open')
    await clock.advance(60_000)
    const later = circuitBreaker({ ...options, clock, initialState: open })
    expect(later.state).toBe('half-open')
    expect(await later.execute(succeed)).toBe('up')
    expect(later.state).toBe('closed')
    // counts of another breaker kind are dropped
    const other = circuitBreaker({ halfOpenAfter: 10, breaker: samplingBreaker({ threshold: 0.5, duration: 1000 }), clock, initialState: closed })
    expect(other.toJSON()).toEqual({ state: 'closed', breaker: { kind: 'sampling', state: { buckets: [] } } })
  })

  it('validates options and snapshots with exact messages', () => {
    const clock = new SimulatedClock()
    expect(() => circuitBreaker({ breaker: consecutiveBreaker(1) } as never)).toThrow('Expected `circuitBreaker.halfOpenAfter` to be a duration, got `undefined (undefined)`')
    expect(() => circuitBreaker({ halfOpenAfter: 1, breaker: 5 as never })).toThrow('Expected `circuitBreaker.breaker` to be a Breaker, e.g. consecutiveBreaker(5) or samplingBreaker({ threshold, duration }), got `5 (number)`')
    expect(() => consecutiveBreaker(0)).toThrow('Expected `consecutiveBreaker.threshold` to be an integer from 1 and up, got `0 (number)`')
    expect(() => circuitBreaker({ halfOpenAfter: 1, breaker: consecutiveBreaker(1), clock, initialState: { state: 'broken' } as never })).toThrow(
      'Expected `circuitBreaker.initialState` to be a snapshot from toJSON()',
    )
    expect(() => circuitBreaker({ halfOpenAfter: 1, breaker: consecutiveBreaker(1), clock, initialState: { state: 'open', breaker: { kind: 'consecutive', state: {} } } })).toThrow(
      'Expected `circuitBreaker.initialState.openedAt` to be a finite number, got `undefined (undefined)`',
    )
    expect(() => samplingBreaker({ threshold: 0, duration: 1000 })).toThrow('Expected `samplingBreaker.threshold` to be a number from 0 (exclusive) to 1, got `0 (number)`')
    expect(() => samplingBreaker({ threshold: 0.5, duration: 1000, minimumRps: 1, minimumThroughput: 3 })).toThrow(
      'Expected `samplingBreaker.minimumRps` to be absent when `minimumThroughput` is given, got `1 (number)`',
    )
  })
})

describe('samplingBreaker', () => {
  it('opens when the failure ratio over the window reaches the threshold, once throughput is enough', () => {
    const b = samplingBreaker({ threshold: 0.5, duration: 1000, minimumThroughput: 4 })
    let state = b.initial()
    const record = (outcome: 'success' | 'failure', now: number): boolean => {
      const r = b.record(state, outcome, now)
      state = r.state
      return r.open
    }
    expect(record('failure', 0)).toBe(false) // 1 call: below the minimum throughput
    expect(record('failure', 10)).toBe(false)
    expect(record('success', 20)).toBe(false)
    expect(record('failure', 30)).toBe(true) // 3 of 4 failed
    state = b.initial()
    expect(record('success', 0)).toBe(false)
    expect(record('success', 0)).toBe(false)
    expect(record('success', 0)).toBe(false)
    expect(record('failure', 500)).toBe(false) // 1 of 4
    // 1100 ms later the successes at t=0 have left the window: 2 of 2… below throughput
    expect(record('failure', 1100)).toBe(false)
    expect(record('failure', 1100)).toBe(false)
    expect(record('failure', 1100)).toBe(true) // 4 failures of 4 in the window
    expect(b.isState(JSON.parse(JSON.stringify(state)))).toBe(true)
    expect(state.buckets.length).toBeLessThanOrEqual(10)
  })

  it('minimumRps is a rate over the window', () => {
    const b = samplingBreaker({ threshold: 1, duration: '2s', minimumRps: 1.5 }) // 3 calls
    let state = b.initial()
    const opens: boolean[] = []
    for (let i = 0; i < 3; i++) {
      const r = b.record(state, 'failure', i)
      state = r.state
      opens.push(r.open)
    }
    expect(opens).toEqual([false, false, true])
  })

  it('drives a circuit breaker', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const breaker = circuitBreaker({ halfOpenAfter: 100, breaker: samplingBreaker({ threshold: 0.6, duration: 1000, minimumThroughput: 5 }), clock })
    await breaker.execute(succeed)
    await breaker.execute(succeed)
    await failTimes(breaker, 2)
    expect(breaker.state).toBe('closed') // 2 of 4
    await failTimes(breaker, 1)
    expect(breaker.state).toBe('open') // 3 of 5 = 0.6
  })
})

describe('breakerRegistry', () => {
  it('shares one breaker per key, reports every transition with its key, and round-trips through JSON', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const registry = breakerRegistry({ clock })
    const events: string[] = []
    registry.onStateChange((e) => events.push(`${e.key}:${e.type}`))
    const options = { halfOpenAfter: 1000, breaker: consecutiveBreaker(2) }
    const a1 = registry.get('api', options)
    const a2 = registry.get('api', { halfOpenAfter: 5, breaker: consecutiveBreaker(99) })
    expect(a2).toBe(a1)
    expect(a1.key).toBe('api')
    await failTimes(a1, 1)
    await failTimes(a2, 1) // two step sites, one breaker
    expect(a1.state).toBe('open')
    expect(registry.get('db', options).state).toBe('closed')
    expect(registry.keys()).toEqual(['api', 'db'])
    expect(events).toEqual(['api:breaker.opened'])
    const saved = JSON.parse(JSON.stringify(registry.toJSON()))
    const restored = breakerRegistry({ clock, initialState: saved })
    expect(restored.has('api')).toBe(false)
    expect(restored.toJSON()).toEqual(saved) // keys not used yet are kept
    await clock.advance(1000)
    expect(restored.get('api', options).state).toBe('half-open')
    // the original registry's breaker is half-open too: a probe holds it, a second caller is refused
    void registry.get('api', options).execute(() => new Promise(() => {}))
    const refused = await outcome(registry.get('api', options).execute(succeed))
    expect((refused as { error: CircuitOpenError }).error.data).toEqual({ key: 'api', state: 'half-open' })
    expect(() => registry.get('', options)).toThrow('Expected `key` to be a non-empty string, got `"" (string)`')
  })
})
