import { integerOption, invalid, objectOption } from './arguments.js'
import { abortReason, invoke, resolveContext, type Policy, type PolicyContext, type PolicyFunction } from './policy.js'
import { BulkheadRejectedError } from './resilience-errors.js'
import { unnamed } from '../runtime/unnamed.js'

/**
 * Options of {@link bulkhead}.
 * @public
 */
export interface BulkheadOptions {
  /** Most executions running at once, an integer from 1 and up. Required. */
  readonly limit: number
  /**
   * Most callers waiting for a slot, in FIFO order; callers beyond it are rejected with
   * `BulkheadRejectedError`. `Infinity` queues without bound.
   * @defaultValue 0
   */
  readonly queue?: number
}

/**
 * The policy returned by {@link bulkhead}.
 * @public
 */
export interface BulkheadPolicy extends Policy {
  /** Most executions running at once. */
  readonly limit: number
  /** Most callers waiting. */
  readonly queue: number
  /** Executions running now. */
  readonly executing: number
  /** Callers waiting now. */
  readonly queued: number
}

interface Waiter {
  readonly start: () => void
}

class BulkheadImpl implements BulkheadPolicy {
  private running = 0
  private readonly waiting: Waiter[] = []

  constructor(
    readonly limit: number,
    readonly queue: number,
  ) {}

  get executing(): number {
    return this.running
  }

  get queued(): number {
    return this.waiting.length
  }

  execute<T>(fn: PolicyFunction<T>, partial?: Partial<PolicyContext>): Promise<T> {
    const ctx = resolveContext(partial)
    const { signal } = ctx
    if (signal.aborted) return Promise.reject(abortReason(signal))
    if (this.running < this.limit) return this.run(fn, ctx)
    if (this.waiting.length >= this.queue) {
      return Promise.reject(new BulkheadRejectedError({ ...(ctx.key === undefined ? {} : { key: ctx.key }), limit: this.limit, queue: this.queue }))
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = unnamed((): void => {
        const at = this.waiting.indexOf(waiter)
        if (at >= 0) this.waiting.splice(at, 1)
        reject(abortReason(signal))
      })
      const waiter: Waiter = {
        start: unnamed(() => {
          signal.removeEventListener('abort', onAbort)
          this.run(fn, ctx).then(resolve, reject)
        }),
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(waiter)
    })
  }

  private run<T>(fn: PolicyFunction<T>, ctx: PolicyContext): Promise<T> {
    this.running++
    return invoke(fn, ctx).finally(() => {
      this.running--
      while (this.running < this.limit && this.waiting.length > 0) this.waiting.shift()!.start()
    })
  }
}

/**
 * A policy that caps concurrent executions at `limit`, keeping up to `queue` more callers
 * waiting in FIFO order and rejecting the rest at once with `BulkheadRejectedError` (code
 * `WEFT_BULKHEAD_REJECTED`). A waiting caller whose signal aborts leaves the queue and rejects
 * with the signal's reason. A slot is held until the function settles, even if its signal
 * aborted.
 * @example
 * ```ts
 * const pool = bulkhead({ limit: 4, queue: 100 })
 * const thumbnails = await Promise.all(images.map((img) => pool.execute(() => resize(img))))
 * ```
 * @public
 */
export function bulkhead(options: BulkheadOptions): BulkheadPolicy {
  const o = objectOption('bulkhead', options)
  if (o.limit === undefined) invalid('bulkhead.limit', 'an integer from 1 and up', undefined)
  return new BulkheadImpl(integerOption('bulkhead.limit', o.limit, 1, 1), integerOption('bulkhead.queue', o.queue, 0, 0, true))
}
