import Type, { type Static } from 'typebox'

/**
 * Structure of a definition journaled with `run.started` (step ids, needs, contract hashes).
 * @internal
 */
export const DefinitionSummarySchema = Type.Object({
  input: Type.String(),
  output: Type.Optional(Type.String()),
  steps: Type.Array(Type.Object({ id: Type.String(), needs: Type.Array(Type.String()), output: Type.String() })),
})

const SerializedErrorSchema = Type.Cyclic(
  {
    Error: Type.Object({
      name: Type.String(),
      message: Type.String(),
      code: Type.Optional(Type.String()),
      data: Type.Optional(Type.Unknown()),
      stack: Type.Optional(Type.String()),
      cause: Type.Optional(Type.Ref('Error')),
    }),
  },
  'Error',
)

const base = {
  /** Position of the event in its run's journal, from 1, without gaps. */
  seq: Type.Integer({ minimum: 1 }),
  /** Time of the event on the engine's clock (ms). */
  at: Type.Number(),
  /** Run the event belongs to. */
  runId: Type.String({ minLength: 1 }),
}
const step = { ...base, stepId: Type.String({ minLength: 1 }) }

/**
 * Schema of a run's metadata: the caller's string labels (at most 32 entries, keys up to 64
 * characters, values up to 1,024).
 * @public
 */
export const RunMetadataSchema = Type.Record(Type.String({ pattern: '^[\\s\\S]{1,64}$' }), Type.String({ maxLength: 1024 }), { maxProperties: 32 })

/** TypeBox schemas of every journal event, keyed by event type. @public */
export const JournalEventSchemas = {
  'run.started': Type.Object({
    ...base,
    type: Type.Literal('run.started'),
    workflowId: Type.String(),
    version: Type.String(),
    fingerprint: Type.String(),
    input: Type.Unknown(),
    seed: Type.Integer(),
    parentRunId: Type.Optional(Type.String()),
    /** Concurrency limit of the run (absent: unlimited). A decision input, so replay uses it. */
    concurrency: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Failure policy of the run. */
    failurePolicy: Type.Optional(Type.Union([Type.Literal('failFast'), Type.Literal('continue')])),
    /** A dry run: steps with side effects were simulated. */
    dryRun: Type.Optional(Type.Literal(true)),
    /** The caller's labels of the run (see `StartOptions.metadata`). */
    metadata: Type.Optional(RunMetadataSchema),
    /** Learned step durations (ms) that replaced declared estimates in the critical-path ranking: a decision input. */
    estimates: Type.Optional(Type.Record(Type.String(), Type.Number({ minimum: 0 }))),
    /** Structure of the definition (step ids, needs, contract hashes) to explain a later fingerprint mismatch. */
    definition: Type.Optional(DefinitionSummarySchema),
  }),
  'run.resumed': Type.Object({
    ...base,
    type: Type.Literal('run.resumed'),
    /** Attempts of steps that had started without a recorded end, which run again. */
    restarted: Type.Array(Type.String()),
  }),
  'step.started': Type.Object({ ...step, type: Type.Literal('step.started'), attempt: Type.Integer({ minimum: 1 }) }),
  'step.succeeded': Type.Object({
    ...step,
    type: Type.Literal('step.succeeded'),
    attempt: Type.Integer({ minimum: 1 }),
    output: Type.Unknown(),
    /** True when a dry run produced the output without running the step's side effects. */
    simulated: Type.Optional(Type.Literal(true)),
    /** True when the output is the step's fallback after it failed for good. */
    fallback: Type.Optional(Type.Literal(true)),
  }),
  'step.fallback': Type.Object({
    ...step,
    type: Type.Literal('step.fallback'),
    attempt: Type.Integer({ minimum: 1 }),
    /** The failure the fallback replaces. */
    error: SerializedErrorSchema,
  }),
  'step.healed': Type.Object({
    ...step,
    type: Type.Literal('step.healed'),
    attempt: Type.Integer({ minimum: 1 }),
    /** Index of the rule in the step's `heal` list. */
    rule: Type.Integer({ minimum: 0 }),
    name: Type.Optional(Type.String()),
    then: Type.Union([Type.Literal('retry'), Type.Literal('skip'), Type.Literal('fail'), Type.Literal('fallback')]),
    /** The failure that was healed. */
    error: SerializedErrorSchema,
  }),
  'step.failed': Type.Object({
    ...step,
    type: Type.Literal('step.failed'),
    attempt: Type.Integer({ minimum: 1 }),
    error: SerializedErrorSchema,
    willRetry: Type.Boolean(),
    delayMs: Type.Optional(Type.Number({ minimum: 0 })),
  }),
  'step.skipped': Type.Object({
    ...step,
    type: Type.Literal('step.skipped'),
    reason: Type.Union([Type.Literal('condition'), Type.Literal('dependency-skipped'), Type.Literal('dependency-failed'), Type.Literal('remedy')]),
    dependency: Type.Optional(Type.String()),
  }),
  'step.cancelled': Type.Object({
    ...step,
    type: Type.Literal('step.cancelled'),
    attempt: Type.Integer({ minimum: 1 }),
    reason: Type.String(),
  }),
  // Map (fan-out) steps: the step's own `step.*` events frame it; each item is a child task with
  // its own `step.item.*` events (same `stepId`, `item` = its index), so readers that know only
  // `step.*` never mistake an item's end for the step's. An item attempt without an end event
  // ended with its step (cancelled or abandoned).
  /** A map step's attempt evaluated `over`: it fans out over `items` items. */
  'step.map.planned': Type.Object({ ...step, type: Type.Literal('step.map.planned'), attempt: Type.Integer({ minimum: 1 }), items: Type.Integer({ minimum: 0 }) }),
  /** An attempt of one item of a map step started. */
  'step.item.started': Type.Object({ ...step, type: Type.Literal('step.item.started'), item: Type.Integer({ minimum: 0 }), attempt: Type.Integer({ minimum: 1 }) }),
  /** An item succeeded with `output` (checked against the map's item `output` contract). */
  'step.item.succeeded': Type.Object({
    ...step,
    type: Type.Literal('step.item.succeeded'),
    item: Type.Integer({ minimum: 0 }),
    attempt: Type.Integer({ minimum: 1 }),
    output: Type.Unknown(),
  }),
  /** An item attempt failed; `willRetry` with the backoff `delayMs`, else for good. */
  'step.item.failed': Type.Object({
    ...step,
    type: Type.Literal('step.item.failed'),
    item: Type.Integer({ minimum: 0 }),
    attempt: Type.Integer({ minimum: 1 }),
    error: SerializedErrorSchema,
    willRetry: Type.Boolean(),
    delayMs: Type.Optional(Type.Number({ minimum: 0 })),
  }),
  'signal.received': Type.Object({
    ...base,
    type: Type.Literal('signal.received'),
    name: Type.String({ minLength: 1 }),
    payload: Type.Unknown(),
  }),
  'plugin.recorded': Type.Object({
    ...base,
    type: Type.Literal('plugin.recorded'),
    plugin: Type.String(),
    name: Type.String(),
    stepId: Type.Optional(Type.String()),
    data: Type.Unknown(),
  }),
  'compensation.started': Type.Object({ ...step, type: Type.Literal('compensation.started'), attempt: Type.Integer({ minimum: 1 }) }),
  'compensation.succeeded': Type.Object({ ...step, type: Type.Literal('compensation.succeeded'), attempt: Type.Integer({ minimum: 1 }) }),
  'compensation.failed': Type.Object({
    ...step,
    type: Type.Literal('compensation.failed'),
    attempt: Type.Integer({ minimum: 1 }),
    error: SerializedErrorSchema,
    willRetry: Type.Boolean(),
    delayMs: Type.Optional(Type.Number({ minimum: 0 })),
  }),
  'run.compensated': Type.Object({ ...base, type: Type.Literal('run.compensated'), error: SerializedErrorSchema, compensated: Type.Array(Type.String()) }),
  'run.compensation-failed': Type.Object({
    ...base,
    type: Type.Literal('run.compensation-failed'),
    error: SerializedErrorSchema,
    compensated: Type.Array(Type.String()),
    failed: Type.Array(Type.String()),
  }),
  'run.succeeded': Type.Object({ ...base, type: Type.Literal('run.succeeded'), output: Type.Unknown() }),
  'run.failed': Type.Object({ ...base, type: Type.Literal('run.failed'), error: SerializedErrorSchema }),
  'run.cancelled': Type.Object({
    ...base,
    type: Type.Literal('run.cancelled'),
    reason: Type.String(),
    /** An interruption (e.g. Ctrl-C): `resume` continues the run instead of reporting the cancel. */
    resumable: Type.Optional(Type.Literal(true)),
  }),
} as const

