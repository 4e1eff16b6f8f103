import type { JournalEvent, RunStatus } from '../journal/index.js'

/**
 * What a store records about a run when it is created.
 * @public
 */
export interface RunHeader {
  /**
   * Unique run id: a valid Weft id (letters, digits, `_ . : -`, 1-128 characters, not starting
   * with `.`, `:` or `-`) without `..`, so that stores can use it as a file name.
   */
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
  /**
   * The caller's labels of the run (e.g. `{ source: 'deploy.yaml' }`): at most 32 entries, keys
   * up to 64 characters, values up to 1,024.
   */
  readonly metadata?: Readonly<Record<string, string>>
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
 * Options of {@link RunStore.append}.
 * @public
 */
export interface AppendOptions {
  /**
   * Fencing token of the caller's lease ({@link Lease.token}). When given and a newer lease
   * exists for the run, the append rejects with `LeaseLostError` and writes nothing.
   * @defaultValue no fencing
   */
  readonly fence?: number
}

/**
 * A time-limited claim of one owner on one run, so that exactly one engine drives (or resumes)
 * it. Leases are advisory; fencing makes them safe: pass `token` as {@link AppendOptions.fence}
 * and a store rejects appends from an owner whose lease was taken over.
 * @public
 */
export interface Lease {
  /** The leased run. */
  readonly runId: string
  /** Who holds it (an engine or process id chosen by the caller). */
  readonly owner: string
  /** Fencing token: strictly increasing per run with every new acquisition (renewals keep it). */
  readonly token: number
  /** End of the lease on the store's clock (ms). */
  readonly expiresAt: number
}

/**
 * One check of {@link HealthReport}.
 * @public
 */
export interface HealthCheck {
  /** Short stable name, e.g. `directory`, `fsync`, `free-space`. */
  readonly name: string
  /** Whether the check passed. */
  readonly ok: boolean
  /** What was found, for people. */
  readonly detail: string
}

/**
 * Result of {@link RunStore.health}.
 * @public
 */
export interface HealthReport {
  /** True when every check passed. */
  readonly ok: boolean
  /** Each check, in a stable order. */
  readonly checks: readonly HealthCheck[]
}

/**
 * What {@link RunStore.prune} removes. Only finished runs (succeeded, failed, cancelled) are
 * ever removed; a run is removed when it satisfies every given condition. At least one
 * condition is required.
 * @public
 */
export interface PruneOptions {
  /**
   * Remove finished runs whose last event is older than this many ms (on the store's clock).
   * @defaultValue no age condition
   */
  readonly olderThan?: number
  /**
   * Keep this many newest finished runs (in {@link RunStore.list} order); remove older ones.
   * @defaultValue no count condition
   */
  readonly keepLast?: number
}

/**
 * The journal port: an append-only event log per run. Every implementation passes the shared
 * conformance suite (`tests/conformance/run-store.ts`).
 *
 * Rules every store keeps: `append` applies batches in call order and a batch is all-or-nothing;
 * sequence numbers continue without gaps; `read` yields events in sequence order; appends to one
 * run resolve in call order; `list` is newest first: greater `createdAt` first, and among equal
 * `createdAt` the later created run first.
 * @public
 */
export interface RunStore {
  /**
   * Records a new run. Rejects with `RunExistsError` when the id is taken and with
   * `InvalidRunIdError` when the id is not valid.
   */
  create(header: RunHeader): Promise<void>
  /**
   * Appends events to a run's journal. May complete synchronously (return `undefined`) — the
   * engine then continues without a promise hop — or return a promise that resolves once the
   * events are as durable as the store promises. Rejects with `RunNotFoundError` for an unknown
   * run and `JournalSequenceError` when `seq` does not continue the journal, with
   * `LeaseLostError` when `options.fence` is older than the run's current lease. The engine
   * reuses the `events` array once a synchronous append returns: keep the event objects, not
   * the array.
   */
  append(runId: string, events: readonly JournalEvent[], options?: AppendOptions): void | Promise<void>
  /** Every event of a run, in sequence order. Rejects with `RunNotFoundError`. */
  read(runId: string): AsyncIterable<JournalEvent>
  /** Summary of one run, or `undefined`. */
  get(runId: string): Promise<RunSummary | undefined>
  /** Summaries of runs matching `filter`, newest first. */
  list(filter?: RunFilter): AsyncIterable<RunSummary>
  /**
   * Takes the lease on a run for `ttlMs` (store clock). Resolves `undefined` when another owner
   * holds an unexpired lease; when `owner` already holds it, renews it (same token). Any other
   * acquisition issues a new, higher fencing token. Rejects with `RunNotFoundError`.
   */
  acquireLease?(runId: string, owner: string, ttlMs: number): Promise<Lease | undefined>
  /**
   * Records a new run and takes its lease for `ttlMs` in one call, as `create` followed by
   * `acquireLease` would; a store may do both at once (the file store overlaps their fsyncs).
   * Resolves the lease, or `undefined` when another owner holds an unexpired lease on the run.
   * Rejects like `create` (`RunExistsError`, `InvalidRunIdError`) and with `InvalidArgumentError`
   * for a bad `owner` or `ttlMs`; a rejected call leaves no lease held by `owner`. Optional: the
   * engine calls `create` then `acquireLease` without it.
   *
   * `events`, when given, are the run's first events (`seq` from 1): they are journaled with the
   * run's creation, as an `append` of them right after `create` would, but durable with it (the
   * engine passes `run.started` and the first steps' starts, saving a separate append and its
   * fsync). They are checked before anything is recorded: events that `append` would reject
   * (`JournalSequenceError`, `InvalidEventError`) reject the call, and no run is recorded. They are
   * journaled even when the lease is not obtained (the call then resolves `undefined`).
   */
  createLeased?(header: RunHeader, owner: string, ttlMs: number, events?: readonly JournalEvent[]): Promise<Lease | undefined>
  /**
   * Extends a lease to `ttlMs` from now. Rejects with `LeaseLostError` when the lease is no
   * longer the run's current one (taken over or released). An expired lease that nobody took
   * over can still be renewed.
   */
  renewLease?(lease: Lease, ttlMs: number): Promise<Lease>
  /** Gives a lease up. Does nothing when it is no longer the current one. */
  releaseLease?(lease: Lease): Promise<void>
  /**
   * Ids of runs whose status is `running` and which have no live lease at `now` (default: the
   * store's clock): runs whose engine died. Newest first.
   */
  orphans?(now?: number): Promise<string[]>
  /** Removes finished runs per `options`; resolves the removed run ids. */
  prune?(options: PruneOptions): Promise<string[]>
  /** Checks that the store can do its work. */
  health?(): Promise<HealthReport>
  /** Releases resources (file handles). */
  close?(): Promise<void>
}
