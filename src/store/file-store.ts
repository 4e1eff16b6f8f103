import { resolve } from 'node:path'
import type { PayloadCodec } from '../codec/index.js'
import { InvalidArgumentError } from '../errors/index.js'
import type { JournalEvent } from '../journal/index.js'
import { systemClock, type Clock } from '../runtime/index.js'
import { createExclusive, syncDir } from './atomic-file.js'
import { codecCheck, freeSpaceCheck, writeChecks } from './file-store-health.js'
import { extentFor, writeRecords } from './preallocation.js'
import { CommitLog } from './commit-log.js'
import { recoverCommitLogs } from './commit-log-recovery.js'
import { encodePayloads, serializeBatch } from './event-codec.js'
import { FileLeases } from './file-leases.js'
import { assertFileStoreArguments, type Durability, type FileStoreOptions } from './file-store-options.js'
import { errorCode, nodeFileSystem, nodeHost, type StoreFileSystem, type StoreHost } from './file-system.js'
import { encodeJournalHeader, readJournalHead } from './journal-header.js'
import { scanJournal, type ScanEnd } from './journal-scan.js'
import { assertFence, assertFirstEvents, assertLease, assertLeaseArguments, assertPruneOptions, assertRunFilter, assertRunHeader, sequenceError } from './store-arguments.js'
import type { AppendOptions, HealthReport, Lease, PruneOptions, RunFilter, RunHeader, RunStore, RunSummary } from './port.js'
import { encodeBatch } from './record-codec.js'
import { assertRunId } from './run-id.js'
import { newestFirst, RunState } from './run-state.js'
import { statusAfter } from './run-summary.js'
import { runIdOfFileName, StoreLayout } from './store-layout.js'
import {
  LeaseLostError,
  RunExistsError,
  RunNotFoundError,
  StoreClosedError,
  StoreError,
  StoreIOError,
} from './store-errors.js'
import { unnamed } from '../runtime/unnamed.js'

const EMPTY = Buffer.alloc(0)
const RESOLVED: Promise<void> = Promise.resolve()

/**
 * A {@link RunStore} that keeps one append-only journal file per run in a directory, with
 * checksummed records, fsync per append (or group commit), torn-tail recovery and leases that
 * work across processes. Create it with {@link fileStore}.
 *
 * Layout: `<dir>/runs/<run id>.wj` (journals), `<dir>/leases/<run id>/` (lease files),
 * `<dir>/log/` (commit log of `'batch'` stores). The journal format is described in
 * `record-codec.ts`: a versioned header line, then one line per event
 * `seq\tbegin\tend\tlen\tcrc32\tjson\n`.
 *
 * Recovery: reading a journal whose last batch is torn (partial line, bad length or checksum,
 * unfinished batch at the end) yields the events before it; the store cuts the torn bytes off
 * the next time it appends to that run. Damage before the tail raises `JournalCorruptError`;
 * a journal of a newer format raises `JournalVersionError`.
 *
 * Preallocation (`'always'` and `'batch'`, see {@link FileStoreOptions.preallocate}): a journal
 * is allocated ahead in zero-filled extents and batches are written into them in place, so that
 * an append's fdatasync flushes data without committing a new file size. Zero bytes after the
 * last complete batch are unused space, never damage. A finished run's journal is cut back to
 * its records once its last append has resolved.
 *
 * Leases work across processes: each run has a directory of lease files named by fencing
 * token; a new lease is the next token's file, created by hard-linking a fully written temporary
 * file to that name. `link` fails when the name exists, so of two processes racing for a lease
 * exactly one creates the token and the other re-reads and finds the lease taken. Renewal and
 * release rewrite the holder's own token file (temporary file + rename); tokens never go down
 * and token files stay until the run is pruned. A fenced append with token `t` checks that
 * `<t + 1>.lease` does not exist (one `stat`) and that the journal did not grow behind its back
 * (one `fstat`).
 *
 * With a payload codec (`fileStore(dir, { codec: aesGcmCodec({ keys, current }) })`), each
 * record's payload, the run header and the commit log's records are stored encoded, and the
 * journal records the codec's id; see {@link FileStoreOptions.codec}.
 *
 * One store instance should append to a run at a time (use leases); other instances and
 * processes may read, list and get it meanwhile. Events must be JSON data: `undefined` object
 * fields are dropped (the required `input`/`output`/`data` fields are restored as `undefined`).
 * @example
 * ```ts
 * const store = fileStore('.weft')
 * const lease = await store.acquireLease(runId, 'engine-1', 30_000)
 * if (lease) await store.append(runId, events, { fence: lease.token })
 * ```
 * @public
 */
