import { createHash } from 'node:crypto'
import git, { type TreeEntry } from 'isomorphic-git'
import { treeContent, writeObject, type TreeItem } from './object-writer.js'
import { ignoredBy, parseIgnore, type IgnoreRules } from './gitignore.js'
import type { DirentLike, Repository, StatLike } from './repository.js'
import type { WorkspaceScope } from './workspace-scope.js'

/** Git file modes weft snapshots: regular, executable, symbolic link. */
export type FileMode = '100644' | '100755' | '120000'

/** A file in a snapshot: mode and blob id. */
export interface FileEntry {
  readonly mode: FileMode
  readonly oid: string
}

/** Files by `/`-separated path relative to the workspace root. */
export type Listing = Map<string, FileEntry>

interface CachedFile {
  readonly size: number
  readonly mtimeMs: number
  readonly ctimeMs: number
  readonly ino: number
  readonly mode: FileMode
  readonly oid: string
}

interface CachedIgnore {
  readonly key: string
  readonly rules: IgnoreRules
}

/**
 * What a snapshotter remembers between snapshots: the blob id of each file by its stat, the
 * tree id of each directory by its entries, parsed ignore files. With it, a snapshot reads and
 * writes only what changed; the rest costs one `lstat` per file.
 */
export class SnapshotCache {
  readonly files = new Map<string, CachedFile>()
  readonly trees = new Map<string, { readonly key: string; readonly oid: string }>()
  readonly ignores = new Map<string, CachedIgnore>()
}

/**
 * A file modified this close (ms) to the start of a scan may change again within the file
 * system's timestamp granularity without its stat changing ("racily clean" in git's words):
 * its blob id is used but not cached, so the next scan reads it again.
 */
const RACY_MS = 50

/** The blob id git gives `content`, without writing anything. */
export function hashBlob(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex')
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: string }).code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

/** Runs at most `n` tasks at once. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0
  const waiting: (() => void)[] = []
  return async (task) => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      return await task()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

/**
 * Lists the workspace files in `scope` with their blob ids. With `write`, blobs not known to
 * `cache` (nor in `known`, blob ids already stored) are written to the object database; without
 * it they are only hashed. Files whose stat matches `cache` are not read at all.
 */
