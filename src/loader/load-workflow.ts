import Type, { type TSchema } from 'typebox'
import { InvalidArgumentError } from '../engine/index.js'
import { isValidId, defineWorkflow, WorkflowDefinitionError, type StepSpec, type Workflow } from '../workflow/index.js'
import { parseDuration, type Duration } from '../runtime/index.js'
import { useStep, type StepTemplate, type TemplateRegistry, type TemplateStepInfo } from '../templates/index.js'
import { compileCondition } from './condition.js'
import { contractIssues } from './contract-issues.js'
import type { LoaderProblem, LoaderProblemKind } from './loader-problem.js'
import { defaultLimits, readJson, readObject, readYaml, tooLargeSource, type LoaderLimits, type PositionIndex, type ReadResult, type ResolvedLimits } from './read-source.js'
import { schemaIssues } from './schema-issues.js'
import { textOf } from '../errors/show-value.js'
import { closest } from './suggest.js'
import { WorkflowFileSchema, type FileCondition } from './workflow-file-schema.js'

/**
 * Options of {@link loadWorkflow} and {@link loadWorkflowFile}.
 * @public
 */
export interface LoadWorkflowOptions {
  /**
   * Templates that the file's `uses` (and `compensate.uses`) names resolve against.
   * @example `{ registry: builtinTemplates().register('deploy', deploy) }`
   */
  readonly registry: TemplateRegistry
  /**
   * Syntax of a text source.
   * @defaultValue from the extension of `file` (`.json`; `.yaml`/`.yml`), else `json` when
   * the text starts with `{`, else `yaml`
   */
  readonly format?: 'json' | 'yaml'
  /**
   * Name of the source, for messages (and to choose the format).
   * @defaultValue none
   */
  readonly file?: string
  /**
   * Size, depth and value-count limits.
   * @defaultValue `{ maxBytes: 1048576, maxDepth: 64, maxNodes: 100000 }`
   */
  readonly limits?: LoaderLimits
}

const unknownId = '<workflow file>'

/**
 * Loads a declarative workflow (JSON or YAML text, or the same data as an object) into a
 * validated, immutable {@link Workflow}. It parses the text (YAML with positions), checks it
 * against {@link WorkflowFileSchema} (unknown keys are errors), resolves each `uses` against
 * the registry, checks each `with` against its template's contract, compiles each `when`, and
 * hands the result to `defineWorkflow`. Every problem found on the way — syntax, limits,
 * forbidden keys, schema, unknown templates, bad `with`, bad `when`, and the definition
 * problems of `defineWorkflow` (unknown needs, cycles, duplicate ids…) — is reported at once
 * in one {@link WorkflowDefinitionError} whose problems are {@link LoaderProblem}s, each with
 * its JSON pointer and, for text, line and column. Nothing else is thrown for any content.
 *
 * Mapping: a step's output contract is its template's `output`; its body runs the template
 * with the checked `with` (defaults from the template's `defaults`, e.g. `simulate` takes its
 * duration from `estimate`); `retry`, `timeout`, `estimate`, `resources`, `priority` and
 * `concurrencyKey` are the builder's options of the same names; `compensate: { uses, with,
 * retry }` becomes the step's `compensate` (running that template) and `compensateRetry`; the
 * template name is kept in the step's `meta.uses`. The workflow takes the input described by
 * `input` (a JSON Schema; none = no input) and its output is the map of step outputs, checked
 * against `output` when given.
 * @throws {@link WorkflowDefinitionError} listing every problem of the file.
 * @throws {@link InvalidArgumentError} when the options themselves are invalid.
 * @example
 * ```ts
 * const wf = loadWorkflow(yamlText, { registry: builtinTemplates(), format: 'yaml' })
 * await createEngine().run(wf)
 * ```
 * @public
 */
export function loadWorkflow(source: string | Uint8Array | object, options: LoadWorkflowOptions): Workflow {
  const limits = checkOptions(options)
  const read = readSource(source, options, limits)
  if (!read.ok) throw failure(undefined, read.problems, read.positions, options)
  return build(read.value, read.positions, read.problems, options.registry, options)
}

