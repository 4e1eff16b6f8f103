import Type, { type TSchema } from 'typebox'
import { compile, isContract } from '../contract/index.js'
import { findCycle, indexGraph } from '../graph/index.js'
import { showValue, textOf } from '../errors/show-value.js'
import { parseDuration } from '../runtime/index.js'
import { WorkflowDefinitionError, type DefinitionProblem } from './definition-error.js'
import { canonicalJson, fingerprintOf, LazyList, PrecomputedJson } from './fingerprint.js'
import { checkMapSpec, mapOutputContract } from './map-step.js'
import { isSecretName, SECRET_NAME_RULE } from '../secrets/secret-name.js'
import type { StepDefinition, Workflow } from './workflow.js'
import type { StepResources, StepRetry } from './step-policies.js'

/**
 * A workflow definition in plain, untyped form: what the builder collects and what
 * declarative loaders produce. {@link defineWorkflow} validates it.
 * @public
 */
export interface WorkflowSpec {
  /** Workflow id. */
  readonly id: unknown
  /** Version label. @defaultValue `'1'` */
  readonly version?: unknown
  /** Input contract. @defaultValue accepts only `undefined` */
  readonly input?: unknown
  /** Output contract. */
  readonly output?: unknown
  /** Output mapper. */
  readonly result?: unknown
  /** Steps in declaration order. */
  readonly steps: readonly StepSpec[]
  /** Policies for steps that set none: `{ retry?, timeout?, totalTimeout? }`. */
  readonly defaults?: unknown
}

/**
 * One step in plain, untyped form (see {@link WorkflowSpec}).
 * @public
 */
export interface StepSpec {
  readonly id: unknown
  readonly needs?: unknown
  readonly output?: unknown
  readonly run?: unknown
  readonly when?: unknown
  readonly estimate?: unknown
  readonly priority?: unknown
  readonly description?: unknown
  readonly meta?: unknown
  readonly inputs?: unknown
  readonly retry?: unknown
  readonly timeout?: unknown
  readonly totalTimeout?: unknown
  readonly resources?: unknown
  readonly concurrencyKey?: unknown
  readonly compensate?: unknown
  readonly compensateRetry?: unknown
  readonly sideEffects?: unknown
  readonly secrets?: unknown
  readonly dryRun?: unknown
  readonly gate?: unknown
  readonly child?: unknown
  /** A map (fan-out) step: `{ over, item, output, run, concurrency?, onItemError? }`; its `retry` and `timeout` apply per item. */
  readonly map?: unknown
  readonly breaker?: unknown
  readonly bulkhead?: unknown
  readonly rateLimit?: unknown
  readonly fallback?: unknown
  readonly heal?: unknown
}

const idPattern = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/
const defaultInput = Type.Undefined()

/** True when `id` is a valid workflow or step id. @public */
export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && idPattern.test(id)
}

function describeId(id: unknown): string {
  return typeof id === 'string' ? JSON.stringify(id) : `a ${id === null ? 'null' : typeof id}`
}

/**
 * Validates a {@link WorkflowSpec} and returns the immutable {@link Workflow}. Reports every
 * problem at once in one {@link WorkflowDefinitionError}: invalid ids, duplicate steps,
 * unknown needs, self-dependencies, cycles (with their path), non-schema contracts and
 * invalid options.
 * @public
 */
