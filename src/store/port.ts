import type { JournalEvent, RunStatus } from '../journal/index.js'

/**
 * What a store records about a run when it is created.
 * @public
 */
export interface RunHeader {
  /** Unique run id (letters, digits, `.`, `_`, `-`; no path separators). */
  readonly runId: string
  /** Workflow id. */
  readonly workflowId: string
  /** Workflow version. */
  readonly version: string
  /** Fingerprint of the workflow definition the run started with. */
  readonly fingerprint: string
  /** Creation time on the engine's clock (ms). */
  readonly createdAt: number
  /** Parent run, for sub-workflow runs. */
  readonly parentRunId?: string
}

/**
 * A run as listed by a store: its header plus status and progress.
 * @public
 */
export interface RunSummary extends RunHeader {
  /** `running` until a terminal event is appended. */
  readonly status: RunStatus
  /** Time of the latest event (ms). */
  readonly updatedAt: number
  /** Number of journal events. */
  readonly events: number
}

/**
 * Filter for {@link RunStore.list}.
 * @public
 */
export interface RunFilter {
  /** Only runs with this status. */
  readonly status?: RunStatus
  /** Only runs of this workflow. */
  readonly workflowId?: string
  /** At most this many runs, newest first. */
  readonly limit?: number
}

/**
 * The journal port: an append-only event log per run. Every implementation passes the shared
 * conformance suite (`tests/conformance/run-store.ts`).
 *
 * Rules every store keeps: `append` applies batches in call order and a batch is all-or-nothing;
 * sequence numbers continue without gaps; `read` yields events in sequence order.
 * @public
 */
export interface RunStore {
  /** Records a new run. Rejects with `RunExistsError` when the id is taken. */
  create(header: RunHeader): Promise<void>
  /**
   * Appends events to a run's journal. May complete synchronously (return `undefined`) — the
   * engine then continues without a promise hop — or return a promise that resolves once the
   * events are as durable as the store promises. Rejects with `RunNotFoundError` for an unknown
   * run and `JournalSequenceError` when `seq` does not continue the journal. The engine reuses
   * the `events` array once a synchronous append returns: keep the event objects, not the array.
   */
  append(runId: string, events: readonly JournalEvent[]): void | Promise<void>
  /** Every event of a run, in sequence order. Rejects with `RunNotFoundError`. */
  read(runId: string): AsyncIterable<JournalEvent>
  /** Summary of one run, or `undefined`. */
  get(runId: string): Promise<RunSummary | undefined>
  /** Summaries of runs matching `filter`, newest first. */
  list(filter?: RunFilter): AsyncIterable<RunSummary>
  /** Releases resources (file handles). */
  close?(): Promise<void>
}
