import git from 'isomorphic-git'
import { InvalidArgumentError } from '../engine/index.js'
import { GitReadError } from './git-errors.js'
import { resolveCommit } from './refs.js'
import { checkString, openRepository, type GitFsClient } from './repository.js'

/**
 * Options of {@link loadWorkflowAt}.
 * @public
 */
export interface LoadWorkflowAtOptions {
  /** Root of the git working tree (the directory that holds `.git`). */
  readonly dir: string
  /** Branch, tag, `HEAD`, full ref or (abbreviated) commit id. */
  readonly ref: string
  /** Path of the workflow file in the repository, `/`-separated, relative to the root. */
  readonly path: string
  /**
   * File system for the repository.
   * @defaultValue `node:fs`
   */
  readonly fs?: GitFsClient
}

/**
 * A workflow file as it was at a ref.
 * @public
 */
export interface WorkflowAtRef {
  /** The file's text (UTF-8). */
  readonly text: string
  /** The parsed JSON for a `.json` file; `undefined` for other formats (e.g. YAML), left to the loader. */
  readonly json: unknown
  /** The format told by the file extension (`.json`; `.yaml` or `.yml`), for the loader's `format` option. */
  readonly format: 'json' | 'yaml' | undefined
  /** The commit the ref resolved to. */
  readonly commit: string
  /** The blob id of the file. */
  readonly oid: string
}

/**
 * Reads a declarative workflow file as it was at a ref, straight from the object database
 * (the working tree and index are not read). Build the workflow with the declarative loader:
 * `loadWorkflow(text, { registry, format })` (what `loadWorkflowFile` does for a file on disk);
 * `commit` says exactly which version it is.
 * Throws {@link GitReadError}: `ref-not-found`, `file-not-found`, or `invalid-json` for a
 * `.json` file that does not parse.
 *
 * @example
 * ```ts
 * const at = await loadWorkflowAt({ dir: '.', ref: 'v1.2.0', path: 'workflows/release.yaml' })
 * const wf = loadWorkflow(at.text, { registry: builtinTemplates(), format: at.format })
 * ```
 * @public
 */
export async function loadWorkflowAt(options: LoadWorkflowAtOptions): Promise<WorkflowAtRef> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'an object with `dir`, `ref` and `path`', options)
  const ref = checkString('ref', options.ref, 'a ref or commit id')
  const path = checkString('path', options.path, 'a path relative to the repository root').replace(/^\.?\/+/, '')
  const repo = await openRepository(options.dir, options.fs)
  const commit = await resolveCommit(repo, ref)
  if (commit === undefined) throw new GitReadError(`${ref} does not name a commit in ${repo.dir}`, { dir: repo.dir, ref, path, reason: 'ref-not-found' })
  let oid: string
  let blob: Uint8Array
  try {
    ;({ oid, blob } = await git.readBlob({ fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, oid: commit, filepath: path, cache: repo.cache }))
  } catch (error) {
    throw new GitReadError(`${path} does not exist at ${ref} (${commit.slice(0, 12)})`, { dir: repo.dir, ref, path, reason: 'file-not-found' }, { cause: error })
  }
  const text = new TextDecoder('utf-8').decode(blob)
  let json: unknown
  const lower = path.toLowerCase()
  const format = lower.endsWith('.json') ? 'json' : lower.endsWith('.yaml') || lower.endsWith('.yml') ? 'yaml' : undefined
  if (format === 'json') {
    try {
      json = JSON.parse(text)
    } catch (error) {
      throw new GitReadError(`${path} at ${ref} is not valid JSON: ${(error as Error).message}`, { dir: repo.dir, ref, path, reason: 'invalid-json' }, { cause: error })
    }
  }
  return { text, json, format, commit, oid }
}
