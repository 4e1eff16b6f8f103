import { createHash } from 'node:crypto'
import git from 'isomorphic-git'
import { issuesOf, parseUntrustedJson } from '../contract/index.js'
import { InvalidArgumentError } from '../engine/index.js'
import { JournalEventSchema, type JournalEvent } from '../journal/index.js'
import type { RunHeader, RunStore } from '../store/index.js'
import { readCommitInfo } from './git-checkpoints.js'
import { GitJournalError, GitReadError, type GitJournalProblem } from './git-errors.js'
import { defaultIdentity, exclusive, formatMessage, journalRef, moveRef, resolveCommit, tryResolve, writeCommitObject, type GitIdentity } from './refs.js'
import { checkString, openRepository, type GitFsClient, type Repository } from './repository.js'

/** An imported journal is untrusted: each event is bounded like a signal payload. */
const eventLimits = { maxBytes: 16 * 1024 * 1024, maxDepth: 64, maxNodes: 1_000_000 }

/** Format tag of `meta.json` in an exported journal commit. @public */
export const journalFormat = 'weft-journal/1'

/**
 * `meta.json` of an exported journal commit.
 * @public
 */
export interface ExportedRunMeta {
  /** Always {@link journalFormat}. */
  readonly format: typeof journalFormat
  /** The run's header as the store recorded it. */
  readonly run: RunHeader
  /** Number of events (lines of `journal.jsonl`). */
  readonly events: number
  /** SHA-256 (hex) of the bytes of `journal.jsonl`. */
  readonly sha256: string
}

/**
 * Options of {@link exportRun}.
 * @public
 */
export interface ExportRunOptions {
  /** Root of the git working tree (the directory that holds `.git`). */
  readonly dir: string
  /** The run to export. */
  readonly runId: string
  /** The store that holds the run. */
  readonly store: RunStore
  /**
   * File system for the repository.
   * @defaultValue `node:fs`
   */
  readonly fs?: GitFsClient
  /**
   * Author and committer of the export commit.
   * @defaultValue `{ name: 'weft', email: 'weft@localhost' }`
   */
  readonly author?: GitIdentity
  /**
   * Clock for the commit timestamp (ms since the epoch).
   * @defaultValue `Date.now`
   */
  readonly now?: () => number
}

/**
 * What {@link exportRun} wrote.
 * @public
 */
export interface ExportRunResult {
  /** `refs/weft/journal/<runId>`. */
  readonly ref: string
  /** The export commit. */
  readonly commit: string
  /** Number of events exported. */
  readonly events: number
  /** SHA-256 of `journal.jsonl`. */
  readonly sha256: string
}

/**
 * Writes a run's journal to git as a commit on `refs/weft/journal/<runId>` whose tree holds
 * `journal.jsonl` (one JSON event per line, in sequence order) and `meta.json`
 * ({@link ExportedRunMeta}: the run header with its fingerprint, the event count and the
 * SHA-256 of the journal). Exporting again after more events adds a commit on top of the
 * previous export. The working tree, index and `HEAD` are not touched; share the ref with
 * `git push origin 'refs/weft/journal/*:refs/weft/journal/*'`.
 *
 * @example
 * ```ts
 * await exportRun({ dir: '.', runId: run.runId, store })
 * ```
 * @public
 */
export async function exportRun(options: ExportRunOptions): Promise<ExportRunResult> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'an object with `dir`, `runId` and `store`', options)
  const runId = checkString('runId', options.runId)
  if (typeof options.store?.read !== 'function' || typeof options.store.get !== 'function') throw new InvalidArgumentError('store', 'a RunStore', options.store)
  const repo = await openRepository(options.dir, options.fs)
  const summary = await options.store.get(runId)
  const lines: string[] = []
  for await (const event of options.store.read(runId)) lines.push(JSON.stringify(event))
  if (summary === undefined) throw new InvalidArgumentError('runId', 'a run in the store', runId)
  const { status: _status, updatedAt: _updatedAt, events: _events, ...header } = summary
  const journal = Buffer.from(lines.length === 0 ? '' : `${lines.join('\n')}\n`, 'utf8')
  const sha256 = createHash('sha256').update(journal).digest('hex')
  const meta: ExportedRunMeta = { format: journalFormat, run: header, events: lines.length, sha256 }
  const gitArgs = { fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir }
  return exclusive(repo.gitdir, async () => {
    const journalOid = await git.writeBlob({ ...gitArgs, blob: journal })
    const metaOid = await git.writeBlob({ ...gitArgs, blob: Buffer.from(`${JSON.stringify(meta, null, 2)}\n`, 'utf8') })
    const tree = await git.writeTree({
      ...gitArgs,
      tree: [
        { mode: '100644', path: 'journal.jsonl', oid: journalOid, type: 'blob' },
        { mode: '100644', path: 'meta.json', oid: metaOid, type: 'blob' },
      ],
    })
    const ref = journalRef(runId)
    const parent = await tryResolve(repo, ref)
    const message = formatMessage(`weft: journal of run ${runId} (${lines.length} events)`, {
      'Weft-Run': runId,
      'Weft-Workflow': header.workflowId,
      'Weft-Fingerprint': header.fingerprint,
      'Weft-Journal-Sha256': sha256,
    })
    const commit = await writeCommitObject(repo, { tree, parents: parent === undefined ? [] : [parent], message, author: options.author ?? defaultIdentity, time: (options.now ?? Date.now)() })
    await moveRef(repo, ref, commit)
    return { ref, commit, events: lines.length, sha256 }
  })
}