export async function scanWorkspace(
  repo: Repository,
  scope: WorkspaceScope,
  options: { readonly write: boolean; readonly cache?: SnapshotCache; readonly known?: ReadonlySet<string> },
): Promise<Listing> {
  const { fs, dir } = repo
  const p = fs.promises
  const cache = options.cache
  const started = Date.now()
  const files: Listing = new Map()
  const limit = limiter(32)
  const gitignore = scope.spec.gitignore
  const lstatSync = fs.lstatSync

  async function ignoreFile(path: string, base: string): Promise<IgnoreRules | undefined> {
    let st: StatLike
    try {
      st = (await p.stat(path)) as StatLike
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
    const key = `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`
    const hit = cache?.ignores.get(path)
    if (hit !== undefined && hit.key === key) return hit.rules
    const text = String(await p.readFile(path, 'utf8'))
    const rules = parseIgnore(text, base)
    cache?.ignores.set(path, { key, rules })
    return rules
  }

  /** The file's git mode, or `undefined` for what git does not store (sockets, devices). */
  function modeOf(st: StatLike): FileMode | undefined {
    if (st.isSymbolicLink()) return '120000'
    if (!st.isFile()) return undefined
    return (st.mode & 0o100) !== 0 ? '100755' : '100644'
  }

  /** Uses the cached blob id when the stat matches (synchronously, no promise); true when it did. */
  function fromCache(path: string, st: StatLike, mode: FileMode): boolean {
    const hit = cache?.files.get(path)
    if (hit === undefined || hit.size !== st.size || hit.mtimeMs !== st.mtimeMs || hit.ctimeMs !== st.ctimeMs || hit.ino !== st.ino || hit.mode !== mode) return false
    files.set(path, { mode, oid: hit.oid })
    return true
  }

  /** Reads a file whose stat changed and hashes (or writes) it. */
  async function read(path: string, st: StatLike, mode: FileMode): Promise<void> {
    const abs = `${dir}/${path}`
    let content: Uint8Array
    try {
      content = mode === '120000' ? Buffer.from(String(await p.readlink!(abs))) : ((await p.readFile(abs)) as Uint8Array)
    } catch (error) {
      if (isMissing(error)) return
      throw error
    }
    let oid = hashBlob(content)
    // Blobs of the base commit are in the object database already (often packed): not written again.
    if (options.write && options.known?.has(oid) !== true) oid = await writeObject(repo, 'blob', content)
    if (cache !== undefined) {
      if (st.mtimeMs < started - RACY_MS) cache.files.set(path, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, mode, oid })
      else cache.files.delete(path)
    }
    files.set(path, { mode, oid })
  }

  /** Stats the files of one directory (synchronously when the fs client can), then handles each. */
  async function statFiles(paths: readonly string[]): Promise<void> {
    const stats: (StatLike | undefined)[] = new Array(paths.length)
    if (lstatSync !== undefined) {
      for (let i = 0; i < paths.length; i++) {
        try {
          stats[i] = lstatSync(`${dir}/${paths[i]}`) as StatLike
        } catch (error) {
          if (!isMissing(error)) throw error
        }
      }
    } else {
      await Promise.all(
        paths.map(async (path, i) => {
          try {
            stats[i] = (await p.lstat(`${dir}/${path}`)) as StatLike
          } catch (error) {
            if (!isMissing(error)) throw error
          }
        }),
      )
    }
    const reads: Promise<void>[] = []
    for (let i = 0; i < paths.length; i++) {
      const st = stats[i]
      if (st === undefined) continue
      const mode = modeOf(st)
      if (mode === undefined || fromCache(paths[i]!, st, mode)) continue
      reads.push(limit(() => read(paths[i]!, st, mode)))
    }
    if (reads.length > 0) await Promise.all(reads)
  }

  async function walk(rel: string, all: boolean, ignores: readonly IgnoreRules[]): Promise<void> {
    const abs = rel === '' ? dir : `${dir}/${rel}`
    let dirents: DirentLike[]
    try {
      dirents = (await p.readdir(abs, { withFileTypes: true })) as DirentLike[]
    } catch (error) {
      if (isMissing(error)) return
      throw error
    }
    let rules = ignores
    if (gitignore && dirents.some((d) => d.name === '.gitignore' && !d.isDirectory())) {
      const parsed = await ignoreFile(`${abs}/.gitignore`, rel)
      if (parsed !== undefined && parsed.rules.length > 0) rules = [...ignores, parsed]
    }
    const tasks: Promise<void>[] = []
    const filePaths: string[] = []
    for (const d of dirents) {
      if (d.name === '.git') continue
      const path = rel === '' ? d.name : `${rel}/${d.name}`
      if (d.isDirectory()) {
        const visit = scope.visitDir(path, all)
        if (visit === 'none') continue
        if (rules.length > 0 && ignoredBy(rules, path, true) === true) continue
        tasks.push(walk(path, visit === 'all', rules))
      } else if (d.isFile() || d.isSymbolicLink()) {
        if (!scope.hasFile(path, all)) continue
        if (rules.length > 0 && ignoredBy(rules, path, false) === true) continue
        filePaths.push(path)
      }
    }
    if (filePaths.length > 0) tasks.push(statFiles(filePaths))
    await Promise.all(tasks)
  }

  const rootRules: IgnoreRules[] = []
  if (gitignore) {
    const exclude = await ignoreFile(`${repo.gitdir}/info/exclude`, '')
    if (exclude !== undefined && exclude.rules.length > 0) rootRules.push(exclude)
  }
  await walk('', scope.visitDir('', false) === 'all', rootRules)
  return files
}

