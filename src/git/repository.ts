import * as nodeFs from 'node:fs'
import { join, resolve } from 'node:path'
import type { PromiseFsClient } from 'isomorphic-git'
import { InvalidArgumentError } from '../engine/index.js'
import { GitCheckpointError } from './git-errors.js'

type Fn<A extends unknown[], R> = (...args: A) => Promise<R>

/**
 * The file system `weft/git` works through: the promise API of `node:fs` (the default) or any
 * object with the same methods (e.g. a memory file system for tests). It is used both for the
 * workspace and, through isomorphic-git, for the repository's `.git` directory.
 * `rename` must replace its target atomically (POSIX `rename(2)`).
 * @public
 */
export interface GitFsClient {
  readonly promises: {
    readFile: Fn<[path: string, options?: unknown], Uint8Array | string>
    writeFile: Fn<[path: string, data: Uint8Array | string, options?: unknown], void>
    unlink: Fn<[path: string], void>
    readdir: Fn<[path: string, options?: unknown], unknown[]>
    mkdir: Fn<[path: string, options?: unknown], unknown>
    rmdir: Fn<[path: string, options?: unknown], void>
    stat: Fn<[path: string, options?: unknown], unknown>
    lstat: Fn<[path: string, options?: unknown], unknown>
    rename: Fn<[from: string, to: string], void>
    readlink?: Fn<[path: string, options?: unknown], unknown>
    symlink?: Fn<[target: string, path: string, type?: unknown], void>
    chmod?: Fn<[path: string, mode: number], void>
  }
  /**
   * Optional synchronous `lstat` (as `node:fs` has): when present, a workspace scan stats the
   * files of one directory in a synchronous loop, about 4 times faster than one promise per file.
   */
  readonly lstatSync?: (path: string) => unknown
}

/** The subset of `fs.Stats` the workspace scan reads. */
export interface StatLike {
  readonly mode: number
  readonly size: number
  readonly ino: number
  readonly mtimeMs: number
  readonly ctimeMs: number
  isFile(): boolean
  isDirectory(): boolean
  isSymbolicLink(): boolean
}

/** The subset of `fs.Dirent` the workspace scan reads. */
export interface DirentLike {
  readonly name: string
  isFile(): boolean
  isDirectory(): boolean
  isSymbolicLink(): boolean
}

/** A repository as the internals see it: checked paths, the workspace fs and the git fs. */
export interface Repository {
  /** Absolute workspace root. */
  readonly dir: string
  /** Absolute `.git` directory. */
  readonly gitdir: string
  /** The caller's file system, for workspace files. */
  readonly fs: GitFsClient
  /** The file system handed to isomorphic-git: every file is written to a temporary name, then renamed. */
  readonly gitFs: PromiseFsClient
  /** isomorphic-git object cache (speeds up pack reads). */
  readonly cache: object
}

let tempCounter = 0

/**
 * Wraps `fs` so that every `writeFile` isomorphic-git makes lands atomically: the data goes to a
 * temporary file beside the target, which is then renamed over it. A process killed mid-write
 * leaves the old file (or none) and a stray temporary file that git ignores: loose objects use
 * git's own `tmp_obj_` prefix (skipped by `git fsck`), everything else ends in `.lock`
 * (skipped when git reads refs).
 */
export function atomicGitFs(fs: GitFsClient): PromiseFsClient {
  const p = fs.promises
  const writeFile = async (file: string, data: Uint8Array | string, options?: unknown): Promise<void> => {
    const slash = file.lastIndexOf('/')
    const n = ++tempCounter
    const temp = /\/objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/.test(file)
      ? `${file.slice(0, slash)}/tmp_obj_weft_${process.pid}_${n}`
      : `${file}.weft-${process.pid}-${n}.lock`
    try {
      await p.writeFile(temp, data, options)
      await p.rename(temp, file)
    } catch (error) {
      await p.unlink(temp).catch(() => undefined)
      throw error
    }
  }
  const bound: Record<string, unknown> = {}
  for (const name of ['readFile', 'unlink', 'readdir', 'mkdir', 'rmdir', 'stat', 'lstat', 'readlink', 'symlink', 'chmod'] as const) {
    const method = p[name]
    if (method !== undefined) bound[name] = method.bind(p)
  }
  bound.writeFile = writeFile
  return { promises: bound as PromiseFsClient['promises'] }
}

/** The default file system: `node:fs`. */
export const nodeGitFs: GitFsClient = nodeFs as unknown as GitFsClient

/**
 * Checks `dir` and finds its `.git` directory. Throws `InvalidArgumentError` for a bad `dir`,
 * {@link GitCheckpointError} (`not-a-repository`) when there is no `.git` directory.
 */
export async function openRepository(dir: unknown, fs: GitFsClient | undefined, argument = 'dir'): Promise<Repository> {
  if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError(argument, 'a non-empty path to a git working tree', dir)
  if (fs !== undefined && (typeof fs !== 'object' || fs === null || typeof fs.promises?.rename !== 'function')) {
    throw new InvalidArgumentError('fs', 'a file system client with a `promises` API (readFile, writeFile, rename, …)', fs)
  }
  const client = fs ?? nodeGitFs
  const root = resolve(dir).replaceAll('\\', '/')
  const gitdir = join(root, '.git').replaceAll('\\', '/')
  let isDir = false
  try {
    isDir = ((await client.promises.stat(gitdir)) as StatLike).isDirectory()
  } catch {
    isDir = false
  }
  if (!isDir) throw new GitCheckpointError(`${root} is not the root of a git repository (no .git directory)`, { dir: root, reason: 'not-a-repository' })
  return { dir: root, gitdir, fs: client, gitFs: atomicGitFs(client), cache: {} }
}

/** Checks an optional list of glob strings. */
export function checkGlobs(name: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.some((g) => typeof g !== 'string' || g.length === 0)) {
    throw new InvalidArgumentError(name, 'an array of non-empty glob strings', Array.isArray(value) ? JSON.stringify(value) : value)
  }
  return value as string[]
}

/** Checks a required non-empty string argument. */
export function checkString(name: string, value: unknown, expected = 'a non-empty string'): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidArgumentError(name, expected, value)
  return value
}