/** A held lease with less than this left is checked on every fenced append (clock skew, slow renewals). */
const LEASE_SAFETY_MARGIN_MS = 1_000

export class FileStore implements RunStore {
  /** Absolute path of the store directory. */
  readonly dir: string
  /** The store's durability mode. */
  readonly durability: Durability
  private readonly fs: StoreFileSystem
  private readonly clock: Clock
  private readonly host: StoreHost
  private readonly layout: StoreLayout
  private readonly leases: FileLeases
  private readonly log: CommitLog | undefined
  private readonly minFreeBytes: number
  /** Preallocate journals and write records in place (`'always'` and `'batch'`, with a file system that has `pwrite`). */
  private readonly preallocate: boolean
  /** The payload codec; `undefined` for the identity (plain journals, format 1). */
  private readonly codec: PayloadCodec | undefined
  private readonly states = new Map<string, RunState>()
  private readonly queues = new Map<string, { tail: Promise<unknown>; count: number }>()
  private readonly closing = new Set<Promise<void>>()
  /**
   * The close in flight of each run's descriptor (a finished journal's trim runs on the thread
   * pool, after the append that finished the run has resolved): the run's journal is not read,
   * re-scanned or reopened before it settles.
   */
  private readonly closingRuns = new Map<string, Promise<void>>()
  private readyPromise: Promise<void> | undefined
  private closed = false
  private lastOrdinal = 0

  /** Prefer {@link fileStore}. Throws `InvalidArgumentError` for invalid options; touches no file yet. */
  constructor(dir: string, options: FileStoreOptions = {}) {
    assertFileStoreArguments(dir, options)
    this.dir = resolve(dir)
    this.durability = options.durability ?? 'always'
    this.fs = options.fs ?? nodeFileSystem
    this.clock = options.clock ?? systemClock
    this.host = options.host ?? nodeHost
    this.minFreeBytes = options.minFreeBytes ?? 64 * 1024 * 1024
    this.preallocate = this.durability !== 'none' && options.preallocate !== false && typeof this.fs.pwrite === 'function'
    this.codec = options.codec === undefined || options.codec.id === 'identity' ? undefined : options.codec
    this.layout = new StoreLayout(this.dir)
    this.leases = new FileLeases(this.fs, this.layout, this.clock, this.durability !== 'none')
    this.log = this.durability === 'batch' ? new CommitLog(this.fs, this.layout, this.host, options.commitLogBytes ?? 4 * 1024 * 1024, (state) => this.maybeClose(state), (state) => this.retire(state), this.codec?.id) : undefined
  }

  // ---------------------------------------------------------------- RunStore

  /** {@inheritDoc RunStore.create} */
  async create(header: RunHeader): Promise<void> {
    await this.createRun(header, undefined)
  }

