import { join } from 'node:path'
import { createExclusive, syncDir, writeAll } from './atomic-file.js'
import { writeRecords } from './preallocation.js'
import type { StoreFileSystem, StoreHost } from './file-system.js'
import { COMMIT_LOG_MAGIC, encodeBatch, encodeHeaderLine } from './record-codec.js'
import type { RunState } from './run-state.js'
import { nonce, type StoreLayout } from './store-layout.js'
import { StoreIOError, type StoreError } from './store-errors.js'

/** Format version of commit-log segments. @internal */
export const COMMIT_LOG_VERSION = 1

/**
 * Format version of the commit-log segments of a store with a payload codec; also the newest
 * segment format this version reads. The header's JSON adds `codec` (the codec's id), and each
 * record's JSON is `{"runId":…,"record":<the journal record's encoded payload>}` instead of the
 * event's: the run id shows which journal a record belongs to without decoding it (recovery
 * needs no keys), and nothing of the event is in plain text. Recovery writes the records back
 * into the journal in its own framing.
 * @internal
 */
export const ENCODED_COMMIT_LOG_VERSION = 2

/**
 * The segment lines of one encoded batch: `payloads[i]` is the encoded payload of record
 * `begin + i` of run `runId`.
 * @internal
 */
function encodeLoggedBatch(runId: string, begin: number, payloads: readonly string[]): Buffer {
  return encodeBatch(begin, payloads.map((record) => JSON.stringify({ runId, record })))
}

interface Entry {
  readonly state: RunState
  readonly data: Buffer
  /** The encoded payloads of the batch's records, with a codec (the segment holds these, not `data`). */
  readonly payloads: readonly string[] | undefined
  /** `state.size` and `state.lastSeq` once this batch is in. */
  readonly size: number
  readonly seq: number
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
  ok: boolean
}

/** Name parts of a segment file `<kind>.<host>.<boot>.<pid>.<nonce>.wal`. @internal */
export interface SegmentName {
  readonly kind: 'seg' | 'rec'
  readonly host: string
  readonly boot: string
  readonly pid: number
}

function sanitize(text: string): string {
  return text.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64) || '-'
}

/** A segment file name for this process. @internal */
export function segmentName(kind: 'seg' | 'rec', host: StoreHost): string {
  return `${kind}.${sanitize(host.hostname)}.${sanitize(host.bootId())}.${host.pid}.${nonce()}.wal`
}

/** Parses a segment file name. @internal */
export function parseSegmentName(name: string): SegmentName | undefined {
  const parts = name.split('.')
  if (parts.length !== 6 || parts[5] !== 'wal' || (parts[0] !== 'seg' && parts[0] !== 'rec') || !/^[0-9]+$/.test(parts[3]!)) return undefined
  return { kind: parts[0], host: parts[1]!, boot: parts[2]!, pid: Number(parts[3]) }
}

/**
 * Whether the segment's writer is certainly gone, and how: `rebooted` when it ran on this
 * machine before a restart, `exited` when its process ended since this boot, `undefined` when it
 * may still run (or ran on another machine).
 * @internal
 */
export function segmentOwnerGone(name: SegmentName, host: StoreHost): 'rebooted' | 'exited' | undefined {
  if (name.host !== sanitize(host.hostname)) return undefined
  if (host.bootId() !== '' && name.boot !== '-' && name.boot !== sanitize(host.bootId())) return 'rebooted'
  return host.isAlive(name.pid) ? undefined : 'exited'
}

/**
 * Group commit for `durability: 'batch'`.
 *
 * Appends are collected until the event loop is idle (`setImmediate`); then each touched
 * journal gets one write with all its batches. A group that touched one journal is made durable
 * by that journal's fdatasync (the cost of `'always'`). A group that touched several is written
 * once more to this store's commit-log segment (`log/seg.*.wal`, the same record lines; with a
 * payload codec, the same encoded payloads: see {@link ENCODED_COMMIT_LOG_VERSION}) and made
 * durable with a **single fdatasync** of it, however many runs the group touched; those journals
 * are written but not fsync'ed until a checkpoint (when the segment exceeds its size limit, and
 * on `close`) fdatasyncs every journal logged since the last one and empties the segment.
 *
 * A journal is written before the segment, so while the machine runs the journals hold
 * everything the segment holds; after a power loss or OS crash, the next store to open the
 * directory on this machine replays the segments of gone processes into the journals (see
 * `recoverCommitLogs`). One group commit runs at a time; appends arriving meanwhile form the next
 * group.
 * @internal
 */
