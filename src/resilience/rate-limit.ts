import { systemClock, type Clock, type Duration } from '../runtime/index.js'
import { clockOption, durationOption, integerOption, invalid, objectOption } from './arguments.js'
import { abortReason, invoke, resolveContext, type Policy, type PolicyContext, type PolicyFunction } from './policy.js'
import { unnamed } from '../runtime/unnamed.js'

/**
 * Options of {@link rateLimit}.
 * @public
 */
export interface RateLimitOptions {
  /** Tokens per period, and the size of a burst (the bucket starts full). Required. */
  readonly tokens: number
  /** The period in which `tokens` tokens refill, e.g. `'1s'` or `'1m'`. Required. */
  readonly per: Duration
  /**
   * Clock of the refill. The call's `ctx.clock` is not used: the bucket outlives any one call.
   * @defaultValue {@link systemClock}
   */
  readonly clock?: Clock
}

/**
 * The policy returned by {@link rateLimit}.
 * @public
 */
export interface RateLimitPolicy extends Policy {
  /** Whole tokens available now. */
  readonly available: number
  /** Callers waiting for a token now. */
  readonly waiting: number
}

interface Waiter {
  readonly grant: () => void
}

/**
 * A token bucket in integer "units": one token is `perMs` units, and the bucket refills
 * `tokens` units per millisecond, so a clock with integer milliseconds never leaves a
 * rounding error behind.
 */
class RateLimitImpl implements RateLimitPolicy {
  private units: number
  private updatedAt: number
  private readonly queue: Waiter[] = []
  private wake: AbortController | undefined

  constructor(
    private readonly tokens: number,
    private readonly perMs: number,
    private readonly clock: Clock,
  ) {
    this.units = tokens * perMs
    this.updatedAt = clock.now()
  }

  get available(): number {
    this.refill()
    return Math.floor(this.units / this.perMs)
  }

  get waiting(): number {
    return this.queue.length
  }

  async execute<T>(fn: PolicyFunction<T>, partial?: Partial<PolicyContext>): Promise<T> {
    const ctx = resolveContext(partial)
    await this.acquire(ctx.signal)
    return invoke(fn, ctx)
  }

  private acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortReason(signal))
    this.refill()
    if (this.queue.length === 0 && this.units >= this.perMs) {
      this.units -= this.perMs
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = unnamed((): void => {
        const at = this.queue.indexOf(waiter)
        if (at >= 0) this.queue.splice(at, 1)
        if (this.queue.length === 0) this.cancelWake()
        reject(abortReason(signal))
      })
      const waiter: Waiter = {
        grant: unnamed(() => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }),
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.queue.push(waiter)
      this.scheduleWake()
    })
  }

  private refill(): void {
    const now = this.clock.now()
    if (now <= this.updatedAt) return
    this.units = Math.min(this.tokens * this.perMs, this.units + (now - this.updatedAt) * this.tokens)
    this.updatedAt = now
  }

  /** Sleeps until the head of the queue can have its token (one timer at most). */
  private scheduleWake(): void {
    if (this.wake !== undefined || this.queue.length === 0) return
    const wake = new AbortController()
    this.wake = wake
    const ms = Math.max(1, Math.ceil((this.perMs - this.units) / this.tokens))
    this.clock.sleep(ms, wake.signal).then(
      () => {
        if (this.wake !== wake) return
        this.wake = undefined
        this.refill()
        while (this.queue.length > 0 && this.units >= this.perMs) {
          this.units -= this.perMs
          this.queue.shift()!.grant()
        }
        this.scheduleWake()
      },
      () => {}, // cancelled: the queue emptied
    )
  }

  private cancelWake(): void {
    this.wake?.abort()
    this.wake = undefined
  }
}

/**
 * A policy that starts at most `tokens` executions per `per` on the clock (a token bucket:
 * bursts up to `tokens`, then a steady `tokens / per`). Callers without a token wait for one
 * in FIFO order; they never fail for lack of tokens, and a waiting caller whose signal aborts
 * leaves the queue and rejects with the signal's reason. It limits how often executions
 * start, not how many run at once (that is {@link bulkhead}).
 * @example
 * ```ts
 * const github = rateLimit({ tokens: 5000, per: '1h' })
 * const repos = await github.execute(({ signal }) => octokit.repos.listForOrg({ org, request: { signal } }))
 * ```
 * @public
 */
export function rateLimit(options: RateLimitOptions): RateLimitPolicy {
  const o = objectOption('rateLimit', options)
  if (o.tokens === undefined) invalid('rateLimit.tokens', 'an integer from 1 and up', undefined)
  if (o.per === undefined) invalid('rateLimit.per', 'a positive duration', undefined)
  const tokens = integerOption('rateLimit.tokens', o.tokens, 1, 1)
  const per = durationOption('rateLimit.per', o.per, 0, true)
  return new RateLimitImpl(tokens, per, clockOption('rateLimit.clock', o.clock) ?? systemClock)
}

/**
 * Options of {@link rateLimitRegistry}.
 * @public
 */
export interface RateLimitRegistryOptions {
  /**
   * Clock of every limiter of the registry that has none in its own options.
   * @defaultValue {@link systemClock}
   */
  readonly clock?: Clock
}

/**
 * Rate limiters by key, so that every step (or call site) using the same quota shares one
 * bucket. Returned by {@link rateLimitRegistry}.
 * @public
 */
export interface RateLimitRegistry {
  /**
   * The limiter of `key`, created with `options` on first use. Later calls return the same
   * limiter and ignore their `options`.
   */
  get(key: string, options: RateLimitOptions): RateLimitPolicy
  /** Whether a limiter exists for `key`. */
  has(key: string): boolean
  /** Keys of the existing limiters, in creation order. */
  keys(): string[]
}

/**
 * Creates a {@link RateLimitRegistry}: rate limiters shared by key.
 * @example
 * ```ts
 * const quotas = rateLimitRegistry()
 * const openai = quotas.get('openai', { tokens: 60, per: '1m' })
 * await openai.execute(() => complete(prompt))
 * ```
 * @public
 */
export function rateLimitRegistry(options?: RateLimitRegistryOptions): RateLimitRegistry {
  const o = objectOption('rateLimitRegistry', options)
  const clock = clockOption('rateLimitRegistry.clock', o.clock)
  const limiters = new Map<string, RateLimitPolicy>()
  return {
    get(key, limiterOptions) {
      const existing = limiters.get(key)
      if (existing !== undefined) return existing
      if (typeof key !== 'string' || key === '') invalid('key', 'a non-empty string', key)
      const l = objectOption('rateLimitRegistry.get', limiterOptions)
      const created = rateLimit({ ...(l as RateLimitOptions), clock: l.clock ?? clock })
      limiters.set(key, created)
      return created
    },
    has: (key) => limiters.has(key),
    keys: () => [...limiters.keys()],
  }
}
