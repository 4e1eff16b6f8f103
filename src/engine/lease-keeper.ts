import { setImmediate } from 'node:timers'
import type { Clock } from '../runtime/index.js'
import type { Lease, RunStore } from '../store/index.js'

interface Held {
  lease: Lease
  readonly lost: (error: unknown) => void
}

const STOPPED: unknown = Object.freeze({ stopped: true })

/**
 * Keeps the leases of an engine's runs alive: one renewal loop for all of them (every `ttl / 3`
 * on its own clock — real time by default, so a simulated engine clock does not spin), so a run
 * costs a map entry, not a timer. Calls a run's `lost` when the store says its lease was taken over.
 * @internal
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Held>()
  private stop: AbortController | undefined
  private stopCheck = false

  constructor(
    private readonly store: RunStore,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /**
   * Starts keeping `lease` alive until {@link LeaseKeeper.release}. Returns the entry it holds,
   * for a caller that keeps per-run objects' maps alive (see `RunExecution.keep`).
   */
  keep(lease: Lease, lost: (error: unknown) => void): object {
    const entry: Held = { lease, lost }
    this.held.set(lease.runId, entry)
    if (this.stop === undefined) {
      this.stop = new AbortController()
      void this.loop(this.stop.signal)
    }
    return entry
  }

  /** Stops renewing a run's lease and gives it up. */
  async release(runId: string): Promise<void> {
    const held = this.held.get(runId)
    if (held === undefined) return
    this.held.delete(runId)
    if (this.held.size === 0 && !this.stopCheck) {
      // Stopped one macrotask later if nothing is held by then: runs started back to back (the
      // next `await engine.run()` begins in this microtask queue) keep the loop and its timer.
      this.stopCheck = true
      setImmediate(this.stopIfIdle)
    }
    await this.store.releaseLease?.(held.lease)
  }

  private readonly stopIfIdle = (): void => {
    this.stopCheck = false
    if (this.held.size > 0 || this.stop === undefined) return
    this.stop.abort(STOPPED) // a reason of our own: no DOMException (with its stack)
    this.stop = undefined
  }

  private async loop(signal: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await this.clock.sleep(this.ttlMs / 3, signal)
      } catch {
        return // nothing left to keep
      }
      await Promise.all(
        [...this.held.values()].map(async (held) => {
          try {
            held.lease = await this.store.renewLease!(held.lease, this.ttlMs)
          } catch (error) {
            if (this.held.get(held.lease.runId) !== held) return
            this.held.delete(held.lease.runId)
            held.lost(error)
          }
        }),
      )
    }
  }
}
