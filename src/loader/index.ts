/**
 * Declarative workflow files: the file format as a TypeBox schema (exported as JSON Schema to
 * `schema/workflow.schema.json`), and loaders that turn JSON or YAML into a validated
 * `Workflow`, reporting every problem with its JSON pointer, line and column.
 * @packageDocumentation
 */
export { loadWorkflow, type LoadWorkflowOptions } from './load-workflow.js'
export { loadWorkflowFile } from './load-workflow-file.js'
export type { LoaderLimits } from './read-source.js'
export { isLoaderProblem, loaderProblemsOf, type LoaderProblem, type LoaderProblemKind } from './loader-problem.js'
export { WorkflowFileSchema, FileStepSchema, ConditionSchema, type WorkflowFile, type FileStep, type FileCondition } from './workflow-file-schema.js'
export { workflowJsonSchema } from './workflow-json-schema.js'
