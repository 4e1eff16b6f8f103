import type { RunStatus } from '../journal/index.js'
import type { RunHeader, RunSummary } from './port.js'
import type { StoreError } from './store-errors.js'

/**
 * What the file store knows about one run. A *reader* state (no `fd`) describes the journal as
 * last scanned; a *writer* state (open `fd`) is authoritative: this store instance appends to
 * the run and never re-reads it.
 * @internal
 */
export class RunState {
  /** Sequence number of the last accepted event. */
  lastSeq: number
  status: RunStatus = 'running'
  updatedAt: number
  /** Bytes of the journal including every accepted batch (written or queued). */
  size: number
  /** Bytes in the file (accepted batches already written). */
  written: number
  /** Bytes and sequence number that are as durable as the store promises. */
  durableSize: number
  durableSeq: number
  /** File size at the last scan; a torn tail makes it larger than `durableSize`. */
  scannedSize: number

  /** Open descriptor of a writer state. */
  fd: number | undefined = undefined
  /**
   * File size of a preallocated writer, which writes each batch at `written` into zero bytes
   * allocated ahead (positional writes); `-1` for a writer whose descriptor appends.
   */
  allocated = -1
  /** The last scan found zero padding (not damage) after `durableSize`. */
  padded = false
  /** Latest pending fdatasync ('always'), resolving in call order. */
  chain: Promise<void> | undefined = undefined
  /** Batches waiting in the commit log ('batch'). */
  logPending = 0
  /** Written since the commit log's last checkpoint ('batch'). */
  dirty = false
  /** Close the descriptor once idle. */
  closeRequested = false
  /** Set when this state may not append any more (failed fsync, failed write, fenced out). */
  failure: StoreError | undefined = undefined

  constructor(
    readonly runId: string,
    readonly path: string,
    readonly header: RunHeader,
    readonly ordinal: number,
    /** Offset just after the header line. */
    readonly recordsStart: number,
    end: number,
    lastSeq: number,
  ) {
    this.lastSeq = lastSeq
    this.updatedAt = header.createdAt
    this.size = end
    this.written = end
    this.durableSize = end
    this.durableSeq = lastSeq
    this.scannedSize = end
  }

  summary(): RunSummary {
    return { ...this.header, status: this.status, updatedAt: this.updatedAt, events: this.lastSeq }
  }
}

/**
 * Newest first: greater `createdAt` first, then the later created (greater `ordinal`), then by
 * run id so that the order is total.
 * @internal
 */
export function newestFirst(a: { readonly createdAt: number; readonly ordinal: number; readonly runId: string }, b: { readonly createdAt: number; readonly ordinal: number; readonly runId: string }): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt
  if (a.ordinal !== b.ordinal) return b.ordinal - a.ordinal
  return a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0
}