export class CommitLog {
  private fd: number | undefined
  private path: string | undefined
  private headerSize = 0
  private size = 0
  private queue: Entry[] = []
  private scheduled = false
  private running: Promise<void> | undefined
  private readonly dirty = new Set<RunState>()
  /** Set once the segment cannot be trusted: every later batch append fails with it. */
  failure: StoreError | undefined

  constructor(
    private readonly fs: StoreFileSystem,
    private readonly layout: StoreLayout,
    private readonly host: StoreHost,
    private readonly limitBytes: number,
    /** Called when a run has nothing pending in the log any more. */
    private readonly idle: (state: RunState) => void,
    /** Called when writing a run's journal failed (its `failure` is set). */
    private readonly writeFailed: (state: RunState) => void,
    /** Id of the store's payload codec; `undefined` for plain journals. */
    private readonly codecId: string | undefined = undefined,
  ) {}

  /**
   * Queues a batch already accepted into `state`; resolves once it is durable. With a codec,
   * `payloads` are the batch's encoded payloads (what the segment records).
   */
  enqueue(state: RunState, data: Buffer, payloads?: readonly string[]): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    return new Promise<void>((resolve, reject) => {
      state.logPending++
      this.queue.push({ state, data, payloads, size: state.size, seq: state.lastSeq, resolve, reject, ok: false })
      this.schedule()
    })
  }

  private schedule(): void {
    if (this.scheduled || this.running !== undefined) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.running = this.flush().finally(() => {
        this.running = undefined
        if (this.queue.length > 0) this.schedule()
      })
    })
  }

  private settle(entry: Entry, error?: unknown): void {
    entry.state.logPending--
    if (error === undefined) entry.resolve()
    else entry.reject(error)
    if (entry.state.logPending === 0) this.idle(entry.state)
  }

  private async flush(): Promise<void> {
    const group = this.queue
    this.queue = []
    if (this.failure !== undefined) {
      for (const entry of group) this.settle(entry, this.failure)
      return
    }
    const byRun = new Map<RunState, Entry[]>()
    for (const entry of group) {
      const list = byRun.get(entry.state)
      if (list === undefined) byRun.set(entry.state, [entry])
      else list.push(entry)
    }
    // One write per touched journal.
    const written: { readonly state: RunState; readonly data: Buffer; readonly entries: Entry[] }[] = []
    for (const [state, entries] of byRun) {
      if (state.failure !== undefined || state.fd === undefined) continue
      const data = entries.length === 1 ? entries[0]!.data : Buffer.concat(entries.map((e) => e.data))
      try {
        writeRecords(this.fs, state, data)
      } catch (error) {
        state.failure = new StoreIOError({ runId: state.runId, operation: 'write', path: state.path }, error)
        this.writeFailed(state)
        continue
      }
      state.written += data.length
      written.push({ state, data, entries })
      for (const entry of entries) entry.ok = true
    }
    const bytes = written.reduce((sum, w) => sum + w.data.length, 0)
    let logFailure: StoreError | undefined
    if (written.length === 1 && bytes > 0) {
      // One journal touched: its own fdatasync is the one fsync of this group (as with 'always').
      const { state, entries } = written[0]!
      try {
        await this.fs.fdatasync(state.fd!)
        state.dirty = false
        this.dirty.delete(state)
      } catch (error) {
        state.failure ??= new StoreIOError({ runId: state.runId, operation: 'fsync', path: state.path }, error)
        for (const entry of entries) entry.ok = false
      }
    } else if (written.length > 1 && bytes > 0) {
      // Several journals: one write and one fdatasync of the commit log make them all durable.
      try {
        if (this.fd === undefined) await this.open()
        const logged = this.codecId === undefined ? Buffer.concat(written.map((w) => w.data)) : Buffer.concat(written.flatMap((w) => w.entries.map(loggedData)))
        writeAll(this.fs, this.fd!, logged)
        await this.fs.fdatasync(this.fd!)
        this.size += logged.length
        for (const { state } of written) {
          state.dirty = true
          this.dirty.add(state)
        }
      } catch (error) {
        logFailure = this.failure = new StoreIOError({ operation: 'commit', path: this.path ?? this.layout.log }, error)
      }
    }
    for (const entry of group) {
      if (!entry.ok) this.settle(entry, entry.state.failure ?? new StoreIOError({ runId: entry.state.runId, operation: 'write', path: entry.state.path }))
      else if (logFailure !== undefined) this.settle(entry, logFailure)
      else {
        const state = entry.state
        if (state.durableSize < entry.size) {
          state.durableSize = entry.size
          state.durableSeq = entry.seq
        }
        this.settle(entry)
      }
    }
    if (this.failure === undefined && this.size - this.headerSize >= this.limitBytes) await this.checkpoint()
  }

  private async open(): Promise<void> {
    await this.fs.mkdir(this.layout.log)
    const path = join(this.layout.log, segmentName('seg', this.host))
    const owner = { host: this.host.hostname, boot: this.host.bootId(), pid: this.host.pid }
    const header =
      this.codecId === undefined
        ? encodeHeaderLine(COMMIT_LOG_MAGIC, COMMIT_LOG_VERSION, owner)
        : encodeHeaderLine(COMMIT_LOG_MAGIC, ENCODED_COMMIT_LOG_VERSION, { ...owner, codec: this.codecId })
    this.fd = await createExclusive(this.fs, path, this.layout.temp(this.layout.log), header, true, true)
    this.path = path
    this.headerSize = header.length
    this.size = header.length
  }

  /** Makes every journal written since the last checkpoint durable, then empties the segment. */
  async checkpoint(): Promise<void> {
    if (this.fd === undefined || this.failure !== undefined) return
    const runs = [...this.dirty]
    this.dirty.clear()
    try {
      await Promise.all(runs.map((state) => (state.fd === undefined ? undefined : this.fs.fdatasync(state.fd))))
      await this.fs.ftruncate(this.fd, this.headerSize)
      await this.fs.fdatasync(this.fd)
      this.size = this.headerSize
    } catch (error) {
      this.failure = new StoreIOError({ operation: 'checkpoint', path: this.path }, error)
      return
    }
    for (const state of runs) {
      state.dirty = false
      this.idle(state)
    }
  }

  /** Waits for queued appends, checkpoints, and removes the segment. */
  async close(): Promise<void> {
    while (this.running !== undefined || this.scheduled || this.queue.length > 0) {
      if (this.running !== undefined) await this.running
      else await new Promise<void>((resolve) => setImmediate(resolve))
    }
    if (this.fd === undefined) return
    await this.checkpoint()
    const fd = this.fd
    this.fd = undefined
    await this.fs.close(fd)
    if (this.failure === undefined && this.path !== undefined) {
      await this.fs.unlink(this.path)
      await syncDir(this.fs, this.layout.log)
    }
  }

  /** Human-readable state, for `health()`. */
  describe(): string {
    if (this.failure !== undefined) return `commit log failed: ${this.failure.message}`
    return this.path === undefined ? 'commit log not opened yet' : `commit log ${this.size - this.headerSize} bytes since the last checkpoint`
  }
}

/** What the segment records for an entry of a store with a codec. */
function loggedData(entry: Entry): Buffer {
  const payloads = entry.payloads
  if (payloads === undefined || payloads.length === 0) return EMPTY
  return encodeLoggedBatch(entry.state.runId, entry.seq - payloads.length + 1, payloads)
}

const EMPTY = Buffer.alloc(0)
