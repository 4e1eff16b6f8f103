import git from 'isomorphic-git'
import { InvalidArgumentError } from '../engine/index.js'
import { readCommitInfo } from './git-checkpoints.js'
import { GitCheckpointError } from './git-errors.js'
import { checkpointRef, defaultIdentity, exclusive, formatMessage, moveRef, parseTrailers, tryResolve, writeCommitObject, type GitIdentity } from './refs.js'
import { checkGlobs, checkString, openRepository, type GitFsClient, type Repository } from './repository.js'
import { readListing, scanWorkspace, writeTrees, type FileEntry, type Listing } from './workspace-snapshot.js'
import { WorkspaceScope, type ScopeSpec } from './workspace-scope.js'

/**
 * Options of {@link rollback}.
 * @public
 */
export interface RollbackOptions {
  /** Root of the git working tree (the directory that holds `.git`). */
  readonly dir: string
  /** The run whose checkpoints to use. */
  readonly runId: string
  /**
   * The checkpoint to restore: a step id (its latest checkpoint) or `'start'` (the workspace as
   * the run found it). `'start'` always means the run start, even if a step is named `start`.
   */
  readonly to: string
  /**
   * Restore even when files in scope differ from the run's latest checkpoint (changes the run
   * did not make, or made after its last checkpoint); those changes are lost.
   * @defaultValue `false`
   */
  readonly force?: boolean
  /**
   * Narrows the scope recorded by the run's checkpoints to these globs (it cannot widen it).
   * @defaultValue the recorded scope
   */
  readonly include?: readonly string[]
  /**
   * Leaves these globs out of the recorded scope.
   * @defaultValue `[]`
   */
  readonly exclude?: readonly string[]
  /**
   * File system for the workspace and the repository.
   * @defaultValue `node:fs`
   */
  readonly fs?: GitFsClient
  /**
   * Author of the rollback commit.
   * @defaultValue `{ name: 'weft', email: 'weft@localhost' }`
   */
  readonly author?: GitIdentity
  /**
   * Clock for the rollback commit's timestamp (ms since the epoch).
   * @defaultValue `Date.now`
   */
  readonly now?: () => number
}

/**
 * What {@link rollback} did.
 * @public
 */
export interface RollbackResult {
  /** The checkpoint commit that was restored. */
  readonly checkpoint: string
  /** The commit recording the rollback on `refs/weft/runs/<runId>` (the new latest checkpoint). */
  readonly commit: string
  /** Files written back (modified or deleted since the checkpoint), sorted. */
  readonly restored: readonly string[]
  /** Files removed (added since the checkpoint), sorted. */
  readonly removed: readonly string[]
}

interface RunCommit {
  readonly oid: string
  readonly tree: string
  readonly trailers: Record<string, string>
}

/** The run's commits from the ref tip down to its start commit (tip first). */
export async function runHistory(repo: Repository, runId: string): Promise<RunCommit[]> {
  const ref = checkpointRef(runId)
  const tip = await tryResolve(repo, ref)
  if (tip === undefined) throw new GitCheckpointError(`run "${runId}" has no checkpoints (${ref} does not exist)`, { dir: repo.dir, reason: 'no-checkpoints', runId })
  const out: RunCommit[] = []
  let oid: string | undefined = tip
  while (oid !== undefined) {
    const info = await readCommitInfo(repo, oid)
    const trailers = parseTrailers(info.message)
    if (trailers['Weft-Run'] !== runId) break
    out.push({ oid, tree: info.tree, trailers })
    if (trailers['Weft-Base'] !== undefined) return out
    oid = info.parents[0]
  }
  throw new GitCheckpointError(`${ref} does not lead to the start commit of run "${runId}"`, { dir: repo.dir, reason: 'corrupt-checkpoint', runId })
}

function recordedScope(start: RunCommit): WorkspaceScope {
  try {
    const spec = JSON.parse(start.trailers['Weft-Scope'] ?? '') as ScopeSpec
    if (Array.isArray(spec.include) && Array.isArray(spec.exclude) && typeof spec.gitignore === 'boolean') return new WorkspaceScope(spec)
  } catch {
    // fall through
  }
  return WorkspaceScope.of(undefined)
}

const same = (a: FileEntry | undefined, b: FileEntry | undefined): boolean => a?.oid === b?.oid && a?.mode === b?.mode

let tempCounter = 0

async function restoreFile(repo: Repository, path: string, entry: FileEntry): Promise<void> {
  const p = repo.fs.promises
  const abs = `${repo.dir}/${path}`
  const slash = abs.lastIndexOf('/')
  await p.mkdir(abs.slice(0, slash), { recursive: true })
  const { blob } = await git.readBlob({ fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, oid: entry.oid, cache: repo.cache })
  if (entry.mode === '120000') {
    await p.unlink(abs).catch(() => undefined)
    await p.symlink!(Buffer.from(blob).toString('utf8'), abs)
    return
  }
  const temp = `${abs.slice(0, slash)}/.${abs.slice(slash + 1)}.weft-${process.pid}-${++tempCounter}`
  try {
    await p.writeFile(temp, blob, { mode: entry.mode === '100755' ? 0o755 : 0o644 })
    if (p.chmod !== undefined) await p.chmod(temp, entry.mode === '100755' ? 0o755 : 0o644)
    await p.rename(temp, abs)
  } catch (error) {
    await p.unlink(temp).catch(() => undefined)
    throw error
  }
}

