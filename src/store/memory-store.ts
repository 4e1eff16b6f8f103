import { InvalidArgumentError } from '../errors/index.js'
import type { JournalEvent, RunStatus } from '../journal/index.js'
import { systemClock, type Clock } from '../runtime/index.js'
import { assertFence, assertFirstEvents, assertLease, assertLeaseArguments, assertPruneOptions, assertRunFilter, assertRunHeader } from './store-arguments.js'
import type { AppendOptions, HealthReport, Lease, PruneOptions, RunFilter, RunHeader, RunStore, RunSummary } from './port.js'
import { assertRunId } from './run-id.js'
import { newestFirst } from './run-state.js'
import { statusAfter } from './run-summary.js'
import { JournalSequenceError, LeaseLostError, RunExistsError, RunNotFoundError } from './store-errors.js'

interface MemoryLease {
  token: number
  owner: string
  expiresAt: number
  released: boolean
}

interface MemoryRun {
  readonly header: RunHeader
  events: JournalEvent[]
  status: RunStatus
  updatedAt: number
  readonly order: number
  lease: MemoryLease | undefined
}

/**
 * Options of {@link memoryStore}.
 * @public
 */
export interface MemoryStoreOptions {
  /**
   * Clock for lease expiry and `prune({ olderThan })`.
   * @defaultValue `systemClock`
   */
  readonly clock?: Clock
  /**
   * How many finished runs (succeeded, failed, cancelled, compensated) to keep: once a run
   * finishes and more than this many have, the longest-finished one is dropped, journal and all
   * (`get` no longer finds it, `resume` and `replay` cannot use it). Running runs are always kept.
   * Set it in a long-lived process: by default every run's journal stays in memory until the
   * process exits (or until {@link MemoryStore.prune}).
   * @defaultValue `Infinity` (keep every run)
   */
  readonly keepFinished?: number
}

/**
 * A {@link RunStore} kept in memory: fast, lost with the process. The engine's default.
 * Appends complete synchronously. It keeps every run's journal unless
 * {@link MemoryStoreOptions.keepFinished} bounds the finished ones.
 * @public
 */
export class MemoryStore implements RunStore {
  private readonly runs = new Map<string, MemoryRun>()
  private readonly clock: Clock
  private counter = 0
  private readonly keepFinished: number
  /** Ids of the finished runs, in the order they finished (kept only with a finite `keepFinished`). */
  private finished: string[] = []

  /** Prefer {@link memoryStore}. */
  constructor(options: MemoryStoreOptions = {}) {
    this.clock = options.clock ?? systemClock
    const keep = options.keepFinished ?? Infinity
    if (typeof keep !== 'number' || !(keep === Infinity || (Number.isInteger(keep) && keep >= 0))) {
      throw new InvalidArgumentError('keepFinished', 'a whole number ≥ 0 or Infinity', keep)
    }
    this.keepFinished = keep
  }

  /** {@inheritDoc RunStore.create} */
  async create(header: RunHeader): Promise<void> {
    assertRunHeader(header)
    if (this.runs.has(header.runId)) throw new RunExistsError(header.runId)
    this.runs.set(header.runId, { header: { ...header }, events: [], status: 'running', updatedAt: header.createdAt, order: this.counter++, lease: undefined })
  }

  /** {@inheritDoc RunStore.append} */
  append(runId: string, events: readonly JournalEvent[], options?: AppendOptions): void {
    const run = this.runs.get(runId)
    if (run === undefined) throw new RunNotFoundError(runId)
    if (options?.fence !== undefined) {
      assertFence(options.fence)
      if (run.lease !== undefined && run.lease.token > options.fence) throw new LeaseLostError(runId, options.fence, run.lease.token)
    }
    // Indexed loops: called for every reaction of every run, also while still unoptimized. Its own
    // sequence check, not store-arguments' sequenceError: sharing that with the file store made W2
    // ~10% slower warm (1.91 → 2.12× the baseline, 6 alternated processes each).
    const first = run.events.length + 1
    for (let k = 0; k < events.length; k++) {
      if (events[k]!.seq !== first + k) throw new JournalSequenceError(runId, first + k, events[k]!.seq)
    }
    // A run's journal array is replaced by one born holding its first events: pushing objects into
    // the empty literal changed its map (a small-integer array) and deoptimized this in a later run
    // of every process.
    if (first === 1) {
      run.events = events.slice()
    } else {
      const stored = run.events
      for (let k = 0; k < events.length; k++) stored.push(events[k]!)
    }
    const before = run.status
    for (let k = 0; k < events.length; k++) {
      const status = statusAfter(events[k]!)
      if (status !== undefined) run.status = status
    }
    if (events.length > 0) run.updatedAt = events[events.length - 1]!.at
    if (this.keepFinished !== Infinity && (before === 'running') !== (run.status === 'running')) this.retain(runId, run.status !== 'running')
  }

  /** Keeps the finished-runs queue (a run finished, or a finished one was resumed) and drops the oldest beyond `keepFinished`. */
  private retain(runId: string, finished: boolean): void {
    if (!finished) {
      const at = this.finished.indexOf(runId)
      if (at >= 0) this.finished.splice(at, 1)
      return
    }
    this.finished.push(runId)
    while (this.finished.length > this.keepFinished) this.runs.delete(this.finished.shift()!)
  }

