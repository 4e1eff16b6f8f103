/**
 * Templates: reusable typed steps ({@link defineStep}, {@link useStep}), the registry that
 * declarative files resolve `uses` against, and the built-in templates `noop`, `sleep`,
 * `simulate` and `exec`.
 * @packageDocumentation
 */
export { defineStep, isStepTemplate, type StepTemplate, type DefineStepOptions, type TemplateContext, type TemplateStepInfo } from './step-template.js'
export { useStep, type TemplateStep } from './use-step.js'
export { templateRegistry, type TemplateRegistry, type TemplateRegistryInit } from './template-registry.js'
export { TemplateDefinitionError, TemplateParamsError, type TemplateDefinitionErrorData, type TemplateSite } from './template-errors.js'
export { builtinTemplates, type BuiltinTemplatesOptions } from './builtin-templates.js'
export { DurationSchema } from './builtin/duration-schema.js'
export { noopTemplate } from './builtin/noop.js'
export { sleepTemplate } from './builtin/sleep.js'
export { simulateTemplate, SimulateOutput } from './builtin/simulate.js'
export { execTemplate, createExecTemplate, ExecNotAllowedError, ExecParams, ExecOutput, type ExecParameters, type ExecResult, type ExecTemplateOptions } from './builtin/exec.js'
export { ExecFailedError, type ExecFailedErrorData } from './builtin/exec-failed-error.js'