/** Checks the options (programming errors, not file problems) and resolves the limits. */
export function checkOptions(options: LoadWorkflowOptions): ResolvedLimits {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'an object', options)
  const registry = options.registry as Partial<TemplateRegistry> | undefined
  if (typeof registry !== 'object' || registry === null || typeof registry.get !== 'function' || typeof registry.names !== 'function') {
    throw new InvalidArgumentError('registry', 'a TemplateRegistry (see templateRegistry())', registry)
  }
  if (options.format !== undefined && options.format !== 'json' && options.format !== 'yaml') throw new InvalidArgumentError('format', "'json' or 'yaml'", options.format)
  if (options.file !== undefined && typeof options.file !== 'string') throw new InvalidArgumentError('file', 'a string', options.file)
  const limits = { ...defaultLimits }
  for (const key of ['maxBytes', 'maxDepth', 'maxNodes'] as const) {
    const value = options.limits?.[key]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`limits.${key}`, 'an integer from 1 and up', value)
    limits[key] = value
  }
  return limits
}

function formatOf(text: string, options: LoadWorkflowOptions): 'json' | 'yaml' {
  if (options.format !== undefined) return options.format
  const file = options.file?.toLowerCase()
  if (file?.endsWith('.json')) return 'json'
  if (file?.endsWith('.yaml') || file?.endsWith('.yml')) return 'yaml'
  return text.trimStart().startsWith('{') ? 'json' : 'yaml'
}

/** Reads text or an object source into plain data. */
export function readSource(source: string | Uint8Array | object, options: LoadWorkflowOptions, limits: ResolvedLimits): ReadResult {
  if (source instanceof Uint8Array) {
    if (source.byteLength > limits.maxBytes) return tooLargeSource(source.byteLength, limits)
    source = new TextDecoder('utf-8').decode(source)
  }
  if (typeof source === 'string') return formatOf(source, options) === 'json' ? readJson(source, limits) : readYaml(source, limits)
  return readObject(source, limits)
}

/** A {@link WorkflowDefinitionError} with the problems, positioned and labelled. */
function failure(workflowId: string | undefined, problems: readonly LoaderProblem[], positions: PositionIndex | undefined, options: LoadWorkflowOptions, stepIds?: readonly (string | undefined)[]): WorkflowDefinitionError {
  const placed = problems.map((p) => place(p, positions, stepIds))
  // In document order when the source was text (stable: problems without a position keep their order, last).
  const order = (p: LoaderProblem) => (p.line === undefined ? Infinity : p.line * 1e7 + (p.column ?? 0))
  placed.sort((a, b) => order(a) - order(b))
  return new WorkflowDefinitionError(workflowId ?? options.file ?? unknownId, placed)
}

const keyKinds = new Set<LoaderProblemKind>(['unknown-key', 'forbidden-key', 'duplicate-key'])

