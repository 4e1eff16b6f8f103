import { systemClock, type Clock, type Duration } from '../runtime/index.js'
import { clockOption, durationOption, invalid, objectOption } from './arguments.js'
import type { Breaker } from './breakers.js'
import { matchesError, type ErrorMatcher } from './error-matcher.js'
import { abortReason, invoke, Listeners, resolveContext, type Policy, type PolicyContext, type PolicyFunction, type Unsubscribe } from './policy.js'
import { CircuitOpenError } from './resilience-errors.js'

/**
 * State of a circuit: `closed` lets calls through and counts their outcomes; `open` fails
 * them fast; `half-open` lets exactly one probe through to decide between the two.
 * @public
 */
export type CircuitState = 'closed' | 'open' | 'half-open'

/**
 * The serializable state of a circuit breaker, from `toJSON()`; pass it back as
 * `initialState` (after `JSON.stringify`/`parse` if you like) to resume where it was.
 * @public
 */
export interface CircuitBreakerSnapshot {
  /** The circuit's state when the snapshot was taken. */
  readonly state: CircuitState
  /** When the circuit last opened (ms on the breaker's clock); present unless `closed`. */
  readonly openedAt?: number
  /** The breaker strategy's counting state. */
  readonly breaker: { readonly kind: string; readonly state: unknown }
}

/**
 * Options of {@link circuitBreaker}.
 * @public
 */
export interface CircuitBreakerOptions {
  /** How long the circuit stays open before it lets one probe through. Required. */
  readonly halfOpenAfter: Duration
  /** When a closed circuit opens: {@link consecutiveBreaker} or {@link samplingBreaker}. Required. */
  readonly breaker: Breaker
  /**
   * Which errors count as failures. Errors that do not are passed through without being
   * counted (a probe that fails with one leaves the circuit half-open for the next caller).
   * @defaultValue every error except cancellations (`CancelledError`, or any error once the
   * caller's signal aborted), which never count
   */
  readonly breakOn?: ErrorMatcher
  /**
   * Clock of `openedAt` and `halfOpenAfter`. The call's `ctx.clock` is not used: the
   * breaker's state outlives any one call.
   * @defaultValue {@link systemClock}
   */
  readonly clock?: Clock
  /**
   * State to start from, from an earlier `toJSON()`. An open circuit whose `halfOpenAfter`
   * has passed is half-open at once; counts of another breaker kind are dropped.
   * @defaultValue a closed circuit with fresh counts
   */
  readonly initialState?: CircuitBreakerSnapshot
  /**
   * Name of the protected dependency, copied into errors and events.
   * @defaultValue `undefined` (registry breakers get their registry key)
   */
  readonly key?: string
}

/**
 * A transition of a circuit. `at` is the time on the breaker's clock. Plain data except
 * `error` (serialize it with `serializeError` before journaling).
 * @public
 */
export type BreakerEvent =
  | {
      readonly type: 'breaker.opened'
      readonly key?: string
      readonly at: number
      /** `threshold`: the breaker strategy tripped while closed; `probe-failed`: the half-open probe failed. */
      readonly reason: 'threshold' | 'probe-failed'
      /** The failure that opened the circuit. */
      readonly error: unknown
    }
  | { readonly type: 'breaker.half-open'; readonly key?: string; readonly at: number }
  | { readonly type: 'breaker.closed'; readonly key?: string; readonly at: number }

/**
 * The policy returned by {@link circuitBreaker}.
 * @public
 */
export interface CircuitBreakerPolicy extends Policy {
  /** Current state. Reading it moves an open circuit whose time is up to `half-open`. */
  readonly state: CircuitState
  /** Name given in the options or by the registry. */
  readonly key: string | undefined
  /**
   * Calls `listener` on every transition. `breaker.half-open` is reported when the breaker
   * is next consulted (a call, `state`, `toJSON()`) at or after `openedAt + halfOpenAfter`:
   * no timer runs while the circuit is open.
   */
  onStateChange(listener: (event: BreakerEvent) => void): Unsubscribe
  /** The serializable state, for `initialState`. */
  toJSON(): CircuitBreakerSnapshot
}

const states: ReadonlySet<unknown> = new Set<CircuitState>(['closed', 'open', 'half-open'])

function isCancellation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'WEFT_CANCELLED'
}

class CircuitBreakerImpl implements CircuitBreakerPolicy {
  private readonly changes = new Listeners<BreakerEvent>()
  private current: CircuitState = 'closed'
  private openedAt = 0
  private counts: unknown
  /** Bumped on every transition: outcomes of calls admitted in an earlier state are ignored. */
  private generation = 0
  private probing = false

  constructor(
    private readonly halfOpenAfter: number,
    private readonly breaker: Breaker,
    private readonly breakOn: ErrorMatcher | undefined,
    private readonly clock: Clock,
    readonly key: string | undefined,
    initial: CircuitBreakerSnapshot | undefined,
  ) {
    this.counts = breaker.initial()
    if (initial === undefined) return
    this.current = initial.state
    if (initial.state !== 'closed') this.openedAt = Math.min(initial.openedAt!, clock.now()) // a clock behind the saved one must not prolong the open period
    if (initial.breaker.kind === breaker.kind && breaker.isState(initial.breaker.state)) this.counts = initial.breaker.state
  }

