import Type, { type Static, type TSchema } from 'typebox'
import { compile, issuesOf } from '../contract/index.js'
import { RunMetadataSchema } from '../journal/index.js'
import { CodecAuthenticationError, CodecKeyError, type PayloadCodec } from '../codec/index.js'
import type { StoreFileSystem } from './file-system.js'
import type { RunHeader } from './port.js'
import { ENCODED_JOURNAL_FORMAT_VERSION, encodeHeaderLine, JOURNAL_FORMAT_VERSION, JOURNAL_MAGIC, parseHeaderLine } from './record-codec.js'
import { JournalCodecError, JournalCorruptError, JournalVersionError } from './store-errors.js'

/**
 * Schema of {@link RunHeader}, checked by `create`.
 * @internal
 */
export const RunHeaderSchema = Type.Object({
  runId: Type.String(),
  workflowId: Type.String(),
  version: Type.String(),
  fingerprint: Type.String(),
  createdAt: Type.Number(),
  parentRunId: Type.Optional(Type.String()),
  metadata: Type.Optional(RunMetadataSchema),
})

/**
 * The header line's JSON: the run header plus `ordinal`, a creation stamp (µs, strictly
 * increasing per store instance) that orders runs created at the same `createdAt`.
 * @internal
 */
export const StoredHeaderSchema = Type.Object({ ...RunHeaderSchema.properties, ordinal: Type.Number() })

/** @internal */
export type StoredHeader = Static<typeof StoredHeaderSchema>

/**
 * The header line's JSON in a journal of format 2 (written with a payload codec): the run id in
 * plain text (it is the file name anyway), the codec's id, and the stored header's JSON as
 * encoded by the codec at `seq` 0.
 * @internal
 */
const EncodedHeaderSchema = Type.Object({ runId: Type.String(), codec: Type.String(), header: Type.String() })

/** A journal's header and where its records begin. @internal */
export interface JournalHead {
  readonly header: RunHeader
  readonly ordinal: number
  /** Byte offset of the first record. */
  readonly recordsStart: number
}

/** A journal's header line, read and framed but not interpreted. @internal */
export interface JournalHeaderLine {
  /** Format version: 1 plain, 2 encoded by a payload codec. */
  readonly version: number
  /** The line's JSON. */
  readonly json: string
  /** Byte offset of the first record. */
  readonly recordsStart: number
}

/**
 * Reads and frames the header line of the journal open at `fd`. Throws
 * {@link JournalVersionError} for a newer format and {@link JournalCorruptError} for a damaged or
 * missing header line.
 * @internal
 */
export async function readJournalHeaderLine(fs: StoreFileSystem, fd: number, runId: string): Promise<JournalHeaderLine> {
  let buf = Buffer.allocUnsafe(4096)
  let n = 0
  for (;;) {
    const got = await fs.read(fd, buf, n, buf.length - n, n)
    n += got
    const parsed = parseHeaderLine(buf, n, JOURNAL_MAGIC, ENCODED_JOURNAL_FORMAT_VERSION)
    if (parsed.kind === 'newer') throw new JournalVersionError(runId, parsed.version, ENCODED_JOURNAL_FORMAT_VERSION)
    if (parsed.kind === 'bad') throw new JournalCorruptError(runId, 0, `header: ${parsed.reason}`)
    if (parsed.kind === 'ok') return { version: parsed.version, json: parsed.json, recordsStart: parsed.next }
    if (got === 0) throw new JournalCorruptError(runId, 0, n === 0 ? 'empty file (no header)' : 'header line is incomplete')
    if (n === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2)
      buf.copy(bigger, 0, 0, n)
      buf = bigger
    }
  }
}

function parseJson(json: string, runId: string): unknown {
  try {
    return JSON.parse(json)
  } catch {
    throw new JournalCorruptError(runId, 0, 'header is not JSON')
  }
}

/**
 * The codec envelope of a format-2 header line (`undefined` for a plain, format-1 journal).
 * Throws {@link JournalCorruptError} when the envelope is malformed.
 * @internal
 */
