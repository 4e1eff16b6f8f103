import Type, { type Static } from 'typebox'
import { compile, issuesOf } from '../contract/index.js'
import { RunMetadataSchema } from '../journal/index.js'
import type { StoreFileSystem } from './file-system.js'
import type { RunHeader } from './port.js'
import { JOURNAL_FORMAT_VERSION, JOURNAL_MAGIC, parseHeaderLine } from './record-codec.js'
import { JournalCorruptError, JournalVersionError } from './store-errors.js'

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

/** A journal's header and where its records begin. @internal */
export interface JournalHead {
  readonly header: RunHeader
  readonly ordinal: number
  /** Byte offset of the first record. */
  readonly recordsStart: number
}

/**
 * Reads and checks the header line of the journal open at `fd`. Resolves `undefined` when the
 * header names a run whose id differs only in letter case (a case-insensitive file system
 * mapped `runId` to another run's file). Throws {@link JournalVersionError} for a newer format
 * and {@link JournalCorruptError} for a damaged or missing header.
 * @internal
 */
export async function readJournalHead(fs: StoreFileSystem, fd: number, runId: string): Promise<JournalHead | undefined> {
  let buf = Buffer.allocUnsafe(4096)
  let n = 0
  for (;;) {
    const got = await fs.read(fd, buf, n, buf.length - n, n)
    n += got
    const parsed = parseHeaderLine(buf, n, JOURNAL_MAGIC, JOURNAL_FORMAT_VERSION)
    if (parsed.kind === 'newer') throw new JournalVersionError(runId, parsed.version, JOURNAL_FORMAT_VERSION)
    if (parsed.kind === 'bad') throw new JournalCorruptError(runId, 0, `header: ${parsed.reason}`)
    if (parsed.kind === 'ok') {
      let value: unknown
      try {
        value = JSON.parse(parsed.json)
      } catch {
        throw new JournalCorruptError(runId, 0, 'header is not JSON')
      }
      if (!compile(StoredHeaderSchema).Check(value)) {
        throw new JournalCorruptError(runId, 0, `header: ${issuesOf(StoredHeaderSchema, value).map((i) => `${i.path || '/'} ${i.message}`).join('; ')}`)
      }
      const { ordinal, ...header } = value
      if (header.runId !== runId) {
        if (header.runId.toLowerCase() === runId.toLowerCase()) return undefined
        throw new JournalCorruptError(runId, 0, `header names run ${JSON.stringify(header.runId)}`)
      }
      return { header, ordinal, recordsStart: parsed.next }
    }
    if (got === 0) throw new JournalCorruptError(runId, 0, n === 0 ? 'empty file (no header)' : 'header line is incomplete')
    if (n === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2)
      buf.copy(bigger, 0, 0, n)
      buf = bigger
    }
  }
}