  get state(): CircuitState {
    this.refresh()
    return this.current
  }

  onStateChange(listener: (event: BreakerEvent) => void): Unsubscribe {
    return this.changes.add(listener)
  }

  toJSON(): CircuitBreakerSnapshot {
    this.refresh()
    const breaker = { kind: this.breaker.kind, state: this.counts }
    return this.current === 'closed' ? { state: 'closed', breaker } : { state: this.current, openedAt: this.openedAt, breaker }
  }

  async execute<T>(fn: PolicyFunction<T>, partial?: Partial<PolicyContext>): Promise<T> {
    const ctx = resolveContext(partial)
    if (ctx.signal.aborted) throw abortReason(ctx.signal)
    this.refresh()
    const key = this.key ?? ctx.key
    if (this.current === 'open') {
      throw new CircuitOpenError({ ...(key === undefined ? {} : { key }), state: 'open', retryAfterMs: Math.max(0, this.openedAt + this.halfOpenAfter - this.clock.now()) })
    }
    const probe = this.current === 'half-open'
    if (probe) {
      if (this.probing) throw new CircuitOpenError({ ...(key === undefined ? {} : { key }), state: 'half-open' })
      this.probing = true
    }
    const generation = this.generation
    let value: T
    try {
      value = await invoke(fn, ctx)
    } catch (error) {
      const counted = !ctx.signal.aborted && !isCancellation(error) && (this.breakOn === undefined || matchesError(this.breakOn, error))
      this.settle(generation, probe, counted ? 'failure' : undefined, error)
      throw error
    }
    this.settle(generation, probe, 'success', undefined)
    return value
  }

  /** Moves an open circuit whose time is up to half-open. */
  private refresh(): void {
    if (this.current !== 'open') return
    const now = this.clock.now()
    if (now < this.openedAt + this.halfOpenAfter) return
    this.current = 'half-open'
    this.generation++
    this.probing = false
    this.emit({ type: 'breaker.half-open', at: now })
  }

  private settle(generation: number, probe: boolean, outcome: 'success' | 'failure' | undefined, error: unknown): void {
    if (generation !== this.generation) return // admitted before the last transition: stale
    if (probe) {
      if (outcome === undefined) this.probing = false // not a verdict: the next caller probes
      else if (outcome === 'success') this.close()
      else this.open('probe-failed', error)
      return
    }
    if (outcome === undefined) return
    const { state, open } = this.breaker.record(this.counts, outcome, this.clock.now())
    this.counts = state
    if (open) this.open('threshold', error)
  }

  private open(reason: 'threshold' | 'probe-failed', error: unknown): void {
    this.current = 'open'
    this.openedAt = this.clock.now()
    this.generation++
    this.probing = false
    this.emit({ type: 'breaker.opened', at: this.openedAt, reason, error })
  }

  private close(): void {
    this.current = 'closed'
    this.counts = this.breaker.initial()
    this.generation++
    this.probing = false
    this.emit({ type: 'breaker.closed', at: this.clock.now() })
  }

  private emit(event: BreakerEvent): void {
    this.changes.emit(this.key === undefined ? event : { ...event, key: this.key })
  }
}

function checkSnapshot(name: string, value: unknown): CircuitBreakerSnapshot | undefined {
  if (value === undefined) return undefined
  const s = value as Partial<CircuitBreakerSnapshot> | null
  if (typeof s !== 'object' || s === null || !states.has(s.state)) invalid(name, "a snapshot from toJSON() ({ state: 'closed' | 'open' | 'half-open', … })", value)
  if (s.state !== 'closed' && (typeof s.openedAt !== 'number' || !Number.isFinite(s.openedAt))) invalid(`${name}.openedAt`, 'a finite number', s.openedAt)
  if (typeof s.breaker !== 'object' || s.breaker === null || typeof s.breaker.kind !== 'string') invalid(`${name}.breaker`, '{ kind, state } from toJSON()', s.breaker)
  return s as CircuitBreakerSnapshot
}

function checkBreaker(name: string, value: unknown): Breaker {
  const b = value as Partial<Breaker> | null
  if (typeof b !== 'object' || b === null || typeof b.kind !== 'string' || typeof b.initial !== 'function' || typeof b.record !== 'function' || typeof b.isState !== 'function') {
    invalid(name, 'a Breaker, e.g. consecutiveBreaker(5) or samplingBreaker({ threshold, duration })', value)
  }
  return b as Breaker
}

