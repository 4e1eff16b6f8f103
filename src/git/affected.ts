import picomatch from 'picomatch'
import { InvalidArgumentError } from '../engine/index.js'
import { topologicalOrder } from '../graph/index.js'
import type { Workflow } from '../workflow/index.js'
import { readCommitInfo } from './git-checkpoints.js'
import { GitReadError } from './git-errors.js'
import { resolveCommit } from './refs.js'
import { checkString, openRepository, type GitFsClient, type Repository } from './repository.js'
import { diffTrees, hashBlob, readListing, scanWorkspace } from './workspace-snapshot.js'
import { WorkspaceScope } from './workspace-scope.js'

/**
 * Options of {@link affected}.
 * @public
 */
export interface AffectedOptions {
  /** Root of the git working tree (the directory that holds `.git`). */
  readonly dir: string
  /** The ref or commit id to compare from (e.g. `'main'`, `'v1.2.0'`, a commit id). */
  readonly base: string
  /**
   * The ref or commit id to compare to.
   * @defaultValue the working tree (tracked files and untracked files git does not ignore)
   */
  readonly head?: string
  /**
   * File system for the workspace and the repository.
   * @defaultValue `node:fs`
   */
  readonly fs?: GitFsClient
}

/**
 * Why a step is affected: some of its `meta.inputs` globs match changed `files`, or it
 * depends (directly) on the affected step `dependsOn`.
 * @public
 */
export type AffectedReason = { readonly files: readonly string[] } | { readonly dependsOn: string }

/**
 * One affected step.
 * @public
 */
export interface AffectedStep {
  /** Step id. */
  readonly id: string
  /** Why it is included. */
  readonly reason: AffectedReason
}

/**
 * Result of {@link affected}.
 * @public
 */
export interface AffectedResult {
  /** Affected steps in declaration order. */
  readonly steps: readonly AffectedStep[]
  /** Every changed path between base and head, sorted. */
  readonly files: readonly string[]
  /** The commit `base` resolved to. */
  readonly base: string
  /** The commit `head` resolved to, or `undefined` for the working tree. */
  readonly head?: string
}

function inputsOf(workflow: Workflow): ((path: string) => boolean)[] {
  return workflow.steps.map((step, i) => {
    const inputs = step.meta?.inputs
    if (inputs === undefined) return () => false
    if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((g) => typeof g !== 'string' || g.length === 0)) {
      throw new InvalidArgumentError(`workflow.steps[${i}].meta.inputs`, 'a non-empty array of glob strings', Array.isArray(inputs) ? JSON.stringify(inputs) : inputs)
    }
    return picomatch(inputs as string[], { dot: true })
  })
}

async function commitOf(repo: Repository, ref: string): Promise<string> {
  const oid = await resolveCommit(repo, ref)
  if (oid === undefined) throw new GitReadError(`${ref} does not name a commit in ${repo.dir}`, { dir: repo.dir, ref, reason: 'ref-not-found' })
  return oid
}

/** Paths that differ between a commit's tree and the working tree. */
async function workingTreeChanges(repo: Repository, tree: string): Promise<string[]> {
  const [committed, current] = await Promise.all([readListing(repo, tree), scanWorkspace(repo, WorkspaceScope.of(undefined), { write: false })])
  const changed: string[] = []
  for (const [path, entry] of current) {
    const was = committed.get(path)
    if (was === undefined || was.oid !== entry.oid || was.mode !== entry.mode) changed.push(path)
  }
  for (const [path, entry] of committed) {
    if (current.has(path)) continue
    // Tracked files that match an ignore pattern are still tracked: compare them too.
    let content: Uint8Array | undefined
    try {
      const abs = `${repo.dir}/${path}`
      content = entry.mode === '120000' ? Buffer.from(String(await repo.fs.promises.readlink!(abs))) : ((await repo.fs.promises.readFile(abs)) as Uint8Array)
    } catch {
      content = undefined
    }
    if (content === undefined || hashBlob(content) !== entry.oid) changed.push(path)
  }
  return changed.sort()
}

/**
 * The steps a change touches: those whose `meta.inputs` globs (picomatch syntax, dotfiles
 * included, e.g. `['packages/a/**', 'package.json']`) match a file changed between `base` and
 * `head` (or the working tree), plus every step that depends on them, directly or not — each
 * with the reason it is included. Steps without `meta.inputs` are included only through their
 * dependencies. Throws `GitReadError` (`ref-not-found`) for an unknown ref and
 * `InvalidArgumentError` for malformed `meta.inputs`.
 *
 * @example
 * ```ts
 * const { steps } = await affected(wf, { dir: '.', base: 'main' })
 * for (const s of steps) console.log(s.id, 'files' in s.reason ? s.reason.files : `needs ${s.reason.dependsOn}`)
 * ```
 * @public
 */
export async function affected(workflow: Workflow, options: AffectedOptions): Promise<AffectedResult> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'an object with `dir` and `base`', options)
  const baseRef = checkString('base', options.base, 'a ref or commit id')
  if (options.head !== undefined) checkString('head', options.head, 'a ref or commit id')
  const matchers = inputsOf(workflow)
  const repo = await openRepository(options.dir, options.fs)
  const base = await commitOf(repo, baseRef)
  const baseTree = (await readCommitInfo(repo, base)).tree
  let head: string | undefined
  let files: string[]
  if (options.head === undefined) {
    files = await workingTreeChanges(repo, baseTree)
  } else {
    head = await commitOf(repo, options.head)
    files = await diffTrees(repo, baseTree, (await readCommitInfo(repo, head)).tree)
  }

  const graph = workflow.graph
  const order = topologicalOrder(graph) ?? Int32Array.from(workflow.steps.keys())
  const reasons = new Array<AffectedReason | undefined>(workflow.steps.length)
  for (const i of order) {
    const matched = files.filter(matchers[i]!)
    if (matched.length > 0) {
      reasons[i] = { files: matched }
      continue
    }
    for (let k = graph.predOffsets[i]!, end = graph.predOffsets[i + 1]!; k < end; k++) {
      const need = graph.preds[k]!
      if (reasons[need] !== undefined) {
        reasons[i] = { dependsOn: graph.ids[need]! }
        break
      }
    }
  }
  const steps: AffectedStep[] = []
  workflow.steps.forEach((step, i) => {
    const reason = reasons[i]
    if (reason !== undefined) steps.push({ id: step.id, reason })
  })
  return { steps, files, base, ...(head === undefined ? {} : { head }) }
}
