import type { JournalEventOf } from '../journal/index.js'
import { standInValue as like, type EventStandIns } from './stand-in.js'

/** What a run's `run.started` event holds; optional members are left out when absent. @internal */
export interface RunStartedFields {
  readonly seq: number
  readonly at: number
  readonly runId: string
  readonly workflowId: string
  readonly version: string
  readonly fingerprint: string
  readonly input: unknown
  readonly seed: number
  /** `Infinity` (unlimited) is left out of the event. */
  readonly concurrency: number
  readonly failurePolicy: 'failFast' | 'continue'
  readonly parentRunId: string | undefined
  readonly dryRun: boolean | undefined
  readonly metadata: Readonly<Record<string, string>> | undefined
  readonly estimates: Readonly<Record<string, number>> | undefined
  readonly definition: JournalEventOf<'run.started'>['definition']
}

/**
 * Builds a run's `run.started` event, and a stand-in of the same map (see `stand-in.ts`): the
 * same literal from values stored the same way, none of them the run's.
 * @internal
 */
export function runStartedEvent(fields: RunStartedFields, standIns: EventStandIns): JournalEventOf<'run.started'> {
  // Every member replaced by a placeholder stored alike (`Infinity` kept: it means "left out").
  // The placeholders decide the stand-in's map (which members are present, how each is stored),
  // so they key it: a stand-in is built once per map, not once per run (and the placeholders
  // only then: an object built for every run would be one more map to rebuild after a GC).
  let key = 0
  for (const name in fields) key = key * 9 + (name === 'seed' ? DOUBLE : placeholderCode(fields[name as keyof RunStartedFields]))
  if (!standIns.runStarted.has(key)) {
    const placeholders: Record<string, unknown> = {}
    for (const name in fields) {
      const value = fields[name as keyof RunStartedFields]
      placeholders[name] = name === 'seed' ? 0.5 : value === Infinity ? value : like(value)
    }
    // Built before the event, with a fractional seed: V8 then stores `seed` as a double from
    // the start. A seed is a random 32-bit integer, a small integer (a "Smi", within ±2^30) for
    // half of them: a run whose seed is not, after runs whose seeds were, changed how the field
    // is stored, which replaced the map (V8 "deprecates" it) and deoptimized every function that
    // had seen `run.started` events (the store's append, `statusAfter`) at a random early run of
    // every process; `append` then ran unoptimized for several more runs.
    standIns.runStarted.set(key, build(placeholders as unknown as RunStartedFields))
  }
  return build(fields)
}

/** {@link placeholderCode} of a number stored as a double. */
const DOUBLE = 2

/**
 * One member's digit (0-8) of a stand-in's key: which placeholder it has (see
 * {@link standInValue}), found without building it (an object placeholder is a new object). The
 * key is a number (a digit per member in base 9, exact as a double up to 16 members): a string
 * built for every run costs its concatenation and its hashing.
 */
function placeholderCode(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return value === Infinity ? 0 : like(value) === 0 ? 1 : 2
    case 'string':
      return 3
    case 'boolean':
      return value ? 4 : 5
    case 'undefined':
      return 6
    default:
      return value === null ? 7 : 8
  }
}

/**
 * The one builder of both the event and its stand-in (the same sites, so the same map). Optional
 * members are assigned, not spread in: a spread copies from an object built for it, whose map
 * V8 drops at the next GC (no object keeps it) and rebuilds in the next run.
 */
function build(f: RunStartedFields): JournalEventOf<'run.started'> {
  const event: Record<string, unknown> = {
    seq: f.seq,
    at: f.at,
    runId: f.runId,
    type: 'run.started',
    workflowId: f.workflowId,
    version: f.version,
    fingerprint: f.fingerprint,
    input: f.input,
    seed: f.seed,
  }
  if (f.concurrency !== Infinity) event.concurrency = f.concurrency
  event.failurePolicy = f.failurePolicy
  if (f.parentRunId !== undefined) event.parentRunId = f.parentRunId
  if (f.dryRun === true) event.dryRun = true
  if (f.metadata !== undefined) event.metadata = f.metadata
  if (f.estimates !== undefined) event.estimates = f.estimates
  event.definition = f.definition
  return event as unknown as JournalEventOf<'run.started'>
}
