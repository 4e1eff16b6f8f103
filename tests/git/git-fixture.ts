/** Temporary git repositories for the git tests, driven by the `git` command line. */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, lstatSync, readlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** Environment that keeps the user's and the system's git config out of the tests. */
export const gitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_TERMINAL_PROMPT: '0',
}

/** Runs `git` in `cwd` and returns its stdout (throws on a non-zero exit). */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Runs `git` and returns exit status, stdout and stderr without throwing. */
export function gitStatus(cwd: string, ...args: string[]): { status: number; stdout: string; stderr: string } {
  try {
    return { status: 0, stdout: git(cwd, ...args), stderr: '' }
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string }
    return { status: e.status ?? 1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? '') }
  }
}

/** Writes files (path → content; `null` deletes), creating directories. */
export function writeFiles(root: string, files: Record<string, string | Uint8Array | null>): void {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, path)
    if (content === null) {
      rmSync(abs, { force: true })
      continue
    }
    mkdirSync(dirname(abs), { recursive: true })
    writeFileSync(abs, content)
  }
}

/** A fresh repository with `files` committed on `main`. */
export function tempRepo(files: Record<string, string | Uint8Array> = {}, prefix = 'weft-git-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  git(dir, 'init', '-q', '-b', 'main')
  if (Object.keys(files).length > 0) {
    writeFiles(dir, files)
    git(dir, 'add', '-A')
    git(dir, 'commit', '-q', '-m', 'initial')
  }
  return dir
}

/** Removes a temporary directory. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** Every file below `root` (except `.git`) as path → bytes (hex) plus mode, for byte-exact comparisons. */
export function snapshotFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      if (name === '.git') continue
      const path = rel === '' ? name : `${rel}/${name}`
      const st = lstatSync(join(root, path))
      if (st.isDirectory()) walk(path)
      else if (st.isSymbolicLink()) out[path] = `link:${readlinkSync(join(root, path))}`
      else out[path] = `${(st.mode & 0o100) !== 0 ? 'x' : '-'}:${readFileSync(join(root, path)).toString('hex')}`
    }
  }
  walk('')
  return out
}

/** Every directory below `root` (except `.git`). */
export function directories(root: string): string[] {
  const out: string[] = []
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      if (name === '.git') continue
      const path = rel === '' ? name : `${rel}/${name}`
      if (statSync(join(root, path)).isDirectory()) {
        out.push(path)
        walk(path)
      }
    }
  }
  walk('')
  return out
}

/** Sets or clears the executable bit. */
export function setExecutable(root: string, path: string, on: boolean): void {
  chmodSync(join(root, path), on ? 0o755 : 0o644)
}

/** `git fsck --full` passes without errors (dangling objects are fine). */
export function fsck(dir: string): { ok: boolean; output: string } {
  const r = gitStatus(dir, 'fsck', '--full', '--no-progress', '--strict')
  const output = `${r.stdout}${r.stderr}`
  const bad = output.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('dangling ') && !l.startsWith('Checking') && !l.startsWith('notice'))
  return { ok: r.status === 0 && bad.length === 0, output }
}

/** `git ls-tree -r` of a revision as path → "mode oid". */
export function treeFiles(dir: string, rev: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of git(dir, 'ls-tree', '-r', '-z', rev).split('\0')) {
    if (line === '') continue
    const [meta, path] = line.split('\t') as [string, string]
    const [mode, , oid] = meta.split(' ') as [string, string, string]
    out[path] = `${mode} ${oid}`
  }
  return out
}

/** The working tree as git sees it (tracked + untracked not ignored) as path → "mode oid", hashed by `git hash-object`. */
export function worktreeFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const paths = git(dir, 'ls-files', '--cached', '--others', '--exclude-standard', '-z').split('\0').filter(Boolean)
  for (const path of [...new Set(paths)]) {
    const abs = join(dir, path)
    let st
    try {
      st = lstatSync(abs)
    } catch {
      continue
    }
    const mode = st.isSymbolicLink() ? '120000' : (st.mode & 0o100) !== 0 ? '100755' : '100644'
    const oid = st.isSymbolicLink()
      ? execFileSync('git', ['hash-object', '--stdin', '--no-filters'], { cwd: dir, env: gitEnv, encoding: 'utf8', input: readlinkSync(abs) }).trim()
      : git(dir, 'hash-object', '--no-filters', '--', path).trim()
    out[path] = `${mode} ${oid}`
  }
  return out
}
