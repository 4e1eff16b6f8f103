import Type, { type TSchema } from 'typebox'
import { isContract } from '../contract/index.js'
import type { SerializedError } from '../errors/index.js'
import type { DefinitionProblem } from './definition-error.js'
import type { StepContext, WhenContext } from './step-context.js'
import type { StepRetry } from './step-policies.js'

/**
 * What a map step does when one of its items fails for good (after its retries):
 * - `'fail'`: the map step fails with a `MapItemsFailedError`. Under the run's `failFast`
 *   policy it stops at the first such item (running items are aborted); under `continue` the
 *   other items still run (they do not depend on each other) and the error lists every item
 *   that failed.
 * - `'collect'`: the map step succeeds and its output holds a {@link MapItemResult} per item,
 *   `{ ok: false, error }` where the item failed.
 * @public
 */
export type MapItemErrorMode = 'fail' | 'collect'

/**
 * One item's outcome in the output of a map step with `onItemError: 'collect'`. `error` keeps
 * the name, message and code of the item's last error (what the journal reproduces exactly).
 * @public
 */
export type MapItemResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: Pick<SerializedError, 'name' | 'message' | 'code'> }

/**
 * What the body of a map step receives for one item: a step context (its own `attempt`,
 * `signal`, `idempotencyKey`, `random()`) plus the item and its position.
 * @public
 */
export interface MapItemContext<I, D, T> extends StepContext<I, D> {
  /** The item, already checked against the map's `item` contract. */
  readonly item: T
  /** Position of the item in the list `over` returned, from 0. */
  readonly index: number
  /**
   * Attempt number of this item, from 1; each item counts its own attempts (across resumes).
   */
  readonly attempt: number
  /** `<runId>/<stepId>/<index>`: stable for this item across its attempts and resumes. */
  readonly idempotencyKey: string
  /** A float in [0, 1) from a PRNG seeded by the run seed, the step id and the item index. */
  random(): number
}

/**
 * A map step as the engine sees it (`StepDefinition.map`): the list to fan out over and the
 * body run once per item. The step's own `output` is the array contract derived from `output`.
 * @public
 */
export interface MapDefinition {
  /** Derives the items from the workflow input and the outputs of the step's needs. */
  readonly over: (ctx: WhenContext<unknown, Readonly<Record<string, unknown>>>) => unknown
  /** Contract of one item, checked for every item before any item runs. */
  readonly item: TSchema
  /** Contract of one item's result, checked after every attempt. */
  readonly output: TSchema
  /** The body, run once per item (plus retries). */
  readonly run: (ctx: MapItemContext<unknown, Readonly<Record<string, unknown>>, unknown>) => unknown
  /** Most items of this step running at once (the run's `concurrency` bounds it too). */
  readonly concurrency?: number
  /** See {@link MapItemErrorMode}. */
  readonly onItemError: MapItemErrorMode
  /** Retry policy of each item. */
  readonly retry?: StepRetry
  /** Time limit of each item attempt, in ms. */
  readonly timeout?: number
}

/** Step options that make no sense for a map step (its items have no fallback, healing, saga or dry-run stand-in). */
const unsupported = ['run', 'output', 'gate', 'child', 'compensate', 'compensateRetry', 'fallback', 'heal', 'sideEffects', 'dryRun'] as const

/** Contract of the `error` of a failed item in a collected map output. */
const collectedErrorContract = Type.Object({ name: Type.String(), message: Type.String(), code: Type.Optional(Type.String()) })

/**
 * The contract of a map step's output: an array of item results (`'fail'`) or of
 * {@link MapItemResult}s (`'collect'`).
 * @internal
 */
export function mapOutputContract(output: TSchema, mode: MapItemErrorMode): TSchema {
  if (mode === 'fail') return Type.Array(output)
  return Type.Array(
    Type.Union([
      Type.Object({ ok: Type.Literal(true), value: output }),
      Type.Object({ ok: Type.Literal(false), error: collectedErrorContract }),
    ]),
  )
}

/**
 * Checks the `map` part of a step spec (`{ over, item, output, run, concurrency?, onItemError? }`)
 * and returns the map without its policies, or undefined after pushing its problems.
 * @internal
 */
export function checkMapSpec(step: { readonly [K in (typeof unsupported)[number] | 'map']?: unknown }, at: string, label: { stepId?: string }, problems: DefinitionProblem[]): Omit<MapDefinition, 'retry' | 'timeout'> | undefined {
  for (const key of unsupported) {
    if (step[key] !== undefined) problems.push({ path: `${at}/${key}`, code: 'invalid-option', ...label, message: key === 'output' || key === 'run' ? `a map step has no ${key} of its own: use map.${key} (per item)` : `a map step cannot have ${key}` })
  }
  const value = step.map
  if (typeof value !== 'object' || value === null) {
    problems.push({ path: `${at}/map`, code: 'invalid-option', ...label, message: 'map must be { over, item, output, run, concurrency?, onItemError? }' })
    return undefined
  }
  const m = value as Record<string, unknown>
  const before = problems.length
  if (typeof m.over !== 'function') problems.push({ path: `${at}/map/over`, code: 'invalid-option', ...label, message: 'over must be a function returning the list of items' })
  if (typeof m.run !== 'function') problems.push({ path: `${at}/map/run`, code: 'invalid-option', ...label, message: 'run must be a function' })
  for (const key of ['item', 'output'] as const) {
    if (!isContract(m[key])) problems.push({ path: `${at}/map/${key}`, code: 'invalid-contract', ...label, message: `${key} must be a TypeBox schema` })
  }
  const concurrency = m.concurrency
  if (concurrency !== undefined && (typeof concurrency !== 'number' || !(concurrency === Infinity || (Number.isInteger(concurrency) && concurrency >= 1)))) {
    problems.push({ path: `${at}/map/concurrency`, code: 'invalid-option', ...label, message: `Expected \`concurrency\` to be an integer from 1 and up (or Infinity), got \`${String(concurrency)}\` (${typeof concurrency})` })
  }
  const mode = m.onItemError ?? 'fail'
  if (mode !== 'fail' && mode !== 'collect') {
    problems.push({ path: `${at}/map/onItemError`, code: 'invalid-option', ...label, message: `onItemError must be 'fail' or 'collect', got ${JSON.stringify(mode)}` })
  }
  if (problems.length > before) return undefined
  return Object.freeze({
    over: m.over as MapDefinition['over'],
    item: m.item as TSchema,
    output: m.output as TSchema,
    run: m.run as MapDefinition['run'],
    ...(concurrency === undefined || concurrency === Infinity ? {} : { concurrency: concurrency as number }),
    onItemError: mode as MapItemErrorMode,
  })
}