interface DirNode {
  readonly files: [string, FileEntry][]
  readonly dirs: Map<string, DirNode>
}

/**
 * Writes the trees of a listing bottom-up and returns the root
 * tree id. A directory whose entries equal those cached for it reuses the cached tree id, so
 * only the directories on the path of a change are written.
 */
export async function writeTrees(repo: Repository, files: Listing, cache?: SnapshotCache): Promise<string> {
  const root: DirNode = { files: [], dirs: new Map() }
  for (const [path, entry] of files) {
    const parts = path.split('/')
    let node = root
    for (let i = 0; i < parts.length - 1; i++) {
      let child = node.dirs.get(parts[i]!)
      if (child === undefined) {
        child = { files: [], dirs: new Map() }
        node.dirs.set(parts[i]!, child)
      }
      node = child
    }
    node.files.push([parts[parts.length - 1]!, entry])
  }
  const write = async (node: DirNode, rel: string): Promise<string> => {
    const subtrees = await Promise.all([...node.dirs].map(async ([name, child]) => [name, await write(child, rel === '' ? name : `${rel}/${name}`)] as const))
    const items: TreeItem[] = []
    for (const [name, oid] of subtrees) items.push({ mode: '40000', name, oid })
    for (const [name, entry] of node.files) items.push({ mode: entry.mode, name, oid: entry.oid })
    items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    let key = ''
    for (const e of items) key += `${e.mode} ${e.oid} ${e.name}\n`
    const hit = cache?.trees.get(rel)
    if (hit !== undefined && hit.key === key) return hit.oid
    const oid = await writeObject(repo, 'tree', treeContent(items))
    cache?.trees.set(rel, { key, oid })
    return oid
  }
  return write(root, '')
}

/** Every file of a tree, recursively, by path. */
export async function readListing(repo: Repository, tree: string): Promise<Listing> {
  const files: Listing = new Map()
  const read = async (oid: string, rel: string): Promise<void> => {
    const { tree: entries } = await git.readTree({ fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, oid, cache: repo.cache })
    await Promise.all(
      entries.map(async (e) => {
        const path = rel === '' ? e.path : `${rel}/${e.path}`
        if (e.type === 'tree') await read(e.oid, path)
        else if (e.type === 'blob') files.set(path, { mode: e.mode as FileMode, oid: e.oid })
      }),
    )
  }
  await read(tree, '')
  return files
}

/**
 * Paths that differ between two trees (added, removed or changed, either side), sorted.
 * Identical subtrees are skipped by id, so the cost follows the size of the difference.
 */
export async function diffTrees(repo: Repository, a: string | undefined, b: string | undefined): Promise<string[]> {
  const out: string[] = []
  const entries = async (oid: string | undefined): Promise<Map<string, TreeEntry>> => {
    if (oid === undefined) return new Map()
    const { tree } = await git.readTree({ fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, oid, cache: repo.cache })
    return new Map(tree.map((e) => [e.path, e]))
  }
  const walk = async (x: string | undefined, y: string | undefined, rel: string): Promise<void> => {
    if (x === y) return
    const [ex, ey] = await Promise.all([entries(x), entries(y)])
    const names = new Set([...ex.keys(), ...ey.keys()])
    await Promise.all(
      [...names].map(async (name) => {
        const ea = ex.get(name)
        const eb = ey.get(name)
        if (ea !== undefined && eb !== undefined && ea.oid === eb.oid && ea.mode === eb.mode) return
        const path = rel === '' ? name : `${rel}/${name}`
        const ta = ea?.type === 'tree' ? ea.oid : undefined
        const tb = eb?.type === 'tree' ? eb.oid : undefined
        if (ta !== undefined || tb !== undefined) await walk(ta, tb, path)
        if ((ea !== undefined && ea.type !== 'tree') || (eb !== undefined && eb.type !== 'tree')) out.push(path)
      }),
    )
  }
  await walk(a, b, '')
  return out.sort()
}
