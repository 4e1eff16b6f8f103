import { CodecAuthenticationError, CodecKeyError, type PayloadCodec } from '../codec/index.js'
import type { JournalEvent } from '../journal/index.js'
import { decodeEvent } from './event-codec.js'
import type { StoreFileSystem } from './file-system.js'
import { parseRecord, type RecordOk } from './record-codec.js'
import { JournalCorruptError } from './store-errors.js'

const CHUNK = 256 * 1024

/** Where a scan starts: just after a committed batch (or the header, with `seq` 0). @internal */
export interface ScanFrom {
  readonly offset: number
  /** Last committed sequence number before `offset`. */
  readonly seq: number
}

/** A committed batch found by {@link scanJournal}. @internal */
export interface ScannedBatch {
  /** The batch's events (empty with {@link ScanOptions.framingOnly}). */
  readonly events: JournalEvent[]
  /** Offset just after the batch. */
  readonly end: number
}

/** What {@link scanJournal} found after the last committed batch. @internal */
export interface ScanEnd {
  /** Offset just after the last committed batch: the journal's valid length. */
  readonly validEnd: number
  /** Sequence number of the last committed event. */
  readonly lastSeq: number
  /** Bytes scanned (the file size, or the limit). */
  readonly scannedEnd: number
  /**
   * Zero bytes from `validEnd` to `scannedEnd` after the last committed batch: the unused space of
   * a preallocated journal (see `FileStoreOptions.preallocate`), neither damage nor a torn tail.
   */
  readonly padding?: number
  /** A torn tail after `validEnd` (partial record, bad checksum or unfinished batch at the end). */
  readonly torn?: { readonly offset: number; readonly reason: string }
  /** Damage before the tail, reported instead of thrown with `onCorrupt: 'stop'`. */
  readonly corrupt?: { readonly offset: number; readonly reason: string }
}

/** Options of {@link scanJournal}. @internal */
export interface ScanOptions {
  readonly fs: StoreFileSystem
  readonly fd: number
  readonly runId: string
  readonly from: ScanFrom
  /** Scan only bytes before this offset (default: to the end of the file). */
  readonly limit?: number
  /** `throw` (default) raises {@link JournalCorruptError}; `stop` reports it in {@link ScanEnd.corrupt}. */
  readonly onCorrupt?: 'throw' | 'stop'
  /**
   * Codec of the records' payloads, for a journal of format 2 (the header says which): each
   * payload is decoded with `{ runId, seq }` before it is read as an event. `undefined` (default):
   * the payloads are event JSON.
   */
  readonly codec?: PayloadCodec
  /**
   * Check the framing only (length, checksum, sequence numbers, batch bounds), not what the
   * records hold: nothing is decoded or parsed and batches are yielded without events. For
   * recovery, which needs only where the committed batches end, without keys.
   * @defaultValue false
   */
  readonly framingOnly?: boolean
}

class Corrupt {
  constructor(
    readonly offset: number,
    readonly reason: string,
    readonly cause?: unknown,
  ) {}
}

/**
 * Reads a journal's records from `from`, checking each record's framing, checksum, sequence,
 * batch bounds and schema, and yields every committed batch in order. Returns where the valid
 * journal ends.
 *
 * Zero bytes after the last committed batch, to the end, are **padding** (a preallocated journal's
 * unused space): returned in {@link ScanEnd.padding}, the journal ends cleanly before them. A
 * zero byte where a record starts is damage like any other when anything but zeros follows it.
 *
 * Damage is a **torn tail** — returned in {@link ScanEnd.torn}, never thrown — when nothing
 * after it is a valid record, or when every valid record after it belongs to the batch that was
 * being written last (the one right after the last committed batch: a crash can persist a write's
 * pages out of order). Anything else is damage before the tail: {@link JournalCorruptError}.
 * A torn tail is only ever found by the framing (length, checksum): a record whose checksum
 * matches but whose payload fails the codec's authentication was written whole and changed
 * since, so it is reported as corruption (with the codec's error as `cause`) wherever it is,
 * even last. A codec's `CodecKeyError` is thrown as is. The scan never changes the file.
 * @internal
 */