  /**
   * Creates a run's journal: its header line, then the records of the run's `first` events (see
   * `encodeFirstEvents`), made durable with the file's creation (one fdatasync for both).
   */
  private async createRun(header: RunHeader, first: FirstBatch | undefined, onLinked?: () => void): Promise<void> {
    await this.open()
    assertRunHeader(header)
    const { runId } = header
    if (this.states.get(runId)?.fd !== undefined) throw new RunExistsError(runId)
    const stored: RunHeader = {
      runId,
      workflowId: header.workflowId,
      version: header.version,
      fingerprint: header.fingerprint,
      createdAt: header.createdAt,
      ...(header.parentRunId === undefined ? {} : { parentRunId: header.parentRunId }),
      ...(header.metadata === undefined ? {} : { metadata: { ...header.metadata } }),
    }
    const ordinal = this.nextOrdinal()
    const head = encodeJournalHeader({ ...stored, ordinal }, this.codec)
    const data = first === undefined ? head : Buffer.concat([head, first.data])
    const path = this.layout.journal(runId)
    const padding = this.preallocate ? extentFor(0, data.length) - data.length : 0
    let fd: number | undefined
    try {
      fd = await createExclusive(this.fs, path, this.layout.temp(this.layout.runs), data, this.durability !== 'none', true, padding, onLinked)
    } catch (error) {
      if (errorCode(error) === 'EEXIST') throw new RunExistsError(runId)
      throw new StoreIOError({ runId, operation: 'create', path }, error)
    }
    const state = new RunState(runId, path, stored, ordinal, head.length, data.length, first === undefined ? 0 : first.events.length)
    if (first !== undefined) accept(state, first.events, 0)
    state.fd = fd
    if (this.preallocate) state.allocated = data.length + padding
    if (this.closed) {
      state.closeRequested = true
      this.maybeClose(state)
      throw new StoreClosedError(runId)
    }
    this.states.set(runId, state)
  }

  /** A new run's first events (`seq` from 1) and their records, checked as `append` checks a batch; `undefined` for none. */
  private encodeFirstEvents(runId: string, events: readonly JournalEvent[]): FirstBatch | undefined {
    assertFirstEvents(runId, events)
    if (events.length === 0) return undefined
    const jsons = serializeBatch(runId, events)
    if (this.codec !== undefined) encodePayloads(this.codec, runId, 1, jsons)
    return { events, data: encodeBatch(1, jsons) }
  }

  /** {@inheritDoc RunStore.append} */
  append(runId: string, events: readonly JournalEvent[], options?: AppendOptions): Promise<void> {
    const state = this.states.get(runId)
    const fence = options?.fence
    if (state !== undefined && state.fd !== undefined && (fence === undefined || this.surelyHeld(runId, fence)) && !this.closed && !this.queues.has(runId)) {
      return this.appendTo(state, events)
    }
    if (this.closed) return Promise.reject(new StoreClosedError(runId))
    return this.serialize(runId, async () => {
      await this.ready()
      assertRunId(runId)
      assertFence(options?.fence)
      let writer = await this.writer(runId)
      if (options?.fence !== undefined) writer = await this.fenced(writer, options.fence)
      return { done: this.appendTo(writer, events) }
    }).then((result) => result.done)
  }

  /** {@inheritDoc RunStore.read} */
  async *read(runId: string): AsyncIterable<JournalEvent> {
    await this.open()
    assertRunId(runId)
    await this.closingRuns.get(runId)
    const writer = this.states.get(runId)
    const limit = writer?.fd !== undefined ? writer.durableSize : undefined
    const path = this.layout.journal(runId)
    let fd: number
    try {
      fd = await this.fs.open(path, 'r')
    } catch (error) {
      if (errorCode(error) === 'ENOENT') throw new RunNotFoundError(runId)
      throw new StoreIOError({ runId, operation: 'read', path }, error)
    }
    try {
      const head = await readJournalHead(this.fs, fd, runId, this.codec)
      if (head === undefined) throw new RunNotFoundError(runId)
      const end = limit ?? (await this.fs.fstat(fd)).size
      const scan = scanJournal({ fs: this.fs, fd, runId, from: { offset: head.recordsStart, seq: 0 }, limit: end, codec: this.codec })
      for (let step = await scan.next(); step.done !== true; step = await scan.next()) yield* step.value.events
    } finally {
      await this.fs.close(fd)
    }
  }

  /** {@inheritDoc RunStore.get} */
  async get(runId: string): Promise<RunSummary | undefined> {
    await this.open()
    assertRunId(runId)
    return (await this.current(runId))?.summary()
  }

  /**
   * Summaries of runs matching `filter`, newest first. Reads every journal this instance has not
   * seen yet (later calls read only what was appended since); rejects with
   * `JournalCorruptError` when a journal is damaged before its tail.
   */
  async *list(filter: RunFilter = {}): AsyncIterable<RunSummary> {
    assertRunFilter(filter)
    const states = await this.all()
    let count = 0
    for (const state of states) {
      if (filter.limit !== undefined && count >= filter.limit) return
      if (filter.status !== undefined && state.status !== filter.status) continue
      if (filter.workflowId !== undefined && state.header.workflowId !== filter.workflowId) continue
      count++
      yield state.summary()
    }
  }

