import { createHash } from 'node:crypto'
import git from 'isomorphic-git'
import { InvalidArgumentError, type RunHookContext, type StepHookContext, type WeftPlugin } from '../engine/index.js'
import { canonicalJson } from '../workflow/index.js'
import { GitCheckpointError } from './git-errors.js'
import { checkpointRef, defaultIdentity, exclusive, formatMessage, moveRef, tryResolve, writeCommitObject, type GitIdentity } from './refs.js'
import { checkGlobs, openRepository, type GitFsClient, type Repository } from './repository.js'
import { readListing, scanWorkspace, SnapshotCache, writeTrees } from './workspace-snapshot.js'
import { WorkspaceScope, type WorkspaceScopeOptions } from './workspace-scope.js'

/**
 * Options of {@link gitCheckpoints}.
 * @public
 */
export interface GitCheckpointsOptions extends WorkspaceScopeOptions {
  /** Root of the git working tree to snapshot (the directory that holds `.git`). */
  readonly dir: string
  /**
   * When to checkpoint: after every step that succeeds (`'step'`), or only after steps whose
   * `meta.checkpoint` is `true` (`'marked'`).
   * @defaultValue `'step'`
   */
  readonly every?: 'step' | 'marked'
  /**
   * File system for the workspace and the repository.
   * @defaultValue `node:fs`
   */
  readonly fs?: GitFsClient
  /**
   * Author and committer of checkpoint commits.
   * @defaultValue `{ name: 'weft', email: 'weft@localhost' }`
   */
  readonly author?: GitIdentity
  /**
   * Clock for commit timestamps (ms since the epoch).
   * @defaultValue `Date.now`
   */
  readonly now?: () => number
}

/**
 * What a checkpoint journals (`plugin.recorded` event named `checkpoint`, plugin
 * `git-checkpoints`). The run's start is journaled as `checkpoint.start` with
 * {@link GitStartRecord}.
 * @public
 */
export interface GitCheckpointRecord {
  /** Id of the checkpoint commit on `refs/weft/runs/<runId>`. */
  readonly commit: string
  /** The step that just succeeded. */
  readonly stepId: string
}

/**
 * What the start of a run journals (`plugin.recorded` named `checkpoint.start`).
 * @public
 */
export interface GitStartRecord {
  /** Id of the start commit: the workspace as the run found it. */
  readonly commit: string
  /** The `HEAD` commit when the run started, or `null` in a repository without commits. */
  readonly base: string | null
}

/** Name of the plugin, as journaled. @public */
export const gitCheckpointsPluginName = 'git-checkpoints'

/** SHA-256 (hex) of the canonical JSON of a step output (`null` for `undefined`). @public */
export function outputSha256(output: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(output) ?? 'null')
    .digest('hex')
}

/**
 * A plugin that snapshots the workspace into git commits as a run goes, without touching the
 * user's `HEAD`, index, branch or working tree: blobs, trees and commits are written directly
 * to the object database and chained on `refs/weft/runs/<runId>`.
 *
 * - At run start: a start commit (parent: the `HEAD` commit, if any) holding the files in scope
 *   as they are, uncommitted changes included; trailers `Weft-Run`, `Weft-Base`, `Weft-Scope`.
 *   On `resume`, the existing ref is continued instead.
 * - After each step that succeeds (or each with `meta.checkpoint === true` when
 *   `every: 'marked'`): a commit whose parent is the previous checkpoint, with trailers
 *   `Weft-Run`, `Weft-Step`, `Weft-Attempt` and `Weft-Output-Sha256`, journaled as
 *   `ctx.record('checkpoint', { commit, stepId })`.
 *
 * A file is read and written only when its stat changed since the previous checkpoint, a tree
 * only when its entries changed: the cost follows what changed (plus one `lstat` per file).
 * Objects are written before the ref, and every file is written to a temporary name and
 * renamed, so a process killed mid-checkpoint leaves the ref at a complete commit (the previous
 * one) and a repository that `git fsck` accepts. Checkpoints of one repository are serialized;
 * a checkpoint taken while other steps run includes their changes so far.
 *
 * @example
 * ```ts
 * const engine = createEngine({ plugins: [gitCheckpoints({ dir: process.cwd(), include: ['src/**'] })] })
 * ```
 * @public
 */
