/**
 * Telemetry: the typed event bus, the {@link Telemetry} port and the reported event types.
 * @packageDocumentation
 */
export { EventBus } from './event-bus.js'
export { memoryTelemetry, type Telemetry } from './port.js'
export type { StepLogEvent, EngineWarningEvent, BreakerStateEvent, WeftEvent, WeftEventMap, WeftEventType } from './events.js'
