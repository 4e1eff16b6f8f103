import git from 'isomorphic-git'
import type { Repository } from './repository.js'

/** Percent-encodes what git forbids in a ref component (`:`, `..`, a leading or trailing dot, `.lock`). */
export function refComponent(id: string): string {
  let out = ''
  for (const ch of id) {
    out += /[A-Za-z0-9_.-]/.test(ch) ? ch : [...new TextEncoder().encode(ch)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
  }
  out = out.replace(/\.(?=\.)/g, '%2E')
  if (out.startsWith('.')) out = `%2E${out.slice(1)}`
  if (out.endsWith('.')) out = `${out.slice(0, -1)}%2E`
  if (out.endsWith('.lock')) out = `${out.slice(0, -5)}%2Elock`
  return out
}

/** `refs/weft/runs/<runId>`: where a run's checkpoints live. @public */
export function checkpointRef(runId: string): string {
  return `refs/weft/runs/${refComponent(runId)}`
}

/** `refs/weft/journal/<runId>`: where `exportRun` writes a run's journal. @public */
export function journalRef(runId: string): string {
  return `refs/weft/journal/${refComponent(runId)}`
}

/** The commit a ref points at, or `undefined` when the ref does not exist. */
export async function tryResolve(repo: Repository, ref: string): Promise<string | undefined> {
  try {
    return await git.resolveRef({ fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, ref })
  } catch (error) {
    if ((error as { code?: string }).code === 'NotFoundError') return undefined
    throw error
  }
}

/**
 * Resolves a ref name (`HEAD`, `main`, `refs/…`, a tag) or a full or abbreviated commit id to
 * a commit id (annotated tags are peeled). `undefined` when nothing matches.
 */
export async function resolveCommit(repo: Repository, ref: string): Promise<string | undefined> {
  const args = { fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, cache: repo.cache }
  let oid = await tryResolve(repo, ref)
  if (oid === undefined && /^[0-9a-f]{4,40}$/i.test(ref)) {
    try {
      oid = await git.expandOid({ ...args, oid: ref.toLowerCase() })
    } catch {
      return undefined
    }
  }
  if (oid === undefined) return undefined
  try {
    return (await git.readCommit({ ...args, oid })).oid
  } catch {
    return undefined
  }
}

/** Identity written into weft's commits. @public */
export interface GitIdentity {
  /** Name. */
  readonly name: string
  /** E-mail address. */
  readonly email: string
}

/** The identity used when none is given. */
export const defaultIdentity: GitIdentity = { name: 'weft', email: 'weft@localhost' }

/** Writes a commit object and returns its id (the ref is not moved). */
export async function writeCommitObject(repo: Repository, args: { tree: string; parents: readonly string[]; message: string; author: GitIdentity; time: number }): Promise<string> {
  const who = { name: args.author.name, email: args.author.email, timestamp: Math.floor(args.time / 1000), timezoneOffset: new Date(args.time).getTimezoneOffset() }
  return git.writeCommit({
    fs: repo.gitFs,
    dir: repo.dir,
    gitdir: repo.gitdir,
    commit: { message: args.message, tree: args.tree, parent: [...args.parents], author: who, committer: who },
  })
}

/**
 * Points `ref` at `commit`. The objects it needs must already be written; the ref file is
 * replaced atomically (temporary file + rename, see `atomicGitFs`), so a reader sees the old or
 * the new commit, never a torn file.
 */
export async function moveRef(repo: Repository, ref: string, commit: string): Promise<void> {
  await git.writeRef({ fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, ref, value: commit, force: true })
}

/** Formats a commit message: a subject line, a blank line, then `Key: value` trailers. */
export function formatMessage(subject: string, trailers: Readonly<Record<string, string>>): string {
  const lines = Object.entries(trailers).map(([k, v]) => `${k}: ${v.replace(/[\r\n]+/g, ' ')}`)
  return `${subject.replace(/[\r\n]+/g, ' ')}\n\n${lines.join('\n')}\n`
}

/** The trailers of a commit message (last paragraph, `Key: value` lines). */
export function parseTrailers(message: string): Record<string, string> {
  const paragraphs = message.trimEnd().split(/\n\s*\n/)
  const last = paragraphs[paragraphs.length - 1] ?? ''
  const out: Record<string, string> = {}
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z0-9-]+): (.*)$/.exec(line)
    if (m !== null) out[m[1]!] = m[2]!
  }
  return out
}

/** Serializes async work per key (per repository): checkpoints, rollbacks and exports of one repository never interleave. */
const queues = new Map<string, Promise<unknown>>()
export function exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve()
  const next = previous.then(work, work)
  const settled = next.then(
    () => undefined,
    () => undefined,
  )
  queues.set(key, settled)
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key)
  })
  return next
}