export function gitCheckpoints(options: GitCheckpointsOptions): WeftPlugin {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'an object with a `dir`', options)
  const every = options.every ?? 'step'
  if (every !== 'step' && every !== 'marked') throw new InvalidArgumentError('every', "'step' or 'marked'", every)
  checkGlobs('include', options.include)
  checkGlobs('exclude', options.exclude)
  if (options.gitignore !== undefined && typeof options.gitignore !== 'boolean') throw new InvalidArgumentError('gitignore', 'a boolean', options.gitignore)
  if (options.now !== undefined && typeof options.now !== 'function') throw new InvalidArgumentError('now', 'a function returning ms since the epoch', options.now)
  const author = options.author ?? defaultIdentity
  const now = options.now ?? Date.now
  const scope = WorkspaceScope.of(options)
  const cache = new SnapshotCache()
  let opened: Promise<Repository> | undefined
  const repository = (): Promise<Repository> => (opened ??= openRepository(options.dir, options.fs))

  async function snapshotTree(repo: Repository, base?: string): Promise<string> {
    // At run start, the blobs of the base commit need not be written again.
    const known = base === undefined ? undefined : new Set([...(await readListing(repo, (await readCommitInfo(repo, base)).tree)).values()].map((e) => e.oid))
    const files = await scanWorkspace(repo, scope, known === undefined ? { write: true, cache } : { write: true, cache, known })
    return writeTrees(repo, files, cache)
  }

  async function start(ctx: RunHookContext): Promise<void> {
    const repo = await repository()
    const ref = checkpointRef(ctx.runId)
    await exclusive(repo.gitdir, async () => {
      if ((await tryResolve(repo, ref)) !== undefined) return // resumed run: continue its checkpoints
      const base = (await tryResolve(repo, 'HEAD')) ?? null
      const tree = await snapshotTree(repo, base ?? undefined)
      const message = formatMessage(`weft: run ${ctx.runId} started`, {
        'Weft-Run': ctx.runId,
        'Weft-Workflow': ctx.workflow.id,
        'Weft-Fingerprint': ctx.workflow.fingerprint,
        'Weft-Base': base ?? 'none',
        'Weft-Scope': JSON.stringify(scope.spec),
      })
      const commit = await writeCommitObject(repo, { tree, parents: base === null ? [] : [base], message, author, time: now() })
      await moveRef(repo, ref, commit)
      const record: GitStartRecord = { commit, base }
      ctx.record('checkpoint.start', record)
    })
  }

  async function checkpoint(ctx: StepHookContext & { readonly output: unknown }): Promise<void> {
    if (every === 'marked' && ctx.workflow.stepById.get(ctx.stepId)?.meta?.checkpoint !== true) return
    const repo = await repository()
    const ref = checkpointRef(ctx.runId)
    await exclusive(repo.gitdir, async () => {
      const parent = await tryResolve(repo, ref)
      if (parent === undefined) {
        throw new GitCheckpointError(`run "${ctx.runId}" has no checkpoint ref ${ref} (was it deleted?)`, { dir: repo.dir, reason: 'no-checkpoints', runId: ctx.runId })
      }
      const tree = await snapshotTree(repo)
      const message = formatMessage(`weft: checkpoint after ${ctx.stepId}`, {
        'Weft-Run': ctx.runId,
        'Weft-Step': ctx.stepId,
        'Weft-Attempt': String(ctx.attempt),
        'Weft-Output-Sha256': outputSha256(ctx.output),
      })
      const commit = await writeCommitObject(repo, { tree, parents: [parent], message, author, time: now() })
      await moveRef(repo, ref, commit)
      const record: GitCheckpointRecord = { commit, stepId: ctx.stepId }
      ctx.record('checkpoint', record)
    })
  }

  return { name: gitCheckpointsPluginName, onRunStart: start, afterStep: checkpoint }
}

/** Reads a commit's message and tree (used by rollback and tests). */
export async function readCommitInfo(repo: Repository, oid: string): Promise<{ readonly oid: string; readonly tree: string; readonly parents: readonly string[]; readonly message: string }> {
  const { commit } = await git.readCommit({ fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, oid, cache: repo.cache })
  return { oid, tree: commit.tree, parents: commit.parent, message: commit.message }
}