function place(p: LoaderProblem, positions: PositionIndex | undefined, stepIds?: readonly (string | undefined)[]): LoaderProblem {
  let out = p
  if (out.line === undefined && positions !== undefined) {
    // The value's own position, else (a missing key, a value never read) its nearest ancestor's.
    let at = keyKinds.has(p.kind) ? positions.key(p.path) : positions.value(p.path)
    for (let path = p.path; at === undefined && path !== ''; ) {
      path = path.slice(0, path.lastIndexOf('/'))
      at = positions.value(path)
    }
    if (at !== undefined) out = { ...out, line: at.line, column: at.column }
  }
  if (out.stepId === undefined && stepIds !== undefined) {
    const index = /^\/steps\/(\d+)(\/|$)/.exec(p.path)?.[1]
    const stepId = index === undefined ? undefined : stepIds[Number(index)]
    if (stepId !== undefined) out = { ...out, stepId }
  }
  return out
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

function problem(kind: LoaderProblemKind, path: string, message: string, code: LoaderProblem['code'] = 'invalid-option'): LoaderProblem {
  return { path, code, kind, message }
}

/** Which `code` a schema issue at `path` gets. */
function codeFor(path: string, message: string): LoaderProblem['code'] {
  if (/^(\/steps\/\d+)?\/id$/.test(path) || /^\/steps\/\d+\/needs\/\d+$/.test(path)) return 'invalid-id'
  if (path === '/steps' && message === 'must not be empty') return 'empty-workflow'
  if (path === '/input' || path === '/output') return 'invalid-contract'
  return 'invalid-option'
}

function build(value: unknown, positions: PositionIndex | undefined, initial: readonly LoaderProblem[], registry: TemplateRegistry, options: LoadWorkflowOptions): Workflow {
  const problems: LoaderProblem[] = [...initial]
  const root = isObject(value) ? value : undefined
  const workflowId = typeof root?.id === 'string' && root.id.length > 0 && root.id.length <= 128 ? root.id : undefined
  const rawSteps = Array.isArray(root?.steps) ? (root.steps as unknown[]) : undefined
  const stepIds = (rawSteps ?? []).map((s) => (isObject(s) && isValidId(s.id) ? s.id : undefined))

  const issues = schemaIssues(WorkflowFileSchema, value)
  for (const issue of issues) problems.push(problem(issue.kind, issue.path, issue.message, codeFor(issue.path, issue.message)))
  /** True when the schema found something wrong at `path` or inside it. */
  const flagged = (path: string) => issues.some((i) => i.path === path || i.path.startsWith(`${path}/`))

  if (root === undefined || rawSteps === undefined) throw failure(workflowId, problems, positions, options, stepIds)

  const allIds = new Set(stepIds.filter((id): id is string => id !== undefined))
  const suppressed: string[] = []
  const specs: StepSpec[] = rawSteps.map((raw, i) => {
    const at = `/steps/${i}`
    if (!isObject(raw)) {
      suppressed.push(at)
      return { id: `\u0000${i}`, output: Type.Unknown(), run: placeholder }
    }
    const stepId = stepIds[i]
    const idText = stepId ?? textOf(raw.id) // what templates are told the step's id is
    const site = { ...(workflowId === undefined ? {} : { workflowId }), ...(stepId === undefined ? {} : { stepId }) }
    const template = resolve(registry, raw.uses, `${at}/uses`, flagged, problems)
    const spec: { -readonly [K in keyof StepSpec]: StepSpec[K] } = { id: raw.id, output: template?.output ?? Type.Unknown(), run: placeholder, meta: Object.freeze({ uses: raw.uses }) }
    if (raw.needs !== undefined && !flagged(`${at}/needs`)) spec.needs = raw.needs
    else if (Array.isArray(raw.needs)) spec.needs = raw.needs.filter((n) => typeof n === 'string')
    for (const key of ['estimate', 'timeout', 'retry', 'resources', 'priority', 'concurrencyKey', 'description', 'secrets', 'inputs'] as const) {
      if (raw[key] !== undefined && !flagged(`${at}/${key}`)) spec[key] = raw[key]
    }
    if (template !== undefined && !flagged(`${at}/with`)) {
      const info: TemplateStepInfo = {
        id: idText,
        ...(parseDuration(raw.estimate) !== undefined && !flagged(`${at}/estimate`) ? { estimate: raw.estimate as Duration } : {}),
        ...(parseDuration(raw.timeout) !== undefined && !flagged(`${at}/timeout`) ? { timeout: raw.timeout as Duration } : {}),
      }
      const params = paramsFor(template, info, raw.with, `${at}/with`, problems)
      if (params !== undefined) spec.run = useStep(template, params, site).run
      if (template.sideEffects === true) spec.sideEffects = true
    }
    if (raw.when !== undefined && !flagged(`${at}/when`)) {
      const needs = new Set(Array.isArray(raw.needs) ? raw.needs.filter((n): n is string => typeof n === 'string') : [])
      const compiled = compileCondition(raw.when as FileCondition, needs, allIds, `${at}/when`)
      for (const p of compiled.problems) problems.push(problem('invalid-when', p.path, p.message))
      spec.when = ({ deps }: { deps: Readonly<Record<string, unknown>> }) => compiled.test(deps)
    }
    const compensate = raw.compensate
    if (isObject(compensate) && !flagged(`${at}/compensate`)) {
      const undo = resolve(registry, compensate.uses, `${at}/compensate/uses`, flagged, problems)
      if (undo !== undefined) {
        const params = paramsFor(undo, { id: idText }, compensate.with, `${at}/compensate/with`, problems)
        if (params !== undefined) {
          const run = useStep(undo, params, site).run
          spec.compensate = async (ctx: Parameters<typeof run>[0]) => {
            await run(ctx)
          }
          if (compensate.retry !== undefined) spec.compensateRetry = compensate.retry
        }
      }
    }
    return spec
  })

  const input = root.input !== undefined && !flagged('/input') ? deepFreeze(root.input) : undefined
  const output = root.output !== undefined && !flagged('/output') ? deepFreeze(root.output) : undefined
  let workflow: Workflow | undefined
  try {
    workflow = defineWorkflow({
      id: root.id,
      ...(typeof root.version === 'string' && root.version.length > 0 ? { version: root.version } : {}),
      ...(input === undefined ? {} : { input: input as TSchema }),
      ...(output === undefined ? {} : { output: output as TSchema }),
      steps: specs,
    })
  } catch (error) {
    if (!(error instanceof WorkflowDefinitionError)) throw error
    const seen = new Set([...problems.map((p) => p.path), ...issues.flatMap((i) => (i.missing === undefined ? [] : [i.missing]))])
    for (const p of error.data.problems) {
      if (seen.has(p.path) || suppressed.some((s) => p.path === s || p.path.startsWith(`${s}/`))) continue
      // The file's `id` and `needs` were already checked against the schema, so a definition
      // problem at the same place says nothing new.
      seen.add(p.path)
      problems.push({ ...p, kind: 'definition' })
    }
  }
  if (problems.length > 0 || workflow === undefined) throw failure(workflowId, problems, positions, options, stepIds)
  return workflow
}

function placeholder(): never {
  throw new Error('unreachable: a workflow with problems is never built')
}

/** Looks up a template name; reports an unknown one with the closest registered name. */
function resolve(registry: TemplateRegistry, name: unknown, path: string, flagged: (path: string) => boolean, problems: LoaderProblem[]): StepTemplate | undefined {
  if (typeof name !== 'string' || flagged(path)) return undefined
  const template = registry.has(name) ? registry.get(name) : undefined
  if (template !== undefined) return template
  const names = registry.names()
  const guess = closest(name, names)
  const hint = guess !== undefined ? ` (did you mean "${guess}"?)` : names.length === 0 ? ' (the registry is empty)' : names.length <= 12 ? ` (registered: ${names.join(', ')})` : ''
  problems.push(problem('unknown-template', path, `unknown template "${name}"${hint}`))
  return undefined
}

/** The template's parameters for a step: its defaults under the file's `with`, checked against the contract. */
function paramsFor(template: StepTemplate, info: TemplateStepInfo, given: unknown, path: string, problems: LoaderProblem[]): unknown {
  let defaults: unknown = {}
  if (template.defaults !== undefined) {
    try {
      defaults = template.defaults(info)
    } catch (error) {
      problems.push(problem('invalid-with', path, `the defaults of template "${template.name}" failed: ${error instanceof Error ? error.message : String(error)}`))
      return undefined
    }
  }
  const params = { ...(isObject(defaults) ? defaults : {}), ...(isObject(given) ? given : {}) }
  const issues = contractIssues(template.with, params)
  for (const issue of issues) problems.push(problem('invalid-with', `${path}${issue.path}`, `${issue.message} (template "${template.name}")`))
  return issues.length === 0 ? params : undefined
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}
