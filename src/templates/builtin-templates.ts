import { createExecTemplate, type ExecTemplateOptions } from './builtin/exec.js'
import { noopTemplate } from './builtin/noop.js'
import { simulateTemplate } from './builtin/simulate.js'
import { sleepTemplate } from './builtin/sleep.js'
import { templateRegistry, type TemplateRegistry } from './template-registry.js'

/**
 * A new registry holding the built-in templates: `noop`, `sleep`, `simulate` and `exec`.
 * Each call returns a fresh registry, so registering your own templates in it affects no one
 * else.
 * @example
 * ```ts
 * const registry = builtinTemplates().register('deploy', deploy)
 * ```
 * @public
 */
export function builtinTemplates(options: BuiltinTemplatesOptions = {}): TemplateRegistry {
  return templateRegistry([
    ['noop', noopTemplate],
    ['sleep', sleepTemplate],
    ['simulate', simulateTemplate],
    ['exec', createExecTemplate(options.exec)],
  ])
}

/**
 * Options of {@link builtinTemplates}.
 * @public
 */
export interface BuiltinTemplatesOptions {
  /** Options of the `exec` template, e.g. `{ allow: ['npm', 'git'] }`. */
  readonly exec?: ExecTemplateOptions
}
