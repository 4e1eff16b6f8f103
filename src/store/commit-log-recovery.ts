import { basename, join } from 'node:path'
import { syncDir, writeAll } from './atomic-file.js'
import { ENCODED_COMMIT_LOG_VERSION, parseSegmentName, segmentName, segmentOwnerGone } from './commit-log.js'
import { errorCode, type StoreFileSystem, type StoreHost } from './file-system.js'
import { encodedHeaderOf, journalHeadOf, readJournalHeaderLine } from './journal-header.js'
import { scanJournal, type ScanEnd } from './journal-scan.js'
import { COMMIT_LOG_MAGIC, encodeBatch, parseHeaderLine, parseRecord } from './record-codec.js'
import { runIdProblem } from './run-id.js'
import type { StoreLayout } from './store-layout.js'
import { JournalCorruptError, JournalVersionError } from './store-errors.js'

interface Context {
  readonly fs: StoreFileSystem
  readonly layout: StoreLayout
  readonly host: StoreHost
}

/** A complete batch found in a segment: its sequence numbers and its journal bytes. */
interface LoggedBatch {
  readonly begin: number
  readonly end: number
  readonly data: Buffer
}

/**
 * Replays the commit-log segments left by gone processes (`durability: 'batch'`) into the
 * journals, then removes them. Run once when a store opens its directory.
 *
 * A segment is only touched when its writer is certainly gone: it ran on this machine and the
 * machine restarted since (boot id changed), or its process no longer exists. Segments of other
 * machines are left alone. A recovering store first claims a segment by renaming it (`seg.*` →
 * `rec.*` with its own pid), so two stores opening the directory at once never replay the same
 * segment twice; a claim whose claimer died is claimed again.
 *
 * While the machine runs, the journals hold everything a segment holds (a journal is written
 * before the segment), though perhaps only in the page cache: the segment of a process that
 * exited is removed after fdatasync'ing the journals it names. After a restart, for each run in
 * the segment, the complete batches beyond the journal's last committed batch are appended to
 * the journal (after cutting a torn tail, or damage the segment covers) and fdatasync'ed.
 *
 * Segments of a store with a payload codec (format 2) hold encoded payloads with their run id;
 * they are replayed only into journals of the same codec, without decoding anything (no keys
 * needed): the framing tells where a journal's committed batches end.
 * @internal
 */
export async function recoverCommitLogs(ctx: Context): Promise<void> {
  let names: string[]
  try {
    names = await ctx.fs.readdir(ctx.layout.log)
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return
    throw error
  }
  for (const name of names.sort()) {
    const parsed = parseSegmentName(name)
    const gone = parsed === undefined ? undefined : segmentOwnerGone(parsed, ctx.host)
    if (gone === undefined) continue
    const claimed = join(ctx.layout.log, segmentName('rec', ctx.host))
    try {
      await ctx.fs.rename(join(ctx.layout.log, name), claimed)
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue // another store claimed it first
      throw error
    }
    await replaySegment(ctx, claimed, gone === 'rebooted')
    await ctx.fs.unlink(claimed)
    await syncDir(ctx.fs, ctx.layout.log)
  }
}