async function removeFile(repo: Repository, path: string): Promise<void> {
  const p = repo.fs.promises
  await p.unlink(`${repo.dir}/${path}`).catch((error: { code?: string }) => {
    if (error.code !== 'ENOENT') throw error
  })
  // Remove the directories this left empty, up to the root.
  const parts = path.split('/')
  for (let i = parts.length - 1; i > 0; i--) {
    try {
      await p.rmdir(`${repo.dir}/${parts.slice(0, i).join('/')}`)
    } catch {
      return
    }
  }
}

/**
 * Restores the workspace files in scope to a checkpoint of a run: files modified or deleted
 * since are written back (content and executable bit, byte for byte), files added since are
 * removed, and directories left empty are removed. Files out of scope are not touched, nor are
 * `HEAD`, the index or the branch. The rollback is itself recorded as a commit on the run's ref
 * (trailer `Weft-Rollback`), so a later rollback sees it as the latest state.
 *
 * Refuses with a {@link GitCheckpointError} (`reason: 'foreign-changes'`, `data.paths`) when
 * files in scope differ from the run's latest checkpoint, i.e. changes the run did not make
 * (or made after its last checkpoint), unless `force` is set. Unknown steps give
 * `unknown-step`, runs without checkpoints `no-checkpoints`. A compensation handler can call it.
 *
 * @example
 * ```ts
 * await rollback({ dir: process.cwd(), runId: run.runId, to: 'start' })
 * ```
 * @public
 */
export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'an object with `dir`, `runId` and `to`', options)
  const runId = checkString('runId', options.runId)
  const to = checkString('to', options.to, "a step id or 'start'")
  const include = checkGlobs('include', options.include)
  const exclude = checkGlobs('exclude', options.exclude)
  if (options.force !== undefined && typeof options.force !== 'boolean') throw new InvalidArgumentError('force', 'a boolean', options.force)
  const repo = await openRepository(options.dir, options.fs)
  const now = options.now ?? Date.now
  return exclusive(repo.gitdir, async () => {
    const history = await runHistory(repo, runId)
    const tip = history[0]!
    const start = history[history.length - 1]!
    const target = to === 'start' ? start : history.find((c) => c.trailers['Weft-Step'] === to)
    if (target === undefined) {
      const steps = [...new Set(history.map((c) => c.trailers['Weft-Step']).filter((s): s is string => s !== undefined))].reverse()
      throw new GitCheckpointError(`run "${runId}" has no checkpoint after step "${to}" (checkpointed: ${steps.join(', ') || 'none'})`, { dir: repo.dir, reason: 'unknown-step', runId, steps })
    }
    const scope = recordedScope(start)
    const narrow = include === undefined && exclude === undefined ? undefined : WorkspaceScope.of({ include, exclude, gitignore: false })
    const inScope = (path: string): boolean => narrow === undefined || narrow.contains(path)
    const [current, latest, wanted] = await Promise.all([scanWorkspace(repo, scope, { write: false }), readListing(repo, tip.tree), readListing(repo, target.tree)])

    const foreign: string[] = []
    for (const path of new Set([...current.keys(), ...latest.keys()])) {
      if (inScope(path) && !same(current.get(path), latest.get(path))) foreign.push(path)
    }
    if (foreign.length > 0 && options.force !== true) {
      foreign.sort()
      throw new GitCheckpointError(`refusing to roll back run "${runId}": ${foreign.length} file(s) changed outside the run since its latest checkpoint (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); pass force: true to discard them`, { dir: repo.dir, reason: 'foreign-changes', runId, paths: foreign })
    }

    const removed: string[] = []
    const restored: string[] = []
    for (const path of current.keys()) if (inScope(path) && !wanted.has(path)) removed.push(path)
    for (const [path, entry] of wanted) if (inScope(path) && !same(current.get(path), entry)) restored.push(path)
    removed.sort()
    restored.sort()
    for (const path of removed) await removeFile(repo, path)
    for (const path of restored) await restoreFile(repo, path, wanted.get(path)!)

    // The workspace in the recorded scope as it is now, as a commit on the run's ref.
    const after: Listing = new Map(current)
    for (const path of removed) after.delete(path)
    for (const path of restored) after.set(path, wanted.get(path)!)
    for (const [path, entry] of after) {
      if (same(latest.get(path), entry) || same(wanted.get(path), entry)) continue
      const abs = `${repo.dir}/${path}`
      const blob = entry.mode === '120000' ? Buffer.from(String(await repo.fs.promises.readlink!(abs))) : ((await repo.fs.promises.readFile(abs)) as Uint8Array)
      await git.writeBlob({ fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, blob })
    }
    const tree = await writeTrees(repo, after)
    const message = formatMessage(`weft: rollback of run ${runId} to ${to}`, { 'Weft-Run': runId, 'Weft-Rollback': to, 'Weft-Restored': target.oid })
    const commit = await writeCommitObject(repo, { tree, parents: [tip.oid], message, author: options.author ?? defaultIdentity, time: now() })
    await moveRef(repo, checkpointRef(runId), commit)
    return { checkpoint: target.oid, commit, restored, removed }
  })
}