export function encodedHeaderOf(line: JournalHeaderLine, runId: string): Static<typeof EncodedHeaderSchema> | undefined {
  if (line.version < ENCODED_JOURNAL_FORMAT_VERSION) return undefined
  return checkedHeader(EncodedHeaderSchema, line.json, runId)
}

/** The header JSON parsed and checked against `schema`; {@link JournalCorruptError} naming every issue otherwise. */
function checkedHeader<T extends TSchema>(schema: T, json: string, runId: string): Static<T> {
  const value = parseJson(json, runId)
  if (!compile(schema).Check(value)) {
    throw new JournalCorruptError(runId, 0, `header: ${issuesOf(schema, value).map((i) => `${i.path || '/'} ${i.message}`).join('; ')}`)
  }
  return value as Static<T>
}

/** True for the same run, false when `found` differs from `runId` only in letter case; throws when it names another run. */
function sameRun(found: string, runId: string): boolean {
  if (found === runId) return true
  if (found.toLowerCase() === runId.toLowerCase()) return false
  throw new JournalCorruptError(runId, 0, `header names run ${JSON.stringify(found)}`)
}

/**
 * Interprets a header line for a store whose payload codec is `codec` (`undefined`: plain
 * journals). Resolves `undefined` when the header names a run whose id differs only in letter
 * case (a case-insensitive file system mapped `runId` to another run's file). Throws
 * {@link JournalCodecError} when the journal was written with another codec, the codec's
 * `CodecKeyError` when its keys cannot open the header (a wrong or missing key), and
 * {@link JournalCorruptError} for a damaged header (with the codec's error as `cause` when the
 * encoded header fails authentication).
 * @internal
 */
export function journalHeadOf(line: JournalHeaderLine, runId: string, codec: PayloadCodec | undefined): JournalHead | undefined {
  let json = line.json
  const encoded = encodedHeaderOf(line, runId)
  if (encoded !== undefined) {
    if (!sameRun(encoded.runId, runId)) return undefined
    if (codec === undefined || encoded.codec !== codec.id) throw new JournalCodecError(runId, encoded.codec, codec?.id ?? 'identity')
    try {
      json = codec.decode(encoded.header, { runId, seq: 0 })
    } catch (error) {
      if (error instanceof CodecKeyError) throw error
      throw new JournalCorruptError(runId, 0, `header: ${error instanceof CodecAuthenticationError ? 'failed authentication' : 'cannot be decoded'}`, error)
    }
  }
  const { ordinal, ...header } = checkedHeader(StoredHeaderSchema, json, runId)
  if (!sameRun(header.runId, runId)) return undefined
  if (encoded === undefined && codec !== undefined) throw new JournalCodecError(runId, 'identity', codec.id)
  return { header, ordinal, recordsStart: line.recordsStart }
}

/**
 * Reads and checks the header line of the journal open at `fd`, for a store whose payload codec
 * is `codec` (`undefined`: plain journals); see {@link readJournalHeaderLine} and
 * {@link journalHeadOf} for what it throws. With a codec, decoding the header checks the keys
 * before any record is read.
 * @internal
 */
export async function readJournalHead(fs: StoreFileSystem, fd: number, runId: string, codec?: PayloadCodec): Promise<JournalHead | undefined> {
  return journalHeadOf(await readJournalHeaderLine(fs, fd, runId), runId, codec)
}

/**
 * The header line of a new journal: format 1 (plain) without a codec, format 2 with the header
 * encoded by `codec` at `seq` 0.
 * @internal
 */
export function encodeJournalHeader(stored: StoredHeader, codec: PayloadCodec | undefined): Buffer {
  if (codec === undefined) return encodeHeaderLine(JOURNAL_MAGIC, JOURNAL_FORMAT_VERSION, stored)
  const header = codec.encode(JSON.stringify(stored), { runId: stored.runId, seq: 0 })
  return encodeHeaderLine(JOURNAL_MAGIC, ENCODED_JOURNAL_FORMAT_VERSION, { runId: stored.runId, codec: codec.id, header })
}
