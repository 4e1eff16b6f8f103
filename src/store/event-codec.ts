import type { TSchema } from 'typebox'
import type { PayloadCodec } from '../codec/index.js'
import { compile, issuesOf, type ContractIssue } from '../contract/index.js'
import { JournalEventSchemas, type JournalEvent } from '../journal/index.js'
import { sealedDefinitionJson } from '../journal/sealed-json.js'
import { MAX_RECORD_BYTES } from './record-codec.js'
import { InvalidEventError } from './store-errors.js'

const schemas = JournalEventSchemas as unknown as Readonly<Record<string, TSchema>>

/**
 * For each event type, the required fields of schema `Unknown` (`input`, `output`, `data`):
 * JSON drops them when they hold `undefined`, so decoding puts them back.
 */
const unknownFields: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(schemas).map(([type, schema]) => {
    const object = schema as unknown as { required?: readonly string[]; properties?: Record<string, TSchema> }
    const fields = (object.required ?? []).filter((key) => {
      const property = object.properties?.[key] as Record<string, unknown> | undefined
      return property !== undefined && (property['~kind'] === 'Unknown' || Object.keys(property).length === 0)
    })
    return [type, fields] as const
  }),
)

/**
 * Every problem of `value` as a journal event of run `runId`; empty when it is one.
 * @internal
 */
export function eventIssues(value: unknown, runId: string): ContractIssue[] {
  if (typeof value !== 'object' || value === null) return [{ path: '', message: 'an event must be an object' }]
  const type = (value as { type?: unknown }).type
  const schema = typeof type === 'string' && Object.hasOwn(schemas, type) ? schemas[type] : undefined
  if (schema === undefined) return [{ path: '/type', message: `unknown event type ${JSON.stringify(type)}` }]
  if (!compile(schema).Check(value)) return issuesOf(schema, value)
  if ((value as { runId: string }).runId !== runId) return [{ path: '/runId', message: `event belongs to run ${JSON.stringify((value as { runId: string }).runId)}` }]
  return []
}

const NO_ISSUES: ContractIssue[] = []

/**
 * True for a `step.started` or `step.succeeded` event of run `runId` that its schema accepts,
 * checked by hand: these are most of a journal, and the compiled schema check is most of what a
 * store's append costs besides the JSON. Soundness only: a `false` says nothing, and the caller
 * then runs the schema check (which also lists the problems). A property test holds it to
 * "true implies the schema accepts".
 * @internal
 */
export function isPlainStepEvent(value: unknown, runId: string): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const event = value as { type?: unknown; seq?: unknown; at?: unknown; runId?: unknown; stepId?: unknown; attempt?: unknown }
  const type = event.type
  const stepId = event.stepId
  const checked =
    (type === 'step.started' || type === 'step.succeeded') &&
    Number.isInteger(event.seq) &&
    (event.seq as number) >= 1 &&
    Number.isFinite(event.at) &&
    event.runId === runId &&
    runId.length > 0 &&
    typeof stepId === 'string' &&
    stepId.length > 0 &&
    Number.isInteger(event.attempt) &&
    (event.attempt as number) >= 1
  if (!checked) return false
  // `simulated` and `fallback` (optional) are left to the schema.
  return type === 'step.started' || ('output' in event && !('simulated' in event) && !('fallback' in event))
}

/**
 * Checks a batch for `append` and turns each event into its JSON. Throws
 * {@link InvalidEventError} for the first event that cannot be journaled.
 * @internal
 */
export function serializeBatch(runId: string, events: readonly JournalEvent[]): string[] {
  const jsons: string[] = new Array(events.length)
  let runIdJson: string | undefined
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!
    const plain = isPlainStepEvent(event, runId)
    const sealed = plain ? undefined : sealedParts(event)
    const issues = plain ? NO_ISSUES : eventIssues(sealed?.rest ?? event, runId)
    const seq = typeof event?.seq === 'number' ? event.seq : 0
    if (issues.length > 0) throw new InvalidEventError(runId, seq, issues)
    let json: string | undefined
    try {
      if (plain) json = plainStepEventJson(event as PlainStepEvent, (runIdJson ??= JSON.stringify(runId)))
      json ??= sealed === undefined ? JSON.stringify(event) : `${JSON.stringify(sealed.rest).slice(0, -1)},"definition":${sealed.definition}}`
    } catch (error) {
      throw new InvalidEventError(runId, seq, [{ path: '', message: `not JSON-serializable: ${error instanceof Error ? error.message : String(error)}` }])
    }
    assertRecordSize(runId, seq, json, 'as JSON')
    jsons[i] = json
  }
  return jsons
}

interface PlainStepEvent {
  readonly seq: number
  readonly at: number
  readonly type: 'step.started' | 'step.succeeded'
  readonly stepId: string
  readonly attempt: number
  readonly output?: unknown
}