  // ---------------------------------------------------------------- leases

  /**
   * {@inheritDoc RunStore.createLeased}
   *
   * The journal and the lease file are written at the same time, so that their fsyncs (file and
   * directory, each) overlap: about half a millisecond less per run on a local SSD. The lease is
   * linked under its token's name only once the journal exists: of two engines creating the same
   * run, the one whose journal won holds the lease (the other gets `RunExistsError`).
   */
  async createLeased(header: RunHeader, owner: string, ttlMs: number, events?: readonly JournalEvent[]): Promise<Lease | undefined> {
    await this.open()
    assertRunHeader(header) // before the lease: its directory is named by the run id
    assertLeaseArguments(owner, ttlMs)
    const { runId } = header
    const first = events === undefined ? undefined : this.encodeFirstEvents(runId, events) // checked before anything is written
    const prepared = io(runId, 'acquire lease', () => this.leases.prepare(runId, owner, ttlMs))
    prepared.catch(noop) // handled below, after the journal: not an unhandled rejection meanwhile
    let taking: Promise<Lease | undefined> | undefined
    const take = unnamed((): Promise<Lease | undefined> => (taking ??= io(runId, 'acquire lease', async () => (await prepared).take())))
    try {
      await this.createRun(header, first, () => void take().catch(noop))
    } catch (error) {
      if (taking === undefined) await prepared.then((lease) => lease.abandon()).catch(noop)
      else {
        const lease = await taking.catch(() => undefined)
        if (lease !== undefined) await this.leases.release(lease).catch(noop)
      }
      throw error
    }
    return this.remember(await take())
  }

  /** {@inheritDoc RunStore.acquireLease} */
  async acquireLease(runId: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    await this.open()
    assertRunId(runId)
    assertLeaseArguments(owner, ttlMs)
    await this.mustExist(runId)
    return this.remember(await io(runId, 'acquire lease', () => this.leases.acquire(runId, owner, ttlMs)))
  }

  /**
   * Leases this instance granted and that are still well within their term. Nobody can take a
   * lease over before it expires, so a fenced append with such a lease's token needs no check of
   * the lease files (that check costs two file-system calls per append).
   */
  private readonly held = new Map<string, Lease>()

  private remember<L extends Lease | undefined>(lease: L): L {
    if (lease !== undefined) this.held.set(lease.runId, lease)
    return lease
  }

  private surelyHeld(runId: string, fence: number): boolean {
    const lease = this.held.get(runId)
    if (lease === undefined || lease.token !== fence) return false
    const ttl = lease.expiresAt - this.clock.now()
    return ttl > LEASE_SAFETY_MARGIN_MS
  }

  /** {@inheritDoc RunStore.renewLease} */
  async renewLease(lease: Lease, ttlMs: number): Promise<Lease> {
    await this.open()
    assertLease(lease)
    assertRunId(lease.runId)
    assertLeaseArguments(lease.owner, ttlMs)
    try {
      return this.remember(await io(lease.runId, 'renew lease', () => this.leases.renew(lease, ttlMs)))
    } catch (error) {
      this.held.delete(lease.runId)
      throw error
    }
  }

  /** {@inheritDoc RunStore.releaseLease} */
  async releaseLease(lease: Lease): Promise<void> {
    await this.open()
    assertLease(lease)
    assertRunId(lease.runId)
    this.held.delete(lease.runId)
    await io(lease.runId, 'release lease', () => this.leases.release(lease))
  }

  /** {@inheritDoc RunStore.orphans} */
  async orphans(now: number = this.clock.now()): Promise<string[]> {
    const out: string[] = []
    for (const state of await this.all()) {
      if (state.status === 'running' && !(await io(state.runId, 'read lease', () => this.leases.live(state.runId, now)))) out.push(state.runId)
    }
    return out
  }

  // ---------------------------------------------------------------- maintenance

