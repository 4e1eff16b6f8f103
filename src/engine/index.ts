/**
 * The engine: runs workflows through the ports, journaling every state change.
 * @packageDocumentation
 */
export { createEngine, Engine, type RunHandle, type StartArgs, type RecoverOptions, type RecoverReport } from './engine.js'
export type { EngineOptions, StartOptions, ResumeOptions } from './engine-options.js'
export type { FailurePolicy, CancelOptions } from './run-execution.js'
export type { RunResult, RunResultBase, StepResult } from './run-result.js'
export type { WeftPlugin, RunHookContext, StepHookContext } from './plugin.js'
export { CancelledError, RunFailedError, InvalidArgumentError, WorkflowChangedError, NonDeterminismError, InvalidJournalError, StepTimeoutError, ChildRunFailedError, RunEndedError, LeaseConflictError, CompensationInterruptedError, EngineClosedError } from './engine-errors.js'
export { MapItemsFailedError, type MapItemsFailedData } from './map-errors.js'
export type { ReplayReport } from './replay.js'
export type { SecretLeakPolicy } from './run-secrets.js'
export type { DefinitionChange } from './definition-summary.js'
