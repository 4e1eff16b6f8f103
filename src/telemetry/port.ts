import type { WeftEvent } from './events.js'

/**
 * The telemetry port: receives every event the engine reports, after it is journaled.
 * Adapters (console progress, JSON lines, OpenTelemetry) implement it. Must not throw; must be
 * fast (it runs on the engine's path).
 * @public
 */
export interface Telemetry {
  /** Called once per reported event, in order. */
  event(event: WeftEvent): void
  /** Flushes buffered output; called by `engine.close()`. */
  flush?(): Promise<void>
}

/**
 * Telemetry that keeps every event in an array — for tests and small tools.
 * @public
 */
export function memoryTelemetry(): Telemetry & { readonly events: WeftEvent[] } {
  const events: WeftEvent[] = []
  return { events, event: (e) => void events.push(e) }
}