  /** {@inheritDoc RunStore.prune} */
  async prune(options: PruneOptions): Promise<string[]> {
    assertPruneOptions(options)
    const now = this.clock.now()
    const removed: string[] = []
    let finished = 0
    for (const state of await this.all()) {
      if (state.status === 'running') continue
      const kept = options.keepLast !== undefined && finished < options.keepLast
      finished++
      if (kept || (options.olderThan !== undefined && state.updatedAt >= now - options.olderThan)) continue
      await this.remove(state)
      removed.push(state.runId)
    }
    if (removed.length > 0 && this.durability !== 'none') await syncDir(this.fs, this.layout.runs)
    return removed
  }

  /** {@inheritDoc RunStore.health} */
  async health(): Promise<HealthReport> {
    const checks = await writeChecks(this.fs, this.dir, this.layout.temp(this.dir), () => this.open())
    checks.push(await freeSpaceCheck(this.fs, this.dir, this.minFreeBytes))
    const failed = [...this.states.values()].filter((s) => s.failure !== undefined).map((s) => s.runId)
    checks.push({
      name: 'journals',
      ok: failed.length === 0,
      detail: failed.length === 0 ? `${this.states.size} runs known, none failed` : `appends failed for ${failed.map((r) => `"${r}"`).join(', ')}`,
    })
    if (this.log !== undefined) checks.push({ name: 'commit-log', ok: this.log.failure === undefined, detail: this.log.describe() })
    if (this.codec !== undefined) checks.push(codecCheck(this.codec))
    return { ok: checks.every((c) => c.ok), checks }
  }

  /** Waits for pending appends, checkpoints the commit log and closes every file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await Promise.allSettled([...this.queues.values()].map((q) => q.tail))
    await Promise.allSettled([...this.states.values()].map((s) => s.chain))
    if (this.log !== undefined) await this.log.close()
    for (const state of this.states.values()) {
      state.closeRequested = true
      state.dirty = false
      this.maybeClose(state)
    }
    await Promise.allSettled([...this.closing])
    this.states.clear()
  }

  // ---------------------------------------------------------------- appending

  /** Appends to a writer state: validate, encode, write (or queue), then make durable. */
  private appendTo(state: RunState, events: readonly JournalEvent[]): Promise<void> {
    if (state.failure !== undefined) return Promise.reject(state.failure)
    if (!Array.isArray(events)) return Promise.reject(new InvalidArgumentError('events', 'an array of journal events', events))
    if (events.length === 0) return this.durability === 'none' ? RESOLVED : this.durability === 'batch' ? this.log!.enqueue(state, EMPTY) : (state.chain ?? RESOLVED)
    const outOfSequence = sequenceError(state.runId, events, state.lastSeq + 1)
    if (outOfSequence !== undefined) return Promise.reject(outOfSequence)
    let data: Buffer
    let payloads: string[] | undefined
    try {
      const jsons = serializeBatch(state.runId, events)
      if (this.codec !== undefined) payloads = encodePayloads(this.codec, state.runId, state.lastSeq + 1, jsons)
      data = encodeBatch(state.lastSeq + 1, jsons)
    } catch (error) {
      return Promise.reject(error)
    }
    if (this.log !== undefined) {
      accept(state, events, data.length)
      return this.log.enqueue(state, data, payloads)
    }
    try {
      writeRecords(this.fs, state, data)
    } catch (error) {
      return Promise.reject(this.writeFailed(state, error))
    }
    state.written += data.length
    accept(state, events, data.length)
    if (this.durability === 'none') {
      state.durableSize = state.size
      state.durableSeq = state.lastSeq
      this.maybeClose(state)
      return RESOLVED
    }
    return this.sync(state)
  }

  /** fdatasync after the previous one of the same run, so appends resolve in call order. */
  private sync(state: RunState): Promise<void> {
    const fd = state.fd!
    const size = state.size
    const seq = state.lastSeq
    const previous = state.chain
    // No named closures here: the build keeps function names, which costs a defineProperty per
    // closure, on every append.
    const done: Promise<void> = (previous === undefined ? this.fs.fdatasync(fd) : previous.then(() => this.fs.fdatasync(fd))).then(
      () => {
        if (state.durableSize < size) {
          state.durableSize = size
          state.durableSeq = seq
        }
        this.settled(state, done)
      },
      (error: unknown) => {
        // After a failed fsync the page cache may have dropped the data: never trust this file
        // descriptor again (appends keep failing; a new store re-reads what is on disk).
        if (!(error instanceof StoreError)) state.failure ??= new StoreIOError({ runId: state.runId, operation: 'fsync', path: state.path }, error)
        this.settled(state, done)
        throw error instanceof StoreError ? error : state.failure
      },
    )
    state.chain = done
    return done
  }