export async function* scanJournal(options: ScanOptions): AsyncGenerator<ScannedBatch, ScanEnd> {
  const { fs, fd, runId, limit, codec } = options
  const framingOnly = options.framingOnly === true
  let buf = Buffer.allocUnsafe(0)
  let base = options.from.offset // file offset of buf[0]
  let n = 0
  let position = options.from.offset // next file offset to read
  let eof = false

  /** Reads more bytes, dropping `buf[0..keepFrom)`; false at the end of the file (or limit). */
  const more = async (keepFrom: number): Promise<boolean> => {
    if (eof) return false
    const keep = n - keepFrom
    const want = limit === undefined ? Math.max(CHUNK, keep) : Math.min(Math.max(CHUNK, keep), limit - position)
    if (want <= 0) {
      eof = true
      return false
    }
    const next = Buffer.allocUnsafe(keep + want)
    buf.copy(next, 0, keepFrom, n)
    const got = await fs.read(fd, next, keep, want, position)
    position += got
    base += keepFrom
    n = keep + got
    buf = next
    if (got === 0) eof = true
    return got > 0
  }

  let committedSeq = options.from.seq
  let committedEnd = options.from.offset
  let pending: JournalEvent[] = []
  let pendingCount = 0 // records of the open batch (pending holds their events unless framingOnly)
  let pendingBegin = 0
  let pendingEnd = 0
  let p = 0

  const end = (extra: Partial<ScanEnd>): ScanEnd => ({ validEnd: committedEnd, lastSeq: committedSeq, scannedEnd: base + n, ...extra })

  try {
    for (;;) {
      const record = parseRecord(buf, p, n)
      if (record.kind === 'incomplete') {
        if (await more(p)) {
          p = 0
          continue
        }
        if (p === n) {
          if (pendingCount === 0) return end({})
          return end({ torn: { offset: committedEnd, reason: 'the last batch is incomplete' } })
        }
      }
      if (record.kind !== 'ok') {
        const reason = record.kind === 'bad' ? record.reason : 'incomplete record'
        while (await more(0)) {
          // read the rest of the file to see what follows the damage
        }
        if (pendingCount === 0 && allZero(buf, p, n)) return end({ padding: n - p })
        const after = validRecordsAfter(buf, p, n, record.kind === 'bad' ? record.declaredNext : undefined)
        const tornBatch = after.every((r) => r.begin === committedSeq + 1 && r.end === (pendingCount > 0 ? pendingEnd : after[0]!.end) && r.seq > committedSeq + pendingCount && r.seq <= r.end)
        if (tornBatch) return end({ torn: { offset: committedEnd, reason } })
        throw new Corrupt(base + p, reason)
      }
      // A well-formed record with a matching checksum: every further check is about meaning.
      const at = base + p
      const expected = committedSeq + pendingCount + 1
      if (record.seq !== expected) throw new Corrupt(at, `sequence number ${record.seq}, expected ${expected}`)
      if (pendingCount === 0 ? record.begin !== record.seq || record.end < record.seq : record.begin !== pendingBegin || record.end !== pendingEnd) {
        throw new Corrupt(at, `batch bounds ${record.begin}..${record.end} do not fit record ${record.seq}`)
      }
      if (!framingOnly) {
        let json = buf.toString('utf8', record.jsonStart, record.jsonEnd)
        if (codec !== undefined) {
          try {
            json = codec.decode(json, { runId, seq: record.seq })
          } catch (error) {
            // A key problem is configuration, not damage. Anything else about a record whose
            // checksum matches (failed authentication above all) is tampering, never a torn tail.
            if (error instanceof CodecKeyError) throw error
            throw new Corrupt(at, `record ${record.seq} ${error instanceof CodecAuthenticationError ? 'failed authentication' : 'cannot be decoded'}`, error)
          }
        }
        const decoded = decodeEvent(json, runId)
        if ('problem' in decoded) throw new Corrupt(at, decoded.problem)
        if (decoded.event.seq !== record.seq) throw new Corrupt(at, `event seq ${decoded.event.seq} differs from record seq ${record.seq}`)
        pending.push(decoded.event)
      }
      if (pendingCount === 0) {
        pendingBegin = record.begin
        pendingEnd = record.end
      }
      pendingCount++
      p = record.next
      if (record.seq === record.end) {
        committedSeq = record.seq
        committedEnd = base + p
        const events = pending
        pending = []
        pendingCount = 0
        yield { events, end: committedEnd }
      }
    }
  } catch (error) {
    if (!(error instanceof Corrupt)) throw error
    if (options.onCorrupt === 'stop') return end({ corrupt: { offset: error.offset, reason: error.reason } })
    throw new JournalCorruptError(runId, error.offset, error.reason, error.cause)
  }
}

/** Whether `buf[p..n)` holds only zero bytes. */
function allZero(buf: Buffer, p: number, n: number): boolean {
  for (let i = p; i < n; i += ZERO_BLOCK.length) {
    const piece = buf.subarray(i, Math.min(n, i + ZERO_BLOCK.length))
    if (!piece.equals(ZERO_BLOCK.subarray(0, piece.length))) return false
  }
  return true
}

const ZERO_BLOCK = Buffer.alloc(64 * 1024)

/** Every valid record that starts after `p`: after a newline, or where a damaged record's length points. */
function validRecordsAfter(buf: Uint8Array, p: number, n: number, declaredNext: number | undefined): RecordOk[] {
  const found: RecordOk[] = []
  const tried = new Set<number>()
  const tryAt = (start: number): void => {
    if (tried.has(start)) return
    tried.add(start)
    const r = parseRecord(buf, start, n)
    if (r.kind === 'ok') found.push(r)
  }
  if (declaredNext !== undefined && declaredNext > p && declaredNext < n) tryAt(declaredNext)
  for (let nl = buf.indexOf(0x0a, p); nl >= 0 && nl + 1 < n; nl = buf.indexOf(0x0a, nl + 1)) tryAt(nl + 1)
  return found.sort((a, b) => a.jsonStart - b.jsonStart)
}