/**
 * Options of {@link importRun}.
 * @public
 */
export interface ImportRunOptions {
  /** Root of the git working tree (the directory that holds `.git`). */
  readonly dir: string
  /** The export to import: `refs/weft/journal/<runId>`, a fetched copy of it, or a commit id. */
  readonly ref: string
  /** The store to recreate the run in (the run id must be free there). */
  readonly store: RunStore
  /**
   * When given, the journal must be a run of this fingerprint (e.g. `workflow.fingerprint`).
   * @defaultValue no check beyond the journal's own consistency
   */
  readonly fingerprint?: string
  /**
   * File system for the repository.
   * @defaultValue `node:fs`
   */
  readonly fs?: GitFsClient
}

/**
 * What {@link importRun} recreated.
 * @public
 */
export interface ImportRunResult {
  /** The run id. */
  readonly runId: string
  /** The commit that was imported. */
  readonly commit: string
  /** Number of events appended. */
  readonly events: number
}

async function readBlobAt(repo: Repository, commit: string, filepath: string): Promise<Uint8Array | undefined> {
  try {
    return (await git.readBlob({ fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, oid: commit, filepath, cache: repo.cache })).blob
  } catch {
    return undefined
  }
}

/**
 * Reads a journal exported by {@link exportRun} back into a store, after verifying it: the
 * SHA-256 of `journal.jsonl` against `meta.json`, every line against the journal event schema,
 * sequence numbers from 1 without gaps, every event of the one run, the first event a
 * `run.started` whose workflow, version and fingerprint match the header (and `fingerprint`, if
 * given), and the event count. Any failure rejects the whole import with a
 * {@link GitJournalError} listing every problem, before anything is written. Then the run is
 * created in the store and its events appended (the store's own `RunExistsError` when the id
 * is taken).
 *
 * @example
 * ```ts
 * await importRun({ dir: '.', ref: 'refs/weft/journal/run-42', store: fileStore('.weft') })
 * ```
 * @public
 */