  /** The last fdatasync of a run to settle (`done`) clears the chain and may close the idle descriptor. */
  private settled(state: RunState, done: Promise<void>): void {
    if (state.chain !== done) return
    state.chain = undefined
    this.maybeClose(state)
  }

  /** A write failed part-way: retire this descriptor; the next append re-reads the journal and cuts the partial record. */
  private writeFailed(state: RunState, error: unknown): StoreError {
    const failure = new StoreIOError({ runId: state.runId, operation: 'write', path: state.path }, error)
    state.failure = failure
    this.retire(state)
    return failure
  }

  private retire(state: RunState): void {
    if (this.states.get(state.runId) === state) this.states.delete(state.runId)
    state.closeRequested = true
    this.maybeClose(state)
  }

  /** Checks the caller's fencing token and that nobody else appended meanwhile. */
  private async fenced(state: RunState, fence: number): Promise<RunState> {
    if (await io(state.runId, 'read lease', () => this.leases.superseded(state.runId, fence))) {
      throw new LeaseLostError(state.runId, fence, await io(state.runId, 'read lease', () => this.leases.currentToken(state.runId)))
    }
    if (!(await this.grewBehind(state))) return state
    // Another writer appended (its lease lapsed into ours?): start over from the file.
    state.failure ??= new LeaseLostError(state.runId, fence, undefined, 'the journal was appended by another writer')
    this.retire(state)
    return this.writer(state.runId)
  }

  /**
   * Whether the journal changed behind a writer's back: its size moved, or (preallocated) a record
   * starts where this writer's next one goes, in what should be padding.
   */
  private async grewBehind(state: RunState): Promise<boolean> {
    const size = (await this.fs.fstat(state.fd!)).size
    if (state.allocated < 0) return size !== state.written
    if (size !== state.allocated) return true
    if (state.written >= size) return false
    const fd = await this.fs.open(state.path, 'r') // the writer's own descriptor may be write-only
    try {
      const byte = new Uint8Array(1)
      return (await this.fs.read(fd, byte, 0, 1, state.written)) === 1 && byte[0] !== 0
    } finally {
      await this.fs.close(fd)
    }
  }

  /** Runs `task` after every earlier queued task of the run. */
  private serialize<T>(runId: string, task: () => Promise<T>): Promise<T> {
    let queue = this.queues.get(runId)
    if (queue === undefined) {
      queue = { tail: Promise.resolve(), count: 0 }
      this.queues.set(runId, queue)
    }
    const q = queue
    q.count++
    const result = q.tail.then(task)
    q.tail = result.then(noop, noop)
    return result.finally(() => {
      if (--q.count === 0 && this.queues.get(runId) === q) this.queues.delete(runId)
    })
  }

  /** The writer state of a run: open for appending, torn tail cut. */
  private async writer(runId: string): Promise<RunState> {
    const existing = this.states.get(runId)
    if (existing?.fd !== undefined) {
      if (existing.failure !== undefined) throw existing.failure
      return existing
    }
    const scanned = await this.scan(runId)
    if (scanned === undefined) throw new RunNotFoundError(runId)
    let fd: number
    try {
      fd = await this.fs.open(scanned.path, this.preallocate ? 'r+' : 'a')
    } catch (error) {
      throw new StoreIOError({ runId, operation: 'open', path: scanned.path }, error)
    }
    // A preallocated journal's padding is kept (written into); anything else after the last
    // committed batch is cut: a torn tail, or padding this writer would append after.
    const keepPadding = this.preallocate && scanned.padded
    try {
      if (scanned.scannedSize !== scanned.durableSize && !keepPadding) {
        await this.fs.ftruncate(fd, scanned.durableSize)
        if (this.durability !== 'none') await this.fs.fdatasync(fd)
      }
    } catch (error) {
      await this.fs.close(fd).catch(noop)
      throw new StoreIOError({ runId, operation: 'truncate torn tail', path: scanned.path }, error)
    }
    scanned.fd = fd
    if (this.preallocate) scanned.allocated = keepPadding ? scanned.scannedSize : scanned.durableSize
    scanned.scannedSize = scanned.durableSize
    scanned.padded = false
    this.states.set(runId, scanned)
    return scanned
  }