async function replaySegment(ctx: Context, path: string, rebooted: boolean): Promise<void> {
  const buf = Buffer.from(await ctx.fs.readFile(path))
  const head = parseHeaderLine(buf, buf.length, COMMIT_LOG_MAGIC, ENCODED_COMMIT_LOG_VERSION)
  if (head.kind === 'newer') throw new JournalVersionError(basename(path), head.version, ENCODED_COMMIT_LOG_VERSION)
  if (head.kind !== 'ok') return // the header is made durable before any use: nothing was logged
  // Format 2: the records are a codec's (`codec` in the header), each with its run id.
  let codecId: string | undefined
  if (head.version >= ENCODED_COMMIT_LOG_VERSION) {
    let codec: unknown
    try {
      codec = (JSON.parse(head.json) as { codec?: unknown } | null)?.codec
    } catch {
      return
    }
    if (typeof codec !== 'string') return
    codecId = codec
  }
  const byRun = new Map<string, LoggedBatch[]>()
  const open = new Map<string, { begin: number; end: number; start: number; seq: number; records: string[] }>()
  for (let p = head.next; ; ) {
    const record = parseRecord(buf, p, buf.length)
    if (record.kind !== 'ok') break // the torn end of the last group commit
    let logged: { runId?: unknown; record?: unknown }
    try {
      logged = JSON.parse(buf.toString('utf8', record.jsonStart, record.jsonEnd)) as { runId?: unknown; record?: unknown }
    } catch {
      break
    }
    if (typeof logged !== 'object' || logged === null) break
    const { runId, record: payload } = logged
    if (typeof runId !== 'string' || runIdProblem(runId) !== undefined) break
    if (codecId !== undefined && typeof payload !== 'string') break
    const current = open.get(runId)
    if (record.seq === record.begin) open.set(runId, { begin: record.begin, end: record.end, start: p, seq: record.seq, records: [] })
    else if (current !== undefined && current.seq + 1 === record.seq && current.begin === record.begin && current.end === record.end) current.seq = record.seq
    else open.delete(runId)
    const batch = open.get(runId)
    if (batch !== undefined && codecId !== undefined) batch.records.push(payload as string)
    if (batch !== undefined && record.seq === record.end) {
      const list = byRun.get(runId) ?? []
      // A plain segment holds the journal's own lines; an encoded one the payloads, framed anew.
      list.push({ begin: batch.begin, end: batch.end, data: codecId === undefined ? buf.subarray(batch.start, record.next) : encodeBatch(batch.begin, batch.records) })
      byRun.set(runId, list)
      open.delete(runId)
    }
    p = record.next
  }
  for (const [runId, batches] of byRun) {
    if (rebooted) await repairRun(ctx, runId, batches, codecId)
    else await syncJournal(ctx, runId)
  }
}

async function syncJournal(ctx: Context, runId: string): Promise<void> {
  let fd: number
  try {
    fd = await ctx.fs.open(ctx.layout.journal(runId), 'r+')
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return
    throw error
  }
  try {
    await ctx.fs.fdatasync(fd)
  } finally {
    await ctx.fs.close(fd)
  }
}

/** `codecId`: the codec of the segment's records (`undefined`: plain); only a journal of the same codec is repaired. */
async function repairRun(ctx: Context, runId: string, batches: readonly LoggedBatch[], codecId: string | undefined): Promise<void> {
  const path = ctx.layout.journal(runId)
  let fd: number
  try {
    fd = await ctx.fs.open(path, 'r')
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return // pruned since
    throw error
  }
  let end: ScanEnd
  try {
    const line = await readJournalHeaderLine(ctx.fs, fd, runId)
    const encoded = encodedHeaderOf(line, runId)
    if (encoded?.codec !== codecId) return // written with another codec: not this segment's journal
    if (encoded === undefined ? journalHeadOf(line, runId, undefined) === undefined : encoded.runId !== runId) return
    const scan = scanJournal({ fs: ctx.fs, fd, runId, from: { offset: line.recordsStart, seq: 0 }, onCorrupt: 'stop', framingOnly: encoded !== undefined })
    for (let step = await scan.next(); ; step = await scan.next()) {
      if (step.done === true) {
        end = step.value
        break
      }
    }
  } catch (error) {
    if (error instanceof JournalCorruptError || error instanceof JournalVersionError) return // unreadable header: leave it to be reported
    throw error
  } finally {
    await ctx.fs.close(fd)
  }
  const first = batches.findIndex((b) => b.begin === end.lastSeq + 1)
  if (first < 0) return // nothing newer, or a gap the segment cannot fill
  const missing: LoggedBatch[] = []
  for (let i = first, expected = end.lastSeq + 1; i < batches.length && batches[i]!.begin === expected; i++) {
    missing.push(batches[i]!)
    expected = batches[i]!.end + 1
  }
  const wfd = await ctx.fs.open(path, 'a')
  try {
    await ctx.fs.ftruncate(wfd, end.validEnd)
    for (const batch of missing) writeAll(ctx.fs, wfd, batch.data)
    await ctx.fs.fdatasync(wfd)
  } finally {
    await ctx.fs.close(wfd)
  }
}
