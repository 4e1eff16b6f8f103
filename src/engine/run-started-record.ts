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
  const event = build(fields)
  // Every member replaced by a placeholder stored alike (`Infinity` kept: it means "left out").
  // The placeholders decide the stand-in's map (which members are present, how each is stored),
  // so they key it: a stand-in is built once per map, not once per run.
  const placeholders: Record<string, unknown> = {}
  let key = ''
  for (const name in fields) {
    const value = fields[name as keyof RunStartedFields]
    const placeholder = value === Infinity ? value : like(value)
    placeholders[name] = placeholder
    key += typeof placeholder === 'object' && placeholder !== null ? 'object,' : `${String(placeholder)},`
  }
  if (!standIns.runStarted.has(key)) standIns.runStarted.set(key, build(placeholders as unknown as RunStartedFields))
  return event
}

/** The one literal both the event and its stand-in are built by (the same site, so the same map). */
function build(f: RunStartedFields): JournalEventOf<'run.started'> {
  return {
    seq: f.seq,
    at: f.at,
    runId: f.runId,
    type: 'run.started',
    workflowId: f.workflowId,
    version: f.version,
    fingerprint: f.fingerprint,
    input: f.input,
    seed: f.seed,
    ...(f.concurrency === Infinity ? {} : { concurrency: f.concurrency }),
    failurePolicy: f.failurePolicy,
    ...(f.parentRunId === undefined ? {} : { parentRunId: f.parentRunId }),
    ...(f.dryRun === true ? { dryRun: true as const } : {}),
    ...(f.metadata === undefined ? {} : { metadata: f.metadata }),
    ...(f.estimates === undefined ? {} : { estimates: f.estimates }),
    definition: f.definition,
  }
}