  private maybeClose(state: RunState): void {
    if (state.fd === undefined || state.chain !== undefined || state.logPending > 0 || state.dirty) return
    if (!state.closeRequested && state.status === 'running') return
    const fd = state.fd
    state.fd = undefined
    // A finished run's journal gives its unused preallocated space back (no fsync: with or
    // without the cut, the journal reads the same). A running one keeps it for its resumption;
    // a failed writer never touches the file again.
    const trim = state.allocated > state.written && state.status !== 'running' && state.failure === undefined
    state.scannedSize = trim || state.allocated < 0 ? state.written : state.allocated
    state.padded = state.scannedSize > state.written
    state.allocated = -1
    const closing = (trim ? this.fs.ftruncate(fd, state.written).catch(noop).then(() => this.fs.close(fd)) : this.fs.close(fd)).catch(noop)
    const runId = state.runId
    this.closing.add(closing)
    this.closingRuns.set(runId, closing)
    void closing.then(() => {
      this.closing.delete(closing)
      if (this.closingRuns.get(runId) === closing) this.closingRuns.delete(runId)
    })
  }

  // ---------------------------------------------------------------- reading state

  /** Checks that the store is open, then waits for it to be ready. Every public method starts here. */
  private open(): Promise<void> {
    return this.closed ? Promise.reject(new StoreClosedError()) : this.ready()
  }

  private ready(): Promise<void> {
    this.readyPromise ??= this.init().catch((error: unknown) => {
      this.readyPromise = undefined
      throw error
    })
    return this.readyPromise
  }

  private async init(): Promise<void> {
    try {
      await this.fs.mkdir(this.layout.runs)
      await this.fs.mkdir(this.layout.leases)
    } catch (error) {
      throw new StoreIOError({ operation: 'create the store directory', path: this.dir }, error)
    }
    await recoverCommitLogs({ fs: this.fs, layout: this.layout, host: this.host })
  }

  private nextOrdinal(): number {
    // A creation stamp in µs, strictly increasing in this instance; it only orders runs that
    // have the same `createdAt`, across instances and restarts.
    this.lastOrdinal = Math.max(this.lastOrdinal + 1, Date.now() * 1000)
    return this.lastOrdinal
  }

  /** Up-to-date state of a run (re-scanning what other processes appended), or `undefined`. */
  private async current(runId: string): Promise<RunState | undefined> {
    const known = this.states.get(runId)
    if (known?.fd !== undefined) return known
    await this.closingRuns.get(runId)
    let fresh: RunState | undefined
    if (known === undefined) fresh = await this.scan(runId)
    else {
      let size: number
      try {
        size = (await this.fs.stat(known.path)).size
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw new StoreIOError({ runId, operation: 'stat', path: known.path }, error)
        if (this.states.get(runId) === known) this.states.delete(runId)
        return undefined
      }
      if (size === known.scannedSize && known.scannedSize === known.durableSize) return known
      fresh = await this.scan(runId, size > known.scannedSize || known.scannedSize !== known.durableSize ? known : undefined)
    }
    const now = this.states.get(runId)
    if (now?.fd !== undefined) return now // became a writer meanwhile
    if (fresh === undefined) this.states.delete(runId)
    else this.states.set(runId, fresh)
    return fresh
  }