export function defineWorkflow(spec: WorkflowSpec): Workflow {
  const problems: DefinitionProblem[] = []
  const workflowId = textOf(spec.id)
  if (!isValidId(spec.id)) {
    problems.push({ path: '/id', code: 'invalid-id', message: `workflow id must match ${idPattern} (1-128 characters), got ${describeId(spec.id)}` })
  }
  const version = spec.version === undefined ? '1' : spec.version
  if (typeof version !== 'string' || version.length === 0) {
    problems.push({ path: '/version', code: 'invalid-option', message: `version must be a non-empty string, got ${describeId(version)}` })
  }
  const input = spec.input === undefined ? defaultInput : spec.input
  if (!isContract(input)) problems.push({ path: '/input', code: 'invalid-contract', message: 'input must be a TypeBox schema' })
  if (spec.output !== undefined && !isContract(spec.output)) {
    problems.push({ path: '/output', code: 'invalid-contract', message: 'output must be a TypeBox schema' })
  }
  if (spec.result !== undefined && typeof spec.result !== 'function') {
    problems.push({ path: '/result', code: 'invalid-option', message: 'result must be a function' })
  }
  if (!Array.isArray(spec.steps) || spec.steps.length === 0) {
    problems.push({ path: '/steps', code: 'empty-workflow', message: 'a workflow needs at least one step' })
  }
  const rawSteps: readonly StepSpec[] = Array.isArray(spec.steps) ? spec.steps : []
  const defaults = (typeof spec.defaults === 'object' && spec.defaults !== null ? spec.defaults : {}) as { retry?: unknown; timeout?: unknown; totalTimeout?: unknown }
  if (spec.defaults !== undefined && (typeof spec.defaults !== 'object' || spec.defaults === null)) {
    problems.push({ path: '/defaults', code: 'invalid-option', message: 'defaults must be an object like { retry, timeout, totalTimeout }' })
  }
  const defaultRetry = checkRetry(defaults.retry, '/defaults/retry', {}, problems)
  const defaultTimeout = checkDuration(defaults.timeout, '/defaults/timeout', {}, problems)
  const defaultTotal = checkDuration(defaults.totalTimeout, '/defaults/totalTimeout', {}, problems)

  const steps: StepDefinition[] = []
  const seen = new Map<string, number>()
  rawSteps.forEach((raw, position) => {
    const at = `/steps/${position}`
    const stepId = isValidId(raw?.id) ? raw.id : undefined
    const label = stepId === undefined ? {} : { stepId }
    if (stepId === undefined) {
      problems.push({ path: `${at}/id`, code: 'invalid-id', message: `step id must match ${idPattern}, got ${describeId(raw?.id)}` })
    } else if (seen.has(stepId)) {
      problems.push({ path: `${at}/id`, code: 'duplicate-step', stepId, message: `duplicate step id "${stepId}" (first declared at /steps/${seen.get(stepId)})` })
    } else {
      seen.set(stepId, position)
    }
    let needs: string[] = []
    if (raw?.needs !== undefined) {
      if (!Array.isArray(raw.needs)) {
        problems.push({ path: `${at}/needs`, code: 'invalid-option', ...label, message: 'needs must be an array of step ids' })
      } else {
        const list = raw.needs as unknown[]
        for (let j = 0; j < list.length; j++) {
          const need = list[j]
          if (typeof need !== 'string') {
            problems.push({ path: `${at}/needs/${j}`, code: 'invalid-option', ...label, message: `a need must be a step id string, got ${describeId(need)}` })
          } else if (need === stepId) {
            problems.push({ path: `${at}/needs/${j}`, code: 'self-dependency', ...label, message: `step "${need}" cannot need itself` })
          } else {
            needs.push(need)
          }
        }
        needs = withoutRepeats(needs)
      }
    }
    const mapped = raw?.map === undefined ? undefined : checkMapSpec(raw, at, label, problems)
    if (raw?.map === undefined && !isContract(raw?.output)) {
      problems.push({ path: `${at}/output`, code: 'invalid-contract', ...label, message: 'output must be a TypeBox schema' })
    }
    const special = raw?.gate !== undefined || raw?.child !== undefined || raw?.map !== undefined
    if (!special && typeof raw?.run !== 'function') {
      problems.push({ path: `${at}/run`, code: 'invalid-option', ...label, message: 'run must be a function' })
    }
    if (raw?.gate !== undefined && (typeof raw.gate !== 'object' || raw.gate === null || typeof (raw.gate as { signal?: unknown }).signal !== 'string' || (raw.gate as { signal: string }).signal.length === 0)) {
      problems.push({ path: `${at}/gate`, code: 'invalid-option', ...label, message: 'gate must be { signal: "<name>" }' })
    }
    if (raw?.child !== undefined) {
      const child = raw.child as { workflow?: { fingerprint?: unknown; steps?: unknown }; input?: unknown } | null
      if (typeof child !== 'object' || child === null || typeof child.workflow?.fingerprint !== 'string' || !Array.isArray(child.workflow?.steps)) {
        problems.push({ path: `${at}/workflow`, code: 'invalid-option', ...label, message: 'workflow must be a built Workflow' })
      } else if (child.input !== undefined && typeof child.input !== 'function') {
        problems.push({ path: `${at}/input`, code: 'invalid-option', ...label, message: 'input must be a function mapping { input, deps } to the child input' })
      }
    }
    for (const key of keyedOptions) {
      const value = raw?.[key] as { key?: unknown } | undefined
      if (value !== undefined && (typeof value !== 'object' || value === null || typeof value.key !== 'string' || value.key.length === 0)) {
        problems.push({ path: `${at}/${key}`, code: 'invalid-option', ...label, message: `${key} must be an object with a non-empty "key"` })
      }
    }
    if (raw?.fallback !== undefined && (typeof raw.fallback !== 'object' || raw.fallback === null || !('value' in raw.fallback))) {
      problems.push({ path: `${at}/fallback`, code: 'invalid-option', ...label, message: 'fallback must be { value, when? }' })
    }
    if (raw?.heal !== undefined && (!Array.isArray(raw.heal) || raw.heal.some((r: unknown) => typeof r !== 'object' || r === null || !('when' in r) || !['retry', 'skip', 'fail', 'fallback'].includes((r as { then?: string }).then ?? '')))) {
      problems.push({ path: `${at}/heal`, code: 'invalid-option', ...label, message: "heal must be a list of { when, do?, then: 'retry' | 'skip' | 'fail' | 'fallback' }" })
    }
    if (raw?.sideEffects !== undefined && typeof raw.sideEffects !== 'boolean') {
      problems.push({ path: `${at}/sideEffects`, code: 'invalid-option', ...label, message: 'sideEffects must be a boolean' })
    }
    if (raw?.inputs !== undefined && (!Array.isArray(raw.inputs) || raw.inputs.length === 0 || !raw.inputs.every((g: unknown) => typeof g === 'string' && g.length > 0))) {
      problems.push({ path: `${at}/inputs`, code: 'invalid-option', ...label, message: 'inputs must be a non-empty list of glob strings (files the step reads)' })
    }
    if (raw?.secrets !== undefined && (!Array.isArray(raw.secrets) || !raw.secrets.every((n: unknown) => isSecretName(n)))) {
      problems.push({ path: `${at}/secrets`, code: 'invalid-option', ...label, message: `secrets must be a list of secret names (${SECRET_NAME_RULE})` })
    }
    if (raw?.dryRun !== undefined && typeof raw.dryRun !== 'function') {
      problems.push({ path: `${at}/dryRun`, code: 'invalid-option', ...label, message: 'dryRun must be a function' })
    }
    if (raw?.when !== undefined && typeof raw.when !== 'function') {
      problems.push({ path: `${at}/when`, code: 'invalid-option', ...label, message: 'when must be a function returning a boolean' })
    }
    let estimate: number | undefined
    if (raw?.estimate !== undefined) {
      estimate = parseDuration(raw.estimate)
      if (estimate === undefined) {
        problems.push({ path: `${at}/estimate`, code: 'invalid-option', ...label, message: `estimate must be a non-negative duration (ms or '30s', '5m', '46h'), got ${showValue(raw.estimate)}` })
      }
    }
    const priority = raw?.priority === undefined ? 0 : raw.priority
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      problems.push({ path: `${at}/priority`, code: 'invalid-option', ...label, message: `priority must be a finite number, got ${showValue(priority)}` })
    }
    if (raw?.meta !== undefined && (typeof raw.meta !== 'object' || raw.meta === null)) {
      problems.push({ path: `${at}/meta`, code: 'invalid-option', ...label, message: 'meta must be an object' })
    }
    const retry = raw?.retry === undefined ? defaultRetry : checkRetry(raw.retry, `${at}/retry`, label, problems)
    const compensateRetry = raw?.compensateRetry === undefined ? undefined : checkRetry(raw.compensateRetry, `${at}/compensateRetry`, label, problems)
    const timeout = raw?.timeout === undefined ? defaultTimeout : checkDuration(raw.timeout, `${at}/timeout`, label, problems)
    const totalTimeout = raw?.totalTimeout === undefined ? defaultTotal : checkDuration(raw.totalTimeout, `${at}/totalTimeout`, label, problems)
    const resources = raw?.resources === undefined ? undefined : checkResources(raw.resources, `${at}/resources`, label, problems)
    if (raw?.concurrencyKey !== undefined && (typeof raw.concurrencyKey !== 'string' || raw.concurrencyKey.length === 0)) {
      problems.push({ path: `${at}/concurrencyKey`, code: 'invalid-option', ...label, message: 'concurrencyKey must be a non-empty string' })
    }
    if (raw?.compensate !== undefined && typeof raw.compensate !== 'function') {
      problems.push({ path: `${at}/compensate`, code: 'invalid-option', ...label, message: 'compensate must be a function' })
    }
    if (stepId !== undefined && seen.get(stepId) === position) {
      // Members assigned in turn (same order as before) rather than spread from a temporary object
      // each: this runs once per step, a million times for the largest definitions.
      const step: Record<string, unknown> = {
        id: stepId,
        index: steps.length,
        needs,
        output: (mapped === undefined ? raw.output : mapOutputContract(mapped.output, mapped.onItemError)) as TSchema,
        run: (typeof raw.run === 'function' ? raw.run : unreachableRun) as StepDefinition['run'],
      }
      if (raw.when !== undefined) step.when = raw.when
      if (estimate !== undefined) step.estimate = estimate
      step.priority = typeof priority === 'number' ? priority : 0
      if (typeof raw.description === 'string') step.description = raw.description
      if (raw.meta !== undefined || raw.inputs !== undefined) step.meta = Object.freeze({ ...(raw.meta as object | undefined), ...(raw.inputs === undefined ? {} : { inputs: Object.freeze([...(raw.inputs as string[])]) }) })
      if (retry !== undefined && raw.map === undefined) step.retry = retry
      if (timeout !== undefined && raw.map === undefined) step.timeout = timeout
      if (totalTimeout !== undefined) step.totalTimeout = totalTimeout
      if (resources !== undefined) step.resources = resources
      if (typeof raw.concurrencyKey === 'string') step.concurrencyKey = raw.concurrencyKey
      if (typeof raw.compensate === 'function') step.compensate = raw.compensate
      if (compensateRetry !== undefined) step.compensateRetry = compensateRetry
      if (raw.sideEffects === true) step.sideEffects = true
      if (Array.isArray(raw.secrets) && raw.secrets.length > 0) step.secrets = Object.freeze([...new Set(raw.secrets as string[])])
      if (typeof raw.dryRun === 'function') step.dryRun = raw.dryRun
      if (raw.breaker !== undefined) step.breaker = raw.breaker
      if (raw.bulkhead !== undefined) step.bulkhead = raw.bulkhead
      if (raw.rateLimit !== undefined) step.rateLimit = raw.rateLimit
      if (raw.fallback !== undefined) step.fallback = raw.fallback
      if (raw.heal !== undefined) step.heal = Object.freeze([...(raw.heal as NonNullable<StepDefinition['heal']>)])
      if (raw.gate !== undefined) step.gate = Object.freeze({ signal: (raw.gate as { signal: string }).signal })
      if (raw.child !== undefined) step.child = Object.freeze({ ...(raw.child as NonNullable<StepDefinition['child']>) })
      if (mapped !== undefined) step.map = Object.freeze({ ...mapped, ...(retry === undefined ? {} : { retry }), ...(timeout === undefined ? {} : { timeout }) })
      steps.push(step as unknown as StepDefinition)
    }
  })

  const { graph, unknown } = indexGraph(steps)
  for (const { id, need } of unknown) {
    const position = seen.get(id)!
    const j = (rawSteps[position]!.needs as unknown[]).indexOf(need)
    problems.push({ path: `/steps/${position}/needs/${j}`, code: 'unknown-need', stepId: id, message: `step "${id}" needs unknown step "${need}"` })
  }
  // Steps left out of the graph (an invalid or duplicate id) still have their needs checked, so
  // that every problem is reported at once.
  rawSteps.forEach((raw, position) => {
    const stepId = isValidId(raw?.id) ? raw.id : undefined
    if ((stepId !== undefined && seen.get(stepId) === position) || !Array.isArray(raw?.needs)) return
    raw.needs.forEach((need: unknown, j: number) => {
      if (typeof need !== 'string' || need === stepId || seen.has(need)) return
      const who = stepId === undefined ? `step at /steps/${position}` : `step "${stepId}"`
      problems.push({ path: `/steps/${position}/needs/${j}`, code: 'unknown-need', ...(stepId === undefined ? {} : { stepId }), message: `${who} needs unknown step "${need}"` })
    })
  })
  const cycle = findCycle(graph)
  if (cycle !== undefined) {
    problems.push({ path: `/steps/${seen.get(cycle[0]!)}`, code: 'cycle', stepId: cycle[0]!, cycle, message: `dependency cycle: ${cycle.join(' -> ')}` })
  }
  const inputSchema = input as TSchema
  const outputSchema = spec.output as TSchema | undefined
  // Compile every contract now: a schema that cannot compile is a definition problem, and runs pay nothing later.
  if (problems.length === 0) {
    const contracts: [string, TSchema | undefined, string | undefined][] = [['/input', inputSchema, undefined], ['/output', outputSchema, undefined]]
    steps.forEach((s) => contracts.push([`/steps/${seen.get(s.id)}/output`, s.output, s.id]))
    steps.forEach((s) => s.map !== undefined && contracts.push([`/steps/${seen.get(s.id)}/map/item`, s.map.item, s.id]))
    for (const [path, schema, stepId] of contracts) {
      if (schema === undefined) continue
      try {
        compile(schema)
      } catch (error) {
        problems.push({ path, code: 'invalid-contract', ...(stepId === undefined ? {} : { stepId }), message: `schema does not compile: ${(error as Error).message}` })
      }
    }
  }
  if (problems.length > 0) throw new WorkflowDefinitionError(workflowId, problems)

  // Steps usually share a handful of schema objects: each is written once, not once per step.
  const schemaTexts = new Map<object, PrecomputedJson>()
  const schemaText = (schema: TSchema | undefined): PrecomputedJson | TSchema | undefined => {
    if (typeof schema !== 'object' || schema === null) return schema
    let text = schemaTexts.get(schema)
    if (text === undefined) schemaTexts.set(schema, (text = new PrecomputedJson(canonicalJson(schema))))
    return text
  }
  const fingerprint = fingerprintOf({
    id: workflowId,
    version,
    input: inputSchema,
    output: outputSchema,
    result: spec.result === undefined ? undefined : 'mapper',
    steps: new LazyList(steps.length, (k) => stepDescriptor(steps[k]!, schemaText)),
  })
  for (const step of steps) Object.freeze(step)
  return Object.freeze({
    id: workflowId,
    version: version as string,
    input: inputSchema,
    ...(outputSchema === undefined ? {} : { output: outputSchema }),
    ...(spec.result === undefined ? {} : { result: spec.result as Workflow['result'] }),
    steps: Object.freeze(steps),
    stepById: new Map(steps.map((s) => [s.id, s])),
    graph,
    fingerprint,
  })
}

