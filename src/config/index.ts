/**
 * Configuration: the `weft.config.json` schema, loading with environment and flag overlays.
 * @packageDocumentation
 */
export { WeftConfigSchema, type WeftConfig } from './config-schema.js'
export { ConfigError, type ConfigProblem } from './config-error.js'
export { loadConfig, configEnvironment, type LoadConfigOptions, type LoadedConfig } from './load-config.js'