  /** {@inheritDoc RunStore.read} */
  async *read(runId: string): AsyncIterable<JournalEvent> {
    const run = this.runs.get(runId)
    if (run === undefined) {
      assertRunId(runId)
      throw new RunNotFoundError(runId)
    }
    const snapshot = run.events.length
    for (let i = 0; i < snapshot; i++) yield run.events[i]!
  }

  /** {@inheritDoc RunStore.get} */
  async get(runId: string): Promise<RunSummary | undefined> {
    const run = this.runs.get(runId)
    if (run === undefined) assertRunId(runId)
    return run === undefined ? undefined : summarize(run)
  }

  /** {@inheritDoc RunStore.list} */
  async *list(filter: RunFilter = {}): AsyncIterable<RunSummary> {
    assertRunFilter(filter)
    let count = 0
    for (const run of this.newestFirst()) {
      if (filter.limit !== undefined && count >= filter.limit) return
      if (filter.status !== undefined && run.status !== filter.status) continue
      if (filter.workflowId !== undefined && run.header.workflowId !== filter.workflowId) continue
      count++
      yield summarize(run)
    }
  }

  /** {@inheritDoc RunStore.createLeased} */
  async createLeased(header: RunHeader, owner: string, ttlMs: number, events?: readonly JournalEvent[]): Promise<Lease | undefined> {
    assertLeaseArguments(owner, ttlMs) // before the run is recorded; `create` checks the header
    if (events !== undefined) assertFirstEvents(header.runId, events)
    await this.create(header)
    if (events !== undefined && events.length > 0) this.append(header.runId, events)
    return this.acquireLease(header.runId, owner, ttlMs)
  }

  /** {@inheritDoc RunStore.acquireLease} */
  async acquireLease(runId: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    assertRunId(runId)
    assertLeaseArguments(owner, ttlMs)
    const run = this.runs.get(runId)
    if (run === undefined) throw new RunNotFoundError(runId)
    const now = this.clock.now()
    const current = run.lease
    if (current !== undefined && !current.released && current.expiresAt > now) {
      if (current.owner !== owner) return undefined
      current.expiresAt = now + ttlMs
      return leaseOf(runId, current)
    }
    run.lease = { token: (current?.token ?? 0) + 1, owner, expiresAt: now + ttlMs, released: false }
    return leaseOf(runId, run.lease)
  }

  /** {@inheritDoc RunStore.renewLease} */
  async renewLease(lease: Lease, ttlMs: number): Promise<Lease> {
    assertLease(lease)
    assertLeaseArguments(lease.owner, ttlMs)
    const current = this.runs.get(lease.runId)?.lease
    if (current === undefined || current.token !== lease.token || current.owner !== lease.owner || current.released) {
      throw new LeaseLostError(lease.runId, lease.token, current?.token, current?.token === lease.token ? 'the lease was released' : undefined)
    }
    current.expiresAt = this.clock.now() + ttlMs
    return leaseOf(lease.runId, current)
  }

  /** {@inheritDoc RunStore.releaseLease} */
  async releaseLease(lease: Lease): Promise<void> {
    assertLease(lease)
    const current = this.runs.get(lease.runId)?.lease
    if (current === undefined || current.token !== lease.token || current.owner !== lease.owner) return
    current.released = true
    current.expiresAt = Math.min(current.expiresAt, this.clock.now())
  }

  /** {@inheritDoc RunStore.orphans} */
  async orphans(now: number = this.clock.now()): Promise<string[]> {
    return this.newestFirst()
      .filter((run) => run.status === 'running' && !(run.lease !== undefined && !run.lease.released && run.lease.expiresAt > now))
      .map((run) => run.header.runId)
  }

  /** {@inheritDoc RunStore.prune} */
  async prune(options: PruneOptions): Promise<string[]> {
    assertPruneOptions(options)
    const now = this.clock.now()
    const removed: string[] = []
    let finished = 0
    for (const run of this.newestFirst()) {
      if (run.status === 'running') continue
      const kept = options.keepLast !== undefined && finished < options.keepLast
      finished++
      if (kept || (options.olderThan !== undefined && run.updatedAt >= now - options.olderThan)) continue
      this.runs.delete(run.header.runId)
      removed.push(run.header.runId)
    }
    if (removed.length > 0 && this.finished.length > 0) this.finished = this.finished.filter((id) => this.runs.has(id))
    return removed
  }

  /** {@inheritDoc RunStore.health} */
  async health(): Promise<HealthReport> {
    return { ok: true, checks: [{ name: 'memory', ok: true, detail: `${this.runs.size} run${this.runs.size === 1 ? '' : 's'} in memory` }] }
  }

  private newestFirst(): MemoryRun[] {
    return [...this.runs.values()].sort((a, b) =>
      newestFirst({ createdAt: a.header.createdAt, ordinal: a.order, runId: a.header.runId }, { createdAt: b.header.createdAt, ordinal: b.order, runId: b.header.runId }),
    )
  }
}

function leaseOf(runId: string, lease: MemoryLease): Lease {
  return { runId, owner: lease.owner, token: lease.token, expiresAt: lease.expiresAt }
}

function summarize(run: MemoryRun): RunSummary {
  return { ...run.header, status: run.status, updatedAt: run.updatedAt, events: run.events.length }
}

/**
 * Creates an in-memory {@link RunStore}.
 * @public
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(options)
}
