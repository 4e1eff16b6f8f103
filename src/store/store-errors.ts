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