  /** Reads a run's journal from disk (from the end of `after` when given). */
  private async scan(runId: string, after?: RunState): Promise<RunState | undefined> {
    await this.closingRuns.get(runId)
    const path = this.layout.journal(runId)
    let fd: number
    try {
      fd = await this.fs.open(path, 'r')
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined
      throw new StoreIOError({ runId, operation: 'open', path }, error)
    }
    try {
      const size = (await this.fs.fstat(fd)).size
      const head = after ?? (await readJournalHead(this.fs, fd, runId, this.codec))
      if (head === undefined) return undefined
      const state = new RunState(runId, path, head.header, head.ordinal, head.recordsStart, after?.durableSize ?? head.recordsStart, after?.durableSeq ?? 0)
      if (after !== undefined) {
        state.status = after.status
        state.updatedAt = after.updatedAt
      }
      const scan = scanJournal({ fs: this.fs, fd, runId, from: { offset: state.durableSize, seq: state.durableSeq }, limit: size, codec: this.codec })
      let end: ScanEnd
      for (;;) {
        const step = await scan.next()
        if (step.done === true) {
          end = step.value
          break
        }
        for (const event of step.value.events) {
          const status = statusAfter(event)
          if (status !== undefined) state.status = status
        }
        state.updatedAt = step.value.events[step.value.events.length - 1]!.at
      }
      state.lastSeq = state.durableSeq = end.lastSeq
      state.size = state.written = state.durableSize = end.validEnd
      state.scannedSize = size
      state.padded = end.padding !== undefined
      return state
    } finally {
      await this.fs.close(fd)
    }
  }

  /** Every run, newest first. */
  private async all(): Promise<RunState[]> {
    await this.open()
    let names: string[]
    try {
      names = await this.fs.readdir(this.layout.runs)
    } catch (error) {
      throw new StoreIOError({ operation: 'list', path: this.layout.runs }, error)
    }
    const out: RunState[] = []
    for (const name of names) {
      const runId = runIdOfFileName(name)
      if (runId === undefined) continue
      const state = await this.current(runId)
      if (state !== undefined) out.push(state)
    }
    return out.sort((a, b) => newestFirst({ createdAt: a.header.createdAt, ordinal: a.ordinal, runId: a.runId }, { createdAt: b.header.createdAt, ordinal: b.ordinal, runId: b.runId }))
  }

  private async mustExist(runId: string): Promise<void> {
    if (this.states.get(runId)?.fd !== undefined) return
    try {
      await this.fs.stat(this.layout.journal(runId))
    } catch (error) {
      if (errorCode(error) === 'ENOENT') throw new RunNotFoundError(runId)
      throw new StoreIOError({ runId, operation: 'stat', path: this.layout.journal(runId) }, error)
    }
  }

  private async remove(state: RunState): Promise<void> {
    await Promise.allSettled([state.chain])
    state.closeRequested = true
    state.dirty = false // its commit-log records are useless once the journal is gone
    this.maybeClose(state)
    try {
      await this.fs.unlink(state.path)
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw new StoreIOError({ runId: state.runId, operation: 'remove', path: state.path }, error)
    }
    if (this.states.get(state.runId) === state) this.states.delete(state.runId)
    await io(state.runId, 'remove leases', () => this.leases.remove(state.runId))
  }
}

function accept(state: RunState, events: readonly JournalEvent[], bytes: number): void {
  for (const event of events) {
    const status = statusAfter(event)
    if (status !== undefined) state.status = status
  }
  const last = events[events.length - 1]!
  state.lastSeq = last.seq
  state.updatedAt = last.at
  state.size += bytes
}

/** A new run's first events and their encoded records (see `FileStore.createLeased`). */
interface FirstBatch {
  readonly events: readonly JournalEvent[]
  readonly data: Buffer
}

function noop(): void {}

/** Runs `work`, turning a system error into a {@link StoreIOError}. */
async function io<T>(runId: string, operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof StoreError) throw error
    throw new StoreIOError({ runId, operation }, error)
  }
}

/**
 * Creates a {@link FileStore} in `dir` (created when missing).
 * @example
 * ```ts
 * const engine = createEngine({ store: fileStore('.weft') })
 * const fast = fileStore('.weft', { durability: 'batch' }) // group commit across runs
 * const sealed = fileStore('.weft', { codec: aesGcmCodec({ keys: { k1: process.env.WEFT_KEY_K1! }, current: 'k1' }) })
 * ```
 * @public
 */
export function fileStore(dir: string, options: FileStoreOptions = {}): FileStore {
  return new FileStore(dir, options)
}
