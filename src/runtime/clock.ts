import { unnamed } from './unnamed.js'

/**
 * The source of time for the engine and for steps (`ctx.now()`, `ctx.sleep()`). Inject a
 * {@link SimulatedClock} in tests to run time-dependent workflows without real waiting.
 * @public
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (or since the simulation began). */
  now(): number
  /**
   * Resolves after `ms` milliseconds of this clock's time. Rejects with the signal's reason
   * when `signal` aborts first.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted')
}

/**
 * The real clock: `Date.now()` and `setTimeout`. The engine's default.
 * @public
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal))
      const onAbort = unnamed((): void => {
        clearTimeout(timer)
        reject(abortReason(signal!))
      })
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, Math.max(0, ms))
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  },
}