/** Step options that name a shared policy by `key`. */
const keyedOptions = ['breaker', 'bulkhead', 'rateLimit'] as const

/** `list` without its repeated entries (first occurrences, in order); `list` itself when it has none. */
function withoutRepeats(list: string[]): string[] {
  if (list.length > 16) return [...new Set(list)] // a Set beats the quadratic scan
  for (let i = 1; i < list.length; i++) if (list.lastIndexOf(list[i]!, i - 1) >= 0) return [...new Set(list)]
  return list
}

const backoffs = new Set(['constant', 'linear', 'exponential', 'decorrelated-jitter'])

function checkRetry(value: unknown, at: string, label: { stepId?: string }, problems: DefinitionProblem[]): StepRetry | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null) {
    problems.push({ path: at, code: 'invalid-option', ...label, message: 'retry must be an object like { attempts: 3 }' })
    return undefined
  }
  const r = value as Record<string, unknown>
  const before = problems.length
  if (typeof r.attempts !== 'number' || !Number.isInteger(r.attempts) || r.attempts < 1) {
    problems.push({ path: `${at}/attempts`, code: 'invalid-option', ...label, message: `retry.attempts must be an integer from 1 and up, got ${showValue(r.attempts)}` })
  }
  if (r.backoff !== undefined && !backoffs.has(r.backoff as string)) {
    problems.push({ path: `${at}/backoff`, code: 'invalid-option', ...label, message: `retry.backoff must be one of ${[...backoffs].join(', ')}, got ${showValue(r.backoff)}` })
  }
  for (const key of ['base', 'max'] as const) {
    if (r[key] !== undefined && parseDuration(r[key]) === undefined) {
      problems.push({ path: `${at}/${key}`, code: 'invalid-option', ...label, message: `retry.${key} must be a duration, got ${showValue(r[key])}` })
    }
  }
  if (r.retryOn !== undefined && typeof r.retryOn !== 'function') {
    problems.push({ path: `${at}/retryOn`, code: 'invalid-option', ...label, message: 'retry.retryOn must be a function' })
  }
  return problems.length === before ? Object.freeze({ ...(value as StepRetry) }) : undefined
}

