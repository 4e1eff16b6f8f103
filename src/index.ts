/**
 * Weft: typed, deterministic, durable workflows for Node.js.
 * @packageDocumentation
 */
export * from './errors/index.js'
export * from './contract/index.js'
export * from './graph/index.js'
export * from './journal/index.js'
export * from './runtime/index.js'
export * from './scheduler/index.js'
export * from './workflow/index.js'
export * from './store/index.js'
export * from './telemetry/index.js'
export * from './executor/index.js'
export * from './engine/index.js'
export * from './resilience/index.js'
export * from './plan/index.js'
export * from './templates/index.js'
export * from './loader/index.js'
export * from './config/index.js'
export * from './secrets/index.js'
export * from './codec/index.js'