/** The members of the engine's step events, in its order (see `engine/step-records.ts`). */
const STARTED_KEYS = ['seq', 'at', 'runId', 'type', 'stepId', 'attempt'] as const
const SUCCEEDED_KEYS = ['seq', 'at', 'runId', 'type', 'stepId', 'attempt', 'output'] as const

/** Whether `for…in` lists exactly `keys`, in that order (own and inherited enumerable string keys). */
function hasKeys(value: object, keys: readonly string[]): boolean {
  let i = 0
  for (const key in value) if (key !== keys[i++]) return false
  return i === keys.length
}

/**
 * The JSON of a step event that {@link isPlainStepEvent} accepted, built without
 * `JSON.stringify`'s walk of the event: the same text, character for character, when the event's
 * members are exactly the engine's, in its order, and nothing has a `toJSON` that could see the
 * key it is called with; `undefined` otherwise (the caller stringifies). Numbers were checked
 * finite, where `${n}` and `JSON.stringify(n)` agree (`-0` included). Most records of a journal are
 * these two events.
 */
function plainStepEventJson(event: PlainStepEvent, runIdJson: string): string | undefined {
  const started = event.type === 'step.started'
  if (!hasKeys(event, started ? STARTED_KEYS : SUCCEEDED_KEYS) || typeof (event as { toJSON?: unknown }).toJSON === 'function') return undefined
  const head = `{"seq":${event.seq},"at":${event.at},"runId":${runIdJson},"type":"${event.type}","stepId":${JSON.stringify(event.stepId)},"attempt":${event.attempt}`
  if (started) return `${head}}`
  const output = event.output
  if (typeof output === 'object' && output !== null && typeof (output as { toJSON?: unknown }).toJSON === 'function') return undefined
  const json = JSON.stringify(output)
  // A member whose value JSON cannot represent (undefined, a function) is left out, as JSON.stringify does.
  return json === undefined ? `${head}}` : `${head},"output":${json}}`
}

/**
 * A `run.started` event whose last member is a definition summary sealed by the engine, split
 * into the other members and the summary's JSON: the summary is neither checked (its seal did)
 * nor serialized again. `undefined` for any other value.
 */
function sealedParts(event: JournalEvent): { rest: object; definition: string } | undefined {
  if (typeof event !== 'object' || event === null || event.type !== 'run.started' || 'toJSON' in event) return undefined
  const definition = sealedDefinitionJson(event.definition)
  if (definition === undefined) return undefined
  const keys = Object.keys(event)
  if (keys[keys.length - 1] !== 'definition') return undefined
  const { definition: _, ...rest } = event
  return { rest, definition }
}

/** Throws {@link InvalidEventError} when `text` is more UTF-8 bytes than a record may hold (`how`: in what form). */
function assertRecordSize(runId: string, seq: number, text: string, how: string): void {
  if (text.length * 3 > MAX_RECORD_BYTES && Buffer.byteLength(text, 'utf8') > MAX_RECORD_BYTES) {
    throw new InvalidEventError(runId, seq, [{ path: '', message: `larger than ${MAX_RECORD_BYTES} bytes ${how}` }])
  }
}

/**
 * Encodes, in place, the JSON of a batch's events with `codec`: `jsons[i]` becomes the payload
 * of record `begin + i` of run `runId`. Throws {@link InvalidEventError} for a payload larger
 * than a record may hold, and whatever the codec throws.
 * @internal
 */
export function encodePayloads(codec: PayloadCodec, runId: string, begin: number, jsons: string[]): string[] {
  for (let i = 0; i < jsons.length; i++) {
    const payload = codec.encode(jsons[i]!, { runId, seq: begin + i })
    assertRecordSize(runId, begin + i, payload, `once encoded by codec "${codec.id}"`)
    jsons[i] = payload
  }
  return jsons
}

/**
 * Decodes one record's JSON into a journal event of run `runId`, or says why it is not one.
 * @internal
 */
export function decodeEvent(json: string, runId: string): { readonly event: JournalEvent } | { readonly problem: string } {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch (error) {
    return { problem: `record is not JSON (${error instanceof Error ? error.message : String(error)})` }
  }
  if (typeof value === 'object' && value !== null) {
    const fields = unknownFields.get((value as { type?: unknown }).type as string)
    if (fields !== undefined) for (const key of fields) if (!(key in value)) (value as Record<string, unknown>)[key] = undefined
  }
  const issues = eventIssues(value, runId)
  if (issues.length > 0) return { problem: `record is not a journal event: ${issues.slice(0, 3).map((i) => `${i.path || '/'} ${i.message}`).join('; ')}` }
  return { event: value as JournalEvent }
}