function checkResources(value: unknown, at: string, label: { stepId?: string }, problems: DefinitionProblem[]): StepResources | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ path: at, code: 'invalid-option', ...label, message: 'resources must be an object like { cpu: 2 }' })
    return undefined
  }
  const before = problems.length
  for (const [pool, amount] of Object.entries(value)) {
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      problems.push({ path: `${at}/${pool}`, code: 'invalid-option', ...label, message: `resources.${pool} must be a non-negative number, got ${showValue(amount)}` })
    }
  }
  return problems.length === before ? Object.freeze({ ...(value as StepResources) }) : undefined
}

/** Body of gate, sub-workflow and map steps: the engine runs those itself. */
function unreachableRun(): never {
  throw new Error('this step is run by the engine (gate, sub-workflow or map)')
}

function checkDuration(value: unknown, at: string, label: { stepId?: string }, problems: DefinitionProblem[]): number | undefined {
  if (value === undefined) return undefined
  const ms = parseDuration(value)
  if (ms === undefined || ms <= 0) {
    problems.push({ path: at, code: 'invalid-option', ...label, message: `${at.split('/').pop()} must be a positive duration (ms or '30s', '5m'), got ${showValue(value)}` })
    return undefined
  }
  return ms
}

/** What of a step enters the definition's fingerprint (behaviour, not function bodies). */
function stepDescriptor(s: StepDefinition, schemaText: (schema: TSchema | undefined) => unknown): Record<string, unknown> {
  return {
    id: s.id,
    needs: s.needs,
    output: schemaText(s.output),
    when: s.when !== undefined,
    estimate: s.estimate,
    priority: s.priority,
    retry: retryShape(s.retry),
    timeout: s.timeout,
    totalTimeout: s.totalTimeout,
    resources: s.resources,
    concurrencyKey: s.concurrencyKey,
    compensate: s.compensate === undefined ? undefined : true,
    sideEffects: s.sideEffects,
    breaker: s.breaker === undefined ? undefined : { key: s.breaker.key, halfOpenAfter: s.breaker.halfOpenAfter },
    bulkhead: s.bulkhead,
    rateLimit: s.rateLimit,
    fallback: s.fallback === undefined ? undefined : true,
    heal: s.heal === undefined ? undefined : s.heal.map((r) => ({ name: r.name, then: r.then })),
    gate: s.gate?.signal,
    child: s.child === undefined ? undefined : s.child.workflow.fingerprint,
    map: s.map === undefined ? undefined : { item: schemaText(s.map.item), concurrency: s.map.concurrency, onItemError: s.map.onItemError, timeout: s.map.timeout, retry: retryShape(s.map.retry) },
    compensateRetry: retryShape(s.compensateRetry),
  }
}

/** A retry policy as it enters the fingerprint: a `retryOn` predicate only as the word `predicate`. */
function retryShape(retry: StepRetry | undefined): unknown {
  return retry === undefined ? undefined : { ...retry, retryOn: retry.retryOn === undefined ? undefined : 'predicate' }
}