export async function importRun(options: ImportRunOptions): Promise<ImportRunResult> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'an object with `dir`, `ref` and `store`', options)
  const ref = checkString('ref', options.ref, 'a ref or commit id')
  if (typeof options.store?.create !== 'function' || typeof options.store.append !== 'function') throw new InvalidArgumentError('store', 'a RunStore', options.store)
  if (options.fingerprint !== undefined) checkString('fingerprint', options.fingerprint)
  const repo = await openRepository(options.dir, options.fs)
  const commit = await resolveCommit(repo, ref)
  if (commit === undefined) throw new GitReadError(`${ref} does not name a commit in ${repo.dir}`, { dir: repo.dir, ref, reason: 'ref-not-found' })
  const problems: GitJournalProblem[] = []
  const reject = (): never => {
    throw new GitJournalError({ dir: repo.dir, ref, commit, problems })
  }
  const [journalBytes, metaBytes] = await Promise.all([readBlobAt(repo, commit, 'journal.jsonl'), readBlobAt(repo, commit, 'meta.json')])
  if (journalBytes === undefined) problems.push({ code: 'missing-journal', message: 'the commit has no journal.jsonl' })
  if (metaBytes === undefined) problems.push({ code: 'missing-meta', message: 'the commit has no meta.json' })
  if (journalBytes === undefined || metaBytes === undefined) return reject()

  let meta: ExportedRunMeta | undefined
  try {
    meta = parseUntrustedJson(Buffer.from(metaBytes).toString('utf8'), 'meta.json', { maxBytes: 64 * 1024, maxDepth: 8 }) as ExportedRunMeta
  } catch (error) {
    problems.push({ code: 'invalid-meta', message: (error as Error).message }) // "meta.json refused: …"
    return reject()
  }
  const run = meta?.run
  if (
    meta?.format !== journalFormat ||
    typeof meta.sha256 !== 'string' ||
    typeof meta.events !== 'number' ||
    typeof run !== 'object' ||
    run === null ||
    typeof run.runId !== 'string' ||
    typeof run.workflowId !== 'string' ||
    typeof run.version !== 'string' ||
    typeof run.fingerprint !== 'string' ||
    typeof run.createdAt !== 'number'
  ) {
    problems.push({ code: 'invalid-meta', message: `meta.json is not a ${journalFormat} header` })
    return reject()
  }
  const actual = createHash('sha256').update(journalBytes).digest('hex')
  if (actual !== meta.sha256) problems.push({ code: 'sha256-mismatch', message: `journal.jsonl has sha256 ${actual}, meta.json says ${meta.sha256}` })
  if (options.fingerprint !== undefined && run.fingerprint !== options.fingerprint) {
    problems.push({ code: 'fingerprint-mismatch', message: `the run has fingerprint ${run.fingerprint}, expected ${options.fingerprint}` })
  }

  const text = Buffer.from(journalBytes).toString('utf8')
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n')
  const events: JournalEvent[] = []
  let nextSeq = 1
  lines.forEach((line, i) => {
    const at = i + 1
    let event: unknown
    try {
      event = parseUntrustedJson(line, `line ${at}`, eventLimits)
    } catch (error) {
      problems.push({ code: 'invalid-event', line: at, message: (error as Error).message }) // "line N refused: …" (parseUntrustedJson throws nothing else)
      return
    }
    const issues = issuesOf(JournalEventSchema, event)
    if (issues.length > 0) {
      problems.push({ code: 'invalid-event', line: at, message: `line ${at} is not a journal event (${issues.map((x) => `${x.path || '/'}: ${x.message}`).join(', ')})` })
      return
    }
    const e = event as JournalEvent
    if (e.seq !== nextSeq) problems.push({ code: 'seq-gap', line: at, message: `line ${at} has seq ${e.seq}, expected ${nextSeq}` })
    nextSeq = e.seq + 1
    if (e.runId !== run.runId) problems.push({ code: 'foreign-event', line: at, message: `line ${at} belongs to run "${e.runId}", not "${run.runId}"` })
    events.push(e)
  })
  if (lines.length !== meta.events) problems.push({ code: 'event-count', message: `journal.jsonl has ${lines.length} events, meta.json says ${meta.events}` })
  const first = events[0]
  if (first === undefined || first.type !== 'run.started') {
    problems.push({ code: 'no-start', message: 'the journal does not begin with run.started' })
  } else {
    if (first.fingerprint !== run.fingerprint) problems.push({ code: 'fingerprint-mismatch', line: 1, message: `run.started has fingerprint ${first.fingerprint}, meta.json says ${run.fingerprint}` })
    if (first.workflowId !== run.workflowId || first.version !== run.version) {
      problems.push({ code: 'workflow-mismatch', line: 1, message: `run.started is ${first.workflowId}@${first.version}, meta.json says ${run.workflowId}@${run.version}` })
    }
  }
  const info = await readCommitInfo(repo, commit)
  const sealed = /^Weft-Journal-Sha256: ([0-9a-f]{64})$/m.exec(info.message)?.[1]
  if (sealed !== undefined && sealed !== meta.sha256) problems.push({ code: 'sha256-mismatch', message: `the commit message seals sha256 ${sealed}, meta.json says ${meta.sha256}` })
  if (problems.length > 0) return reject()

  const header: RunHeader = {
    runId: run.runId,
    workflowId: run.workflowId,
    version: run.version,
    fingerprint: run.fingerprint,
    createdAt: run.createdAt,
    ...(typeof run.parentRunId === 'string' ? { parentRunId: run.parentRunId } : {}),
  }
  await options.store.create(header)
  if (events.length > 0) await options.store.append(run.runId, events)
  return { runId: run.runId, commit, events: events.length }
}

