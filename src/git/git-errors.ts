import { WeftError } from '../errors/index.js'

/**
 * Base of the errors thrown by `weft/git`. Match on `code` (stable) or with `isWeftError`.
 * @public
 */
export class GitError<Data extends { readonly dir: string } = { readonly dir: string }> extends WeftError<Data> {}

/**
 * Why a checkpoint or a rollback was refused:
 * - `not-a-repository`: `dir` has no `.git` directory;
 * - `no-checkpoints`: the run has no checkpoint ref (`refs/weft/runs/<runId>`);
 * - `unknown-step`: no checkpoint of the step named by `to`;
 * - `foreign-changes`: files in scope differ from the run's latest checkpoint (`data.paths`);
 * - `corrupt-checkpoint`: the run ref's history does not look like weft checkpoints.
 * @public
 */
export type GitCheckpointReason = 'not-a-repository' | 'no-checkpoints' | 'unknown-step' | 'foreign-changes' | 'corrupt-checkpoint'

/**
 * Data of a {@link GitCheckpointError}.
 * @public
 */
export interface GitCheckpointErrorData {
  /** The workspace (repository root). */
  readonly dir: string
  /** What went wrong. */
  readonly reason: GitCheckpointReason
  /** The run concerned, when there is one. */
  readonly runId?: string
  /** Paths (relative, `/`-separated) concerned: e.g. the files changed outside the run. */
  readonly paths?: readonly string[]
  /** The steps that have checkpoints, for `unknown-step`. */
  readonly steps?: readonly string[]
}

/**
 * A checkpoint could not be written, or a rollback was refused (see {@link GitCheckpointReason}).
 * @example
 * ```ts
 * try { await rollback({ dir, runId, to: 'build' }) }
 * catch (e) { if (isWeftError(e, 'WEFT_GIT_CHECKPOINT') && e.data.reason === 'foreign-changes') console.log(e.data.paths) }
 * ```
 * @public
 */
export class GitCheckpointError extends GitError<GitCheckpointErrorData> {
  /** Stable code. */
  static readonly code = 'WEFT_GIT_CHECKPOINT'
  constructor(message: string, data: GitCheckpointErrorData, options?: { cause?: unknown }) {
    super(GitCheckpointError.code, message, data, options)
  }
}

/**
 * One reason an exported journal commit was rejected by `importRun`.
 * @public
 */
export interface GitJournalProblem {
  /** Machine-readable kind, e.g. `sha256-mismatch`, `seq-gap`, `fingerprint-mismatch`. */
  readonly code: string
  /** Human-readable explanation. */
  readonly message: string
  /** 1-based line of `journal.jsonl`, when the problem is in one event. */
  readonly line?: number
}

/**
 * Data of a {@link GitJournalError}.
 * @public
 */
export interface GitJournalErrorData {
  /** The repository. */
  readonly dir: string
  /** The ref (or commit id) that was imported. */
  readonly ref: string
  /** The commit the ref resolved to, when it resolved. */
  readonly commit?: string
  /** Every problem found. */
  readonly problems: readonly GitJournalProblem[]
}

/**
 * An exported run journal failed verification on import (checksum, sequence, schema or
 * fingerprint), so nothing was written to the store. `data.problems` lists every problem.
 * @public
 */
export class GitJournalError extends GitError<GitJournalErrorData> {
  /** Stable code. */
  static readonly code = 'WEFT_GIT_JOURNAL'
  constructor(data: GitJournalErrorData) {
    super(GitJournalError.code, `journal at ${data.ref} rejected: ${data.problems.map((p) => p.message).join('; ')}`, data)
  }
}

/**
 * Data of a {@link GitReadError}.
 * @public
 */
export interface GitReadErrorData {
  /** The repository. */
  readonly dir: string
  /** The ref that was read. */
  readonly ref: string
  /** The file, when one was asked for. */
  readonly path?: string
  /** `ref-not-found`, `file-not-found` or `invalid-json`. */
  readonly reason: 'ref-not-found' | 'file-not-found' | 'invalid-json'
}

/**
 * A ref, or a file at a ref, could not be read.
 * @public
 */
export class GitReadError extends GitError<GitReadErrorData> {
  /** Stable code. */
  static readonly code = 'WEFT_GIT_READ'
  constructor(message: string, data: GitReadErrorData, options?: { cause?: unknown }) {
    super(GitReadError.code, message, data, options)
  }
}
