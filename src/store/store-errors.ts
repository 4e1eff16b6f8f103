import { WeftError } from '../errors/index.js'

/**
 * A store could not do what was asked. `code` tells which case.
 * @public
 */
export class StoreError<Data extends { readonly runId?: string } = { readonly runId?: string }> extends WeftError<Data> {}

/**
 * The run id is unknown to the store.
 * @public
 */
export class RunNotFoundError extends StoreError<{ readonly runId: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_RUN_NOT_FOUND'
  constructor(runId: string) {
    super(RunNotFoundError.code, `run "${runId}" does not exist in this store`, { runId })
  }
}

/**
 * A run with this id already exists.
 * @public
 */
export class RunExistsError extends StoreError<{ readonly runId: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_RUN_EXISTS'
  constructor(runId: string) {
    super(RunExistsError.code, `run "${runId}" already exists in this store`, { runId })
  }
}

/**
 * An appended event's sequence number does not continue the journal.
 * @public
 */
export class JournalSequenceError extends StoreError<{ readonly runId: string; readonly expected: number; readonly found: number }> {
  /** Stable code. */
  static readonly code = 'WEFT_JOURNAL_SEQUENCE'
  constructor(runId: string, expected: number, found: number) {
    super(JournalSequenceError.code, `run "${runId}": expected event seq ${expected}, got ${found}`, { runId, expected, found })
  }
}

/**
 * A run id cannot be used by a store: it is not a valid id (`isValidId`), or it could escape
 * the store's directory (`..`, a path separator, NUL).
 * @public
 */
export class InvalidRunIdError extends StoreError<{ readonly runId: string; readonly reason: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_INVALID_RUN_ID'
  constructor(runId: string, reason: string) {
    super(InvalidRunIdError.code, `invalid run id ${JSON.stringify(runId)}: ${reason}`, { runId, reason })
  }
}

/**
 * A journal is damaged before its tail: a record that is not the last one fails its length,
 * checksum, sequence or schema check, or the header line is unreadable. The store never drops
 * such records silently; `data.offset` is the byte offset of the first bad record. In a journal
 * written with a payload codec, a record whose checksum matches but which fails authentication
 * (it was changed, or copied from another run or position) is reported this way too, wherever
 * it is, with the codec's `CodecAuthenticationError` as `cause`.
 * @public
 */
export class JournalCorruptError extends StoreError<{ readonly runId: string; readonly offset: number; readonly reason: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_JOURNAL_CORRUPT'
  /** `cause`: what found the damage (e.g. a `CodecAuthenticationError`), when there is more to tell. */
  constructor(runId: string, offset: number, reason: string, cause?: unknown) {
    super(JournalCorruptError.code, `journal of run "${runId}" is corrupt at byte ${offset}: ${reason}`, { runId, offset, reason }, { cause })
  }
}

/**
 * A journal was written with another payload codec than the store's (`fileStore(dir, { codec })`):
 * `data.journalCodec` is the id recorded in the journal (`identity` for a plain journal),
 * `data.storeCodec` the store's. Raised when the store opens the journal, before any of its
 * records is read or appended; nothing is changed. A store never reads a plain journal with an
 * encrypting codec either, so a journal planted in plain text cannot pass for an encrypted one.
 * @public
 */
export class JournalCodecError extends StoreError<{ readonly runId: string; readonly journalCodec: string; readonly storeCodec: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_JOURNAL_CODEC'
  constructor(runId: string, journalCodec: string, storeCodec: string) {
    super(
      JournalCodecError.code,
      `journal of run "${runId}" was written with payload codec ${JSON.stringify(journalCodec)}, but this store uses ${JSON.stringify(storeCodec)}; open it with a store configured with the same codec`,
      { runId, journalCodec, storeCodec },
    )
  }
}

/**
 * A journal (or commit log) was written in a newer format than this version of Weft reads.
 * @public
 */
export class JournalVersionError extends StoreError<{ readonly runId: string; readonly version: number; readonly supported: number }> {
  /** Stable code. */
  static readonly code = 'WEFT_JOURNAL_VERSION'
  constructor(runId: string, version: number, supported: number) {
    super(JournalVersionError.code, `journal of run "${runId}" has format version ${version}; this version of Weft reads up to ${supported}`, { runId, version, supported })
  }
}

/**
 * The caller's lease on a run is no longer the current one: a newer lease (higher fencing
 * token) was acquired, or the lease was released. A fenced append that fails this way wrote
 * nothing.
 * @public
 */
export class LeaseLostError extends StoreError<{ readonly runId: string; readonly token: number; readonly current: number | undefined }> {
  /** Stable code. */
  static readonly code = 'WEFT_LEASE_LOST'
  constructor(runId: string, token: number, current: number | undefined, detail?: string) {
    super(LeaseLostError.code, `lease ${token} on run "${runId}" is lost${detail === undefined ? (current === undefined ? '' : ` (current token ${current})`) : `: ${detail}`}`, { runId, token, current })
  }
}

/**
 * The file system refused an operation (write, fsync, rename, …). `cause` holds the system
 * error. After a failed fsync the run's journal is not trusted by this store instance again
 * (its appends keep failing); open a new store to continue from what is on disk.
 * @public
 */
export class StoreIOError extends StoreError<{ readonly runId?: string; readonly operation: string; readonly path?: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_STORE_IO'
  constructor(data: { readonly runId?: string; readonly operation: string; readonly path?: string }, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : ''
    super(StoreIOError.code, `store ${data.operation} failed${data.runId === undefined ? '' : ` for run "${data.runId}"`}${why}`, data, { cause })
  }
}

/**
 * An event handed to `append` cannot be journaled: it does not match the journal event schema,
 * names another run, or is not JSON-serializable. Nothing of the batch was written.
 * @public
 */
export class InvalidEventError extends StoreError<{ readonly runId: string; readonly seq: number; readonly issues: readonly { readonly path: string; readonly message: string }[] }> {
  /** Stable code. */
  static readonly code = 'WEFT_INVALID_EVENT'
  constructor(runId: string, seq: number, issues: readonly { readonly path: string; readonly message: string }[]) {
    super(InvalidEventError.code, `run "${runId}": event ${seq} cannot be journaled: ${issues.slice(0, 3).map((i) => `${i.path || '/'}: ${i.message}`).join('; ')}`, { runId, seq, issues })
  }
}

/**
 * The store was closed; it accepts no more calls.
 * @public
 */
export class StoreClosedError extends StoreError<{ readonly runId?: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_STORE_CLOSED'
  constructor(runId?: string) {
    super(StoreClosedError.code, 'the store is closed', runId === undefined ? {} : { runId })
  }
}
