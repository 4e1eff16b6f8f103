/**
 * Workflows: the typed builder, validated immutable definitions and their fingerprints.
 * @packageDocumentation
 */
export { workflow, WorkflowBuilder, type StepOptions, type WorkflowOptions, type DepsOf, type NewStepId, type BuiltOutput, type SubWorkflowStepOptions, type GateOptions, type MapStepOptions, type MapStepOutput } from './builder.js'
export type { MapDefinition, MapItemContext, MapItemErrorMode, MapItemResult } from './map-step.js'
export { defineWorkflow, isValidId, type WorkflowSpec, type StepSpec } from './define-workflow.js'
export { WorkflowDefinitionError, type DefinitionProblem } from './definition-error.js'
export { reuseOutputs } from './reuse-outputs.js'
export { canonicalJson, fingerprintOf } from './fingerprint.js'
export type { StepDefinition, Workflow, WorkflowInput, WorkflowOutput, WorkflowSteps } from './workflow.js'
export type { StepContext, StepLogger, WhenContext } from './step-context.js'
export type { StepDefaults, StepRetry, StepResources, StepBreaker, StepBulkhead, StepRateLimit, StepFallback, StepRemedies } from './step-policies.js'
