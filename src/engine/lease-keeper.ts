import type { Clock } from '../runtime/index.js'
import type { Lease, RunStore } from '../store/index.js'

/**
 * Keeps a run's lease alive while the run is in progress: renews it every `ttl / 3` on its own
 * clock (real time by default, so a simulated engine clock does not spin renewals), and calls
 * `lost` when the store says the lease was taken over.
 * @internal
 */
export class LeaseKeeper {
  private readonly stop = new AbortController()
  private current: Lease

  constructor(
    private readonly store: RunStore,
    lease: Lease,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly lost: (error: unknown) => void,
  ) {
    this.current = lease
    void this.loop()
  }

  /** The fencing token appends must carry. */
  get token(): number {
    return this.current.token
  }

  private async loop(): Promise<void> {
    const signal = this.stop.signal
    for (;;) {
      try {
        await this.clock.sleep(this.ttlMs / 3, signal)
      } catch {
        return // stopped
      }
      try {
        this.current = await this.store.renewLease!(this.current, this.ttlMs)
      } catch (error) {
        if (!signal.aborted) this.lost(error)
        return
      }
    }
  }

  /** Stops renewing and gives the lease up. */
  async release(): Promise<void> {
    this.stop.abort()
    await this.store.releaseLease?.(this.current)
  }
}
