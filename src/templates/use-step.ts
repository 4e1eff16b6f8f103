import type { Static, TSchema } from 'typebox'
import { issuesOf } from '../contract/index.js'
import type { StepTemplate, TemplateContext } from './step-template.js'
import { TemplateParamsError, type TemplateSite } from './template-errors.js'

/**
 * The part of a step's options that {@link useStep} fills in: the template's output contract
 * and a body bound to the parameters. Spread it into the builder's step options.
 * @public
 */
export interface TemplateStep<O extends TSchema> {
  /** The template's output contract (so the builder infers the step's output type). */
  readonly output: O
  /** The template body, bound to the checked parameters. */
  readonly run: (ctx: TemplateContext) => Promise<Static<O>>
  /** Set when the template acts on the world (dry runs simulate the step). */
  readonly sideEffects?: true
}

/**
 * Binds a template to its parameters, for the typed builder. `params` are checked against the
 * template's `with` contract now, when the workflow is defined: a mismatch throws a
 * {@link TemplateParamsError} (a `ContractViolation` with direction `step-input`) listing every
 * issue with its JSON pointer. The parameters are copied and frozen, so later changes to the
 * object passed in do not reach the step.
 * @param site - Names the workflow and step in the error message (default: neither).
 * @example
 * ```ts
 * workflow('ci')
 *   .step('build', { output: Type.Null(), run: () => null })
 *   .step('test', { needs: ['build'], ...useStep(exec, { command: 'npm', args: ['test'] }) })
 *   .build()
 * ```
 * @public
 */
export function useStep<W extends TSchema, O extends TSchema>(template: StepTemplate<W, O>, params: Static<W>, site?: TemplateSite): TemplateStep<O> {
  const issues = issuesOf(template.with, params)
  if (issues.length > 0) throw new TemplateParamsError(template.name, issues, site)
  const bound = frozenCopy(params) as Static<W>
  return {
    output: template.output,
    run: async (ctx) => template.run(ctx, bound),
    ...(template.sideEffects === true ? { sideEffects: true as const } : {}),
  }
}

/** A deep, frozen copy of plain data; values that cannot be cloned are frozen as they are. */
function frozenCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value
  let copy: T
  try {
    copy = structuredClone(value)
  } catch {
    return value
  }
  return deepFreeze(copy)
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}
