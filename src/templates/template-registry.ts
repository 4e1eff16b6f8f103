import { isPollutingKey } from '../contract/untrusted-data.js'
import { isStepTemplate, type StepTemplate } from './step-template.js'
import { TemplateDefinitionError } from './template-errors.js'

/** Names a registry accepts: letters, digits and `_ . : / @ -`, 1–128 characters. */
const namePattern = /^[A-Za-z0-9_@][A-Za-z0-9_.:/@-]{0,127}$/

/**
 * Maps template names to {@link StepTemplate}s so declarative files can say
 * `"uses": "<name>"`. Names are unique: registering a name twice is an error, so a plugin
 * cannot silently replace a template another one relies on.
 * @public
 */
export interface TemplateRegistry {
  /**
   * Adds `template` under `name` and returns the registry (for chaining). Throws
   * {@link TemplateDefinitionError} when the name is taken (`duplicate-name`), not allowed
   * (`invalid-name`: letters, digits and `_ . : / @ -`, 1–128 characters, not `__proto__`,
   * `constructor` or `prototype`) or `template` was not made by {@link defineStep}
   * (`not-a-template`).
   */
  register(name: string, template: StepTemplate<any, any>): TemplateRegistry
  /** The template registered under `name`, or `undefined`. */
  get(name: string): StepTemplate | undefined
  /** True when `name` is registered. */
  has(name: string): boolean
  /** Registered names, in registration order. */
  names(): string[]
}

/**
 * What {@link templateRegistry} starts from: another registry (copied), a record of templates
 * by name, or `[name, template]` pairs.
 * @public
 */
export type TemplateRegistryInit =
  | TemplateRegistry
  | Readonly<Record<string, StepTemplate<any, any>>>
  | Iterable<readonly [string, StepTemplate<any, any>]>

/**
 * Makes a {@link TemplateRegistry}, optionally filled from `initial` (copied: later changes to
 * `initial` do not show here).
 * @param initial - Templates to start with. @defaultValue none (an empty registry)
 * @example
 * ```ts
 * const registry = templateRegistry(builtinTemplates()).register('deploy', deployTemplate)
 * const wf = await loadWorkflowFile('deploy.yaml', { registry })
 * ```
 * @public
 */
export function templateRegistry(initial?: TemplateRegistryInit): TemplateRegistry {
  const templates = new Map<string, StepTemplate>()
  const registry: TemplateRegistry = {
    register(name, template) {
      if (typeof name !== 'string' || !namePattern.test(name) || isPollutingKey(name)) {
        throw new TemplateDefinitionError(`Expected \`name\` to match ${namePattern} (and not be __proto__, constructor or prototype), got \`${String(name)}\``, { reason: 'invalid-name', name: String(name) })
      }
      if (templates.has(name)) {
        throw new TemplateDefinitionError(`a template named "${name}" is already registered`, { reason: 'duplicate-name', name })
      }
      if (!isStepTemplate(template)) {
        throw new TemplateDefinitionError(`Expected the template "${name}" to be made by defineStep(), got \`${template === null ? 'null' : typeof template}\``, { reason: 'not-a-template', name })
      }
      templates.set(name, template)
      return registry
    },
    get: (name) => templates.get(name),
    has: (name) => templates.has(name),
    names: () => [...templates.keys()],
  }
  for (const [name, template] of entriesOf(initial)) registry.register(name, template)
  return registry
}

function entriesOf(initial: TemplateRegistryInit | undefined): Iterable<readonly [string, StepTemplate]> {
  if (initial === undefined) return []
  if (isRegistry(initial)) return initial.names().map((name) => [name, initial.get(name)!] as const)
  if (Symbol.iterator in initial) return initial as Iterable<readonly [string, StepTemplate]>
  return Object.entries(initial as Readonly<Record<string, StepTemplate>>)
}

function isRegistry(value: TemplateRegistryInit): value is TemplateRegistry {
  return typeof (value as TemplateRegistry).names === 'function' && typeof (value as TemplateRegistry).get === 'function' && typeof (value as TemplateRegistry).register === 'function'
}