/**
 * A policy that stops calling a failing dependency for a while. Closed, it runs calls and
 * feeds their outcomes to its {@link Breaker}; when the breaker trips it opens and fails
 * calls fast with `CircuitOpenError` (code `WEFT_CIRCUIT_OPEN`) without running them. After
 * `halfOpenAfter` it is half-open: exactly one caller runs as a probe (concurrent callers get
 * `CircuitOpenError`); a successful probe closes the circuit, a failed one reopens it. Its
 * state survives restarts through `toJSON()` and `initialState`.
 * @example
 * ```ts
 * const breaker = circuitBreaker({ halfOpenAfter: '30s', breaker: consecutiveBreaker(5), initialState: saved })
 * breaker.onStateChange((e) => log.warn(e.type, e.at))
 * const rates = await breaker.execute(({ signal }) => fetchRates({ signal }))
 * saved = breaker.toJSON()
 * ```
 * @public
 */
export function circuitBreaker(options: CircuitBreakerOptions): CircuitBreakerPolicy {
  const o = objectOption('circuitBreaker', options)
  if (o.halfOpenAfter === undefined) invalid('circuitBreaker.halfOpenAfter', 'a duration', undefined)
  const halfOpenAfter = durationOption('circuitBreaker.halfOpenAfter', o.halfOpenAfter, 0)
  const breaker = checkBreaker('circuitBreaker.breaker', o.breaker)
  if (o.key !== undefined && (typeof o.key !== 'string' || o.key === '')) invalid('circuitBreaker.key', 'a non-empty string', o.key)
  const clock = clockOption('circuitBreaker.clock', o.clock) ?? systemClock
  return new CircuitBreakerImpl(halfOpenAfter, breaker, o.breakOn, clock, o.key, checkSnapshot('circuitBreaker.initialState', o.initialState))
}

/**
 * Options of {@link breakerRegistry}.
 * @public
 */
export interface BreakerRegistryOptions {
  /**
   * Clock of every breaker of the registry that has none in its own options.
   * @defaultValue {@link systemClock}
   */
  readonly clock?: Clock
  /**
   * Saved states by key, from an earlier registry `toJSON()`; a breaker created by `get`
   * without its own `initialState` starts from the entry of its key.
   * @defaultValue `{}`
   */
  readonly initialState?: Readonly<Record<string, CircuitBreakerSnapshot>>
}

/**
 * Circuit breakers by key, so that every step (or call site) protecting the same dependency
 * shares one breaker. Returned by {@link breakerRegistry}.
 * @public
 */
export interface BreakerRegistry {
  /**
   * The breaker of `key`, created with `options` on first use. Later calls return the same
   * breaker and ignore their `options`.
   */
  get(key: string, options: Omit<CircuitBreakerOptions, 'key'>): CircuitBreakerPolicy
  /** Whether a breaker exists for `key`. */
  has(key: string): boolean
  /** Keys of the existing breakers, in creation order. */
  keys(): string[]
  /** Calls `listener` on every transition of every breaker (events carry their `key`). */
  onStateChange(listener: (event: BreakerEvent) => void): Unsubscribe
  /** Snapshots of every breaker by key (plus restored ones not used yet), for `initialState`. */
  toJSON(): Record<string, CircuitBreakerSnapshot>
}

/**
 * Creates a {@link BreakerRegistry}: circuit breakers shared by key.
 * @example
 * ```ts
 * const breakers = breakerRegistry({ initialState: JSON.parse(saved) })
 * const payments = breakers.get('payments-api', { halfOpenAfter: '1m', breaker: consecutiveBreaker(3) })
 * await payments.execute(() => charge(order))
 * saved = JSON.stringify(breakers.toJSON())
 * ```
 * @public
 */
export function breakerRegistry(options?: BreakerRegistryOptions): BreakerRegistry {
  const o = objectOption('breakerRegistry', options)
  const clock = clockOption('breakerRegistry.clock', o.clock)
  const saved = objectOption('breakerRegistry.initialState', o.initialState) as Readonly<Record<string, CircuitBreakerSnapshot>>
  const breakers = new Map<string, CircuitBreakerPolicy>()
  const changes = new Listeners<BreakerEvent>()
  return {
    get(key, breakerOptions) {
      const existing = breakers.get(key)
      if (existing !== undefined) return existing
      if (typeof key !== 'string' || key === '') invalid('key', 'a non-empty string', key)
      const b = objectOption('breakerRegistry.get', breakerOptions)
      const created = circuitBreaker({
        ...(b as CircuitBreakerOptions),
        key,
        clock: b.clock ?? clock,
        initialState: b.initialState ?? (Object.hasOwn(saved, key) ? saved[key] : undefined),
      })
      created.onStateChange((event) => changes.emit(event))
      breakers.set(key, created)
      return created
    },
    has: (key) => breakers.has(key),
    keys: () => [...breakers.keys()],
    onStateChange: (listener) => changes.add(listener),
    toJSON() {
      // Saved states of keys not used yet are kept, so a save/restore cycle loses nothing.
      const out: Record<string, CircuitBreakerSnapshot> = { ...saved }
      for (const [key, breaker] of breakers) out[key] = breaker.toJSON()
      return out
    },
  }
}