/** Schema of any journal event (a union over {@link JournalEventSchemas}). @public */
export const JournalEventSchema = Type.Union(Object.values(JournalEventSchemas))

/** Map from event type to its TypeScript shape. @public */
export type JournalEventMap = { [K in keyof typeof JournalEventSchemas]: Static<(typeof JournalEventSchemas)[K]> }
/** The type tag of a journal event. @public */
export type JournalEventType = keyof JournalEventMap
/** One record of a run's append-only journal. @public */
export type JournalEvent = JournalEventMap[JournalEventType]
/** A journal event of one type. @public */
export type JournalEventOf<K extends JournalEventType> = JournalEventMap[K]
/** Terminal statuses a run can end in. @public */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'compensated' | 'compensation-failed'
/** Every {@link RunStatus}, in lifecycle order (for argument checks and help texts). @internal */
export const runStatuses: readonly RunStatus[] = ['running', 'succeeded', 'failed', 'cancelled', 'compensated', 'compensation-failed']
/** Event types that end a run. @public */
export const terminalEventTypes: ReadonlySet<JournalEventType> = new Set(['run.succeeded', 'run.failed', 'run.cancelled', 'run.compensated', 'run.compensation-failed'])

/**
 * True when `event` is an interruption (`run.cancelled` with `resumable: true`): the run is
 * stopped, but `resume` continues it.
 * @public
 */
export function isResumableEnd(event: JournalEvent): event is JournalEventMap['run.cancelled'] {
  return event.type === 'run.cancelled' && event.resumable === true
}

/** True when `event` ends its run. @public */
export function isTerminalEvent(event: JournalEvent): event is JournalEventMap['run.succeeded' | 'run.failed' | 'run.cancelled' | 'run.compensated' | 'run.compensation-failed'] {
  return terminalEventTypes.has(event.type)
}
