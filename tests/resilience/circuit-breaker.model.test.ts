/**
 * Model-based test of the circuit breaker: random sequences of calls (succeeding, failing,
 * held open as concurrent probes, cancelled), clock advances and restarts from `toJSON()`,
 * checked command by command against a small reference state machine.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CancelledError } from '../../src/engine/index.js'
import { SimulatedClock } from '../../src/runtime/index.js'
import { CircuitOpenError, circuitBreaker, consecutiveBreaker, type CircuitBreakerPolicy, type CircuitState } from '../../src/resilience/index.js'
import { deferred, outcome, type Deferred } from './helpers.js'

const THRESHOLD = 3
const HALF_OPEN_AFTER = 100

type Outcome = 'success' | 'failure' | 'cancelled'

/** The reference: what the breaker must do, written as plainly as possible. */
interface Model {
  state: CircuitState
  failures: number
  openedAt: number
  now: number
  probing: boolean
  /** Bumped on each transition; outcomes of calls admitted under an older one are ignored. */
  generation: number
  held: { generation: number; probe: boolean }[]
  events: string[]
}

interface Real {
  clock: SimulatedClock
  breaker: CircuitBreakerPolicy
  held: { control: Deferred<string>; result: ReturnType<typeof outcome<unknown>> }[]
  events: string[]
}

function refresh(m: Model): void {
  if (m.state === 'open' && m.now >= m.openedAt + HALF_OPEN_AFTER) {
    m.state = 'half-open'
    m.generation++
    m.probing = false
    m.events.push(`half-open@${m.now}`)
  }
}

/** Admission: refused (and why) or admitted (as the probe or as a closed-state call). */
function admit(m: Model): { refused: 'open' | 'half-open' } | { refused: false; probe: boolean; generation: number } {
  refresh(m)
  if (m.state === 'open') return { refused: 'open' }
  if (m.state === 'half-open') {
    if (m.probing) return { refused: 'half-open' }
    m.probing = true
    return { refused: false, probe: true, generation: m.generation }
  }
  return { refused: false, probe: false, generation: m.generation }
}

function open(m: Model): void {
  m.state = 'open'
  m.openedAt = m.now
  m.generation++
  m.probing = false
  m.events.push(`opened@${m.now}`)
}

function settle(m: Model, generation: number, probe: boolean, result: Outcome): void {
  if (generation !== m.generation) return
  if (probe) {
    if (result === 'cancelled') m.probing = false
    else if (result === 'failure') open(m)
    else {
      m.state = 'closed'
      m.failures = 0
      m.generation++
      m.probing = false
      m.events.push(`closed@${m.now}`)
    }
    return
  }
  if (result === 'success') m.failures = 0
  else if (result === 'failure' && ++m.failures >= THRESHOLD) open(m)
}

function body(result: Outcome): Promise<string> {
  if (result === 'success') return Promise.resolve('ok')
  if (result === 'failure') return Promise.reject(new Error('down'))
  return Promise.reject(new CancelledError({ runId: 'run', reason: 'cancelled by the test' }))
}

function makeBreaker(real: Pick<Real, 'clock' | 'events'>, initialState?: unknown): CircuitBreakerPolicy {
  const breaker = circuitBreaker({
    halfOpenAfter: HALF_OPEN_AFTER,
    breaker: consecutiveBreaker(THRESHOLD),
    clock: real.clock,
    ...(initialState === undefined ? {} : { initialState: initialState as never }),
  })
  breaker.onStateChange((e) => real.events.push(`${e.type.slice('breaker.'.length)}@${e.at}`))
  return breaker
}

function expectRefusal(result: { ok: boolean; error?: unknown }, state: 'open' | 'half-open'): void {
  expect(result.ok).toBe(false)
  expect(result.error).toBeInstanceOf(CircuitOpenError)
  expect((result.error as CircuitOpenError).data.state).toBe(state)
}

/** After every command: same state, same transitions, nothing stuck. */
function checkAgreement(m: Model, r: Real): void {
  refresh(m)
  expect(r.breaker.state).toBe(m.state)
  expect(r.events).toEqual(m.events)
  const probes = m.held.filter((h) => h.probe && h.generation === m.generation).length
  expect(probes).toBeLessThanOrEqual(1)
  // never stuck half-open: without a running probe, the next caller is admitted
  if (m.state === 'half-open') expect(m.probing).toBe(probes === 1)
}

class CallCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly result: Outcome) {}
  check = (): boolean => true
  async run(m: Model, r: Real): Promise<void> {
    const admission = admit(m)
    let called = false
    const result = await outcome(r.breaker.execute(() => ((called = true), body(this.result))))
    expect(called).toBe(!admission.refused)
    if (admission.refused) expectRefusal(result, admission.refused)
    else {
      expect(result.ok).toBe(this.result === 'success')
      settle(m, admission.generation, admission.probe, this.result)
    }
    checkAgreement(m, r)
  }
  toString = (): string => `call(${this.result})`
}

class HoldCommand implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true
  async run(m: Model, r: Real): Promise<void> {
    const admission = admit(m)
    let called = false
    const control = deferred<string>()
    const result = outcome(r.breaker.execute(() => ((called = true), control.promise)))
    expect(called).toBe(!admission.refused) // admission is decided synchronously
    if (admission.refused) expectRefusal(await result, admission.refused)
    else {
      m.held.push({ generation: admission.generation, probe: admission.probe })
      r.held.push({ control, result })
    }
    checkAgreement(m, r)
  }
  toString = (): string => 'hold'
}

class SettleCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly index: number,
    readonly result: Outcome,
  ) {}
  check = (m: Readonly<Model>): boolean => m.held.length > 0
  async run(m: Model, r: Real): Promise<void> {
    const i = this.index % m.held.length
    const [h] = m.held.splice(i, 1)
    const [held] = r.held.splice(i, 1)
    body(this.result).then(held!.control.resolve, held!.control.reject)
    const result = await held!.result
    expect(result.ok).toBe(this.result === 'success')
    settle(m, h!.generation, h!.probe, this.result)
    checkAgreement(m, r)
  }
  toString = (): string => `settle(#${this.index}, ${this.result})`
}

class AdvanceCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = (): boolean => true
  async run(m: Model, r: Real): Promise<void> {
    m.now += this.ms
    await r.clock.advance(this.ms)
    checkAgreement(m, r)
  }
  toString = (): string => `advance(${this.ms})`
}

/** A restart: a new breaker from the old one's JSON (only when no call is in flight). */
class RestoreCommand implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>): boolean => m.held.length === 0
  async run(m: Model, r: Real): Promise<void> {
    refresh(m)
    const saved = JSON.parse(JSON.stringify(r.breaker.toJSON()))
    expect(saved.state).toBe(m.state)
    if (m.state !== 'closed') expect(saved.openedAt).toBe(m.openedAt)
    r.breaker = makeBreaker(r, saved)
    checkAgreement(m, r)
  }
  toString = (): string => 'restore'
}

const outcomes = fc.constantFrom<Outcome>('success', 'failure', 'failure', 'cancelled')
const commands = fc.commands(
  [
    outcomes.map((o) => new CallCommand(o)),
    fc.constant(new HoldCommand()),
    fc.tuple(fc.nat(), outcomes).map(([i, o]) => new SettleCommand(i, o)),
    fc.integer({ min: 1, max: HALF_OPEN_AFTER + 20 }).map((ms) => new AdvanceCommand(ms)),
    fc.constant(new RestoreCommand()),
  ],
  { maxCommands: 100, size: 'large' },
)

describe('circuit breaker against its reference model', () => {
  it('agrees on every admission, outcome, transition and snapshot', async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const setup = () => {
          const clock = new SimulatedClock({ autoAdvance: false })
          const real: Real = { clock, events: [], held: [], breaker: undefined as never }
          real.breaker = makeBreaker(real)
          const model: Model = { state: 'closed', failures: 0, openedAt: 0, now: 0, probing: false, generation: 0, held: [], events: [] }
          return { model, real }
        }
        await fc.asyncModelRun(setup, cmds)
      }),
      { numRuns: 300 },
    )
  })

  it('an open snapshot restored at or after openedAt + halfOpenAfter is half-open, before that open', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 3 * HALF_OPEN_AFTER }), async (start, wait) => {
        const clock = new SimulatedClock({ autoAdvance: false, start })
        const events: string[] = []
        const first = makeBreaker({ clock, events })
        for (let i = 0; i < THRESHOLD; i++) await outcome(first.execute(() => body('failure')))
        const saved = JSON.stringify(first.toJSON())
        await clock.advance(wait)
        const restored = makeBreaker({ clock, events }, JSON.parse(saved))
        expect(restored.state).toBe(wait >= HALF_OPEN_AFTER ? 'half-open' : 'open')
        if (wait >= HALF_OPEN_AFTER) {
          // it admits one probe, and a success closes it
          const probe = deferred<string>()
          const running = restored.execute(() => probe.promise)
          expectRefusal(await outcome(restored.execute(() => body('success'))), 'half-open')
          probe.resolve('ok')
          await running
          expect(restored.state).toBe('closed')
        }
      }),
      { numRuns: 100 },
    )
  })
})
