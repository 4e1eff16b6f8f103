import { randomBytes } from 'node:crypto'
import { join } from 'node:path'

/** File name extension of a run journal. @internal */
export const JOURNAL_EXTENSION = '.wj'

/**
 * Where the file store keeps what:
 *
 * ```text
 * <root>/runs/<run id>.wj               one append-only journal per run (header line + records)
 * <root>/leases/<run id>/<token>.lease  the run's current lease; the highest token is current
 * <root>/log/seg.<host>.<boot>.<pid>.<nonce>.wal   commit-log segment of a 'batch' store
 * ```
 *
 * A `:` in a run id is written `%3A` in file names (`:` is not allowed in Windows file names
 * and `%` is not allowed in run ids, so names stay distinct). Temporary files start with
 * `.tmp-` and live beside their target, on the same file system.
 * @internal
 */
export class StoreLayout {
  readonly runs: string
  readonly leases: string
  readonly log: string

  constructor(readonly root: string) {
    this.runs = join(root, 'runs')
    this.leases = join(root, 'leases')
    this.log = join(root, 'log')
  }

  /** Path of a run's journal. */
  journal(runId: string): string {
    return join(this.runs, fileNameOf(runId) + JOURNAL_EXTENSION)
  }

  /** Directory of a run's lease files. */
  leaseDir(runId: string): string {
    return join(this.leases, fileNameOf(runId))
  }

  /** A fresh temporary path in `dir`. */
  temp(dir: string): string {
    return join(dir, `.tmp-${nonce()}`)
  }
}

/** The file name (without extension) for a run id. @internal */
export function fileNameOf(runId: string): string {
  return runId.includes(':') ? runId.replaceAll(':', '%3A') : runId
}

/** The run id of a journal file name, or `undefined` when the name is not a journal's. @internal */
export function runIdOfFileName(name: string): string | undefined {
  if (!name.endsWith(JOURNAL_EXTENSION) || name.startsWith('.')) return undefined
  return name.slice(0, -JOURNAL_EXTENSION.length).replaceAll('%3A', ':')
}

/** 16 random hex digits, for temporary and segment file names. @internal */
export function nonce(): string {
  return randomBytes(8).toString('hex')
}
