import type { Static, TSchema } from 'typebox'
import { isContract } from '../contract/index.js'
import type { Duration } from '../runtime/index.js'
import type { StepContext } from '../workflow/index.js'
import { TemplateDefinitionError } from './template-errors.js'

/**
 * The context a template body receives: the step's own {@link StepContext}. A template cannot
 * know the workflow it is used in, so `input` and `deps` are untyped here.
 * @public
 */
export type TemplateContext = StepContext<unknown, Readonly<Record<string, unknown>>>

/**
 * What a template may read from the step that uses it in a declarative file, to derive
 * defaults for parameters the file leaves out (see {@link DefineStepOptions.defaults}).
 * @public
 */
export interface TemplateStepInfo {
  /** Id of the step. */
  readonly id: string
  /** The step's `estimate`, as written in the file. */
  readonly estimate?: Duration
  /** The step's `timeout`, as written in the file. */
  readonly timeout?: Duration
}

/**
 * A reusable, typed step: a parameter contract (`with`), an output contract and a body. Use it
 * in the builder with {@link useStep}, or register it in a {@link TemplateRegistry} so that
 * declarative files can say `"uses": "<name>"`. Made by {@link defineStep}; immutable.
 * @public
 */
export interface StepTemplate<W extends TSchema = TSchema, O extends TSchema = TSchema> {
  /** Brand that {@link isStepTemplate} checks. */
  readonly kind: 'weft.step-template'
  /** Name for messages and reports. @defaultValue `'anonymous'` */
  readonly name: string
  /** Contract of the parameters (`with`). */
  readonly with: W
  /** Contract of the output. */
  readonly output: O
  /** Free text for plans, reports and editors. */
  readonly description?: string
  /**
   * Defaults the declarative loader derives from the using step, applied under the file's own
   * `with` (the file wins). `undefined` when the template has none.
   */
  readonly defaults?: (step: TemplateStepInfo) => Partial<Static<W>>
  /** Steps using it act on the world: dry runs do not run them (see `StepOptions.sideEffects`). */
  readonly sideEffects?: boolean
  /** The body: the step context and the checked parameters. */
  run(ctx: TemplateContext, params: Static<W>): Static<O> | Promise<Static<O>>
}

/**
 * Options of {@link defineStep}.
 * @public
 */
export interface DefineStepOptions<W extends TSchema, O extends TSchema> {
  /**
   * Name shown in messages (a registry may list the template under another name).
   * @defaultValue `'anonymous'`
   */
  readonly name?: string
  /**
   * TypeBox contract of the parameters. Prefer an object schema with
   * `additionalProperties: false`, so that a typo in a file's `with` is an error; a file step
   * without `with` passes `{}`.
   */
  readonly with: W
  /** TypeBox contract of the output; the engine checks every result against it. */
  readonly output: O
  /**
   * The body. `params` are already checked against `with`.
   * @example
   * ```ts
   * run: async ({ signal }, { url }) => ({ status: (await fetch(url, { signal })).status })
   * ```
   */
  readonly run: (ctx: TemplateContext, params: Static<W>) => Static<O> | Promise<Static<O>>
  /** Free text. @defaultValue none */
  readonly description?: string
  /**
   * Parameters derived from the using step of a declarative file when the file leaves them
   * out, e.g. `simulate` takes its `duration` from the step's `estimate`.
   * @defaultValue none
   */
  readonly defaults?: (step: TemplateStepInfo) => Partial<Static<W>>
  /**
   * The template acts on the world (runs programs, deploys, pays): steps using it are marked
   * `sideEffects`, so a dry run generates their output instead of running them.
   * @defaultValue false
   */
  readonly sideEffects?: boolean
}

function invalid(option: string, expected: string, value: unknown): TemplateDefinitionError {
  return new TemplateDefinitionError(`Expected \`${option}\` to be ${expected}, got \`${value === null ? 'null' : typeof value}\``, { reason: 'invalid-option', option })
}

/**
 * Makes a typed, reusable step template. Throws {@link TemplateDefinitionError} (reason
 * `invalid-option`) when an option has the wrong type.
 * @example
 * ```ts
 * const greet = defineStep({
 *   name: 'greet',
 *   with: Type.Object({ name: Type.String() }, { additionalProperties: false }),
 *   output: Type.String(),
 *   run: (_ctx, { name }) => `hello ${name}`,
 * })
 * workflow('w').step('hi', { ...useStep(greet, { name: 'Ada' }) }).build()
 * ```
 * @public
 */
export function defineStep<W extends TSchema, O extends TSchema>(options: DefineStepOptions<W, O>): StepTemplate<W, O> {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options)
  if (!isContract(options.with)) throw invalid('with', 'a TypeBox schema', options.with)
  if (!isContract(options.output)) throw invalid('output', 'a TypeBox schema', options.output)
  if (typeof options.run !== 'function') throw invalid('run', 'a function', options.run)
  if (options.defaults !== undefined && typeof options.defaults !== 'function') throw invalid('defaults', 'a function', options.defaults)
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length === 0)) throw invalid('name', 'a non-empty string', options.name)
  if (options.description !== undefined && typeof options.description !== 'string') throw invalid('description', 'a string', options.description)
  if (options.sideEffects !== undefined && typeof options.sideEffects !== 'boolean') throw invalid('sideEffects', 'a boolean', options.sideEffects)
  const run = options.run
  return Object.freeze({
    kind: 'weft.step-template' as const,
    name: options.name ?? 'anonymous',
    with: options.with,
    output: options.output,
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.defaults === undefined ? {} : { defaults: options.defaults }),
    ...(options.sideEffects === true ? { sideEffects: true } : {}),
    run: (ctx: TemplateContext, params: Static<W>) => run(ctx, params),
  })
}

/**
 * True when `value` is a {@link StepTemplate} made by {@link defineStep}.
 * @public
 */
export function isStepTemplate(value: unknown): value is StepTemplate {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'weft.step-template'
}
