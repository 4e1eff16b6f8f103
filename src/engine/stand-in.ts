/*
 * Stand-ins: objects kept only so that V8 keeps the hidden classes (maps) of the journal events
 * the engine builds for every run.
 *
 * A map lives only while an object has it (the transitions that lead to it are weak). A store
 * that does not keep events (the file store) drops all of a run's events with the run, so a full
 * GC between two runs frees their maps. Every optimized function that had seen them (the store's
 * per-event checks and serializers, the event constructors, run for every event) is then
 * deoptimized and runs unoptimized for much of the next run. Durable W2 (1,002 steps, `'batch'`)
 * with a forced GC before each run: 13.9–20.6 ms a run without stand-ins, 11.1–14.5 ms with them
 * (median of 40 runs, five pairs of alternated processes); about 60 deoptimizations per 20 runs
 * without, none with (tests/durable/event-shapes.test.ts).
 *
 * A stand-in is built by the same constructor or literal as the event, from values V8 stores the
 * same way (see {@link standInValue}), so it has the event's map; it holds none of the run's data.
 * The engine holds them (a module variable that nothing reads would be removed by bundlers' tree
 * shaking, as tsup's was). Objects a run builds once (its handle, its header, the fields of
 * `run.started`, its lease) need no stand-in: the run keeps them (`RunExecution.keep`), and the
 * engine keeps the last ended run.
 * @internal
 */
export class EventStandIns {
  /**
   * Of the `run.started` event of each map (a run and its sub-workflow runs have different
   * optional members), keyed by its placeholders (see `run-started-record.ts`).
   */
  readonly runStarted = new Map<number, object>()
  /** Of the last run's `step.started` and `step.succeeded` events (see `step-records.ts`). */
  stepStarted: object | undefined = undefined
  stepSucceeded: object | undefined = undefined
}

/**
 * A value V8 stores in an object field as it stores `value` (a small integer, a double, or a
 * reference), holding none of its data.
 * @internal
 */
export function standInValue(value: unknown): unknown {
  // A stand-in's value stored another way would give it a map of its own.
  if (typeof value === 'number') return Number.isInteger(value) && value >= -(2 ** 30) && value < 2 ** 30 ? 0 : 0.5
  if (typeof value === 'object' && value !== null) return {}
  if (typeof value === 'string') return ''
  return value // undefined, null, booleans: shared constants
}
