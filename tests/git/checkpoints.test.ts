import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { symlinkSync, utimesSync, readdirSync, statSync } from 'node:fs'
import * as nodeFs from 'node:fs'
import { join } from 'node:path'
import Type from 'typebox'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine, defineWorkflow, InvalidArgumentError, isWeftError, memoryStore, workflow, type JournalEvent, type RunStore, type StepSpec } from '../../src/index.js'
import { checkpointRef, gitCheckpoints, GitCheckpointError, outputSha256, type GitFsClient } from '../../src/git/index.js'
import { fsck, git, gitEnv, gitStatus, removeDir, setExecutable, tempRepo, treeFiles, worktreeFiles, writeFiles } from './git-fixture.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d)
})
function repo(files: Record<string, string | Uint8Array>): string {
  const dir = tempRepo(files)
  dirs.push(dir)
  return dir
}
async function journal(store: RunStore, runId: string): Promise<JournalEvent[]> {
  const out: JournalEvent[] = []
  for await (const e of store.read(runId)) out.push(e)
  return out
}
/** Sets every file's mtime into the past, so stat caches treat them as settled. */
function age(dir: string): void {
  const past = new Date(Date.now() - 60_000)
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs)) {
      if (name === '.git') continue
      const p = join(abs, name)
      if (statSync(p).isDirectory()) walk(p)
      else utimesSync(p, past, past)
    }
  }
  walk(dir)
}
const trailer = (dir: string, rev: string, key: string): string => git(dir, 'log', '-1', `--format=%(trailers:key=${key},valueonly)`, rev).trim()

describe('gitCheckpoints', () => {
  it('commits one checkpoint per step on refs/weft/runs/<id>, with trailers, leaving HEAD, index, branch and status alone', async () => {
    const dir = repo({ 'README.md': '# demo\n', 'src/app.ts': 'export const a = 1\n', 'src/lib/util.ts': 'export {}\n', 'scripts/run.sh': '#!/bin/sh\necho hi\n' })
    // Uncommitted state the run must neither commit to the branch nor disturb.
    writeFiles(dir, { 'README.md': '# demo (edited)\n', 'notes.txt': 'untracked\n' })
    git(dir, 'add', 'README.md') // a staged change
    const head = git(dir, 'rev-parse', 'HEAD').trim()
    const branch = git(dir, 'symbolic-ref', 'HEAD').trim()
    const index = git(dir, 'ls-files', '-s', '--debug')
    const staged = git(dir, 'diff', '--cached', '--name-status')

    const wf = workflow('edit')
      .step('modify', { output: Type.Object({ b: Type.Number(), a: Type.String() }), run: () => (writeFiles(dir, { 'src/app.ts': 'export const a = 2\n' }), { b: 1, a: 'x' }) })
      .step('add', { needs: ['modify'], output: Type.Number(), run: () => (writeFiles(dir, { 'src/new/deep/file.ts': 'new\n', 'docs/guide.md': 'guide\n' }), 2) })
      .step('remove', { needs: ['add'], output: Type.Null(), run: () => (writeFiles(dir, { 'src/lib/util.ts': null }), setExecutable(dir, 'scripts/run.sh', true), null) })
      .step('nothing', { needs: ['remove'], output: Type.Boolean(), run: () => true })
      .build()
    const store = memoryStore()
    const result = await createEngine({ store, plugins: [gitCheckpoints({ dir })] }).run(wf, undefined, { runId: 'run-1' })
    expect(result.status).toBe('succeeded')

    // Repository integrity and the user's state.
    expect(fsck(dir)).toEqual({ ok: true, output: expect.any(String) })
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(head)
    expect(git(dir, 'symbolic-ref', 'HEAD').trim()).toBe(branch)
    expect(git(dir, 'ls-files', '-s', '--debug')).toBe(index)
    expect(git(dir, 'diff', '--cached', '--name-status')).toBe(staged)
    expect(git(dir, 'status', '--porcelain').split('\n').filter(Boolean).sort()).toEqual(
      ['M  README.md', ' D src/lib/util.ts', ' M scripts/run.sh', ' M src/app.ts', '?? docs/', '?? notes.txt', '?? src/new/'].sort(),
    )

    // One commit per step on top of a start commit whose parent is HEAD.
    const ref = checkpointRef('run-1')
    expect(ref).toBe('refs/weft/runs/run-1')
    const commits = git(dir, 'rev-list', '--reverse', `${head}..${ref}`).trim().split('\n')
    expect(commits).toHaveLength(5)
    const [start, cpModify, cpAdd, cpRemove, cpNothing] = commits as [string, string, string, string, string]
    expect(git(dir, 'rev-parse', `${start}^`).trim()).toBe(head)
    expect(trailer(dir, start, 'Weft-Base')).toBe(head)
    expect(commits.slice(1).map((c) => trailer(dir, c, 'Weft-Step'))).toEqual(['modify', 'add', 'remove', 'nothing'])
    for (const c of commits) expect(trailer(dir, c, 'Weft-Run')).toBe('run-1')
    for (const c of commits.slice(1)) expect(trailer(dir, c, 'Weft-Attempt')).toBe('1')
    // sha256 of the canonical JSON of the output, computed independently.
    expect(trailer(dir, cpModify, 'Weft-Output-Sha256')).toBe(createHash('sha256').update('{"a":"x","b":1}').digest('hex'))
    expect(trailer(dir, cpRemove, 'Weft-Output-Sha256')).toBe(createHash('sha256').update('null').digest('hex'))
    expect(outputSha256({ b: 1, a: 'x' })).toBe(trailer(dir, cpModify, 'Weft-Output-Sha256'))

    // The start commit holds the workspace as the run found it (uncommitted edits included).
    expect(git(dir, 'diff', '--name-status', head, start).trim().split('\n')).toEqual(['M\tREADME.md', 'A\tnotes.txt'])
    // Each checkpoint differs from the previous by exactly what its step changed.
    expect(git(dir, 'diff', '--name-status', start, cpModify).trim()).toBe('M\tsrc/app.ts')
    expect(git(dir, 'diff', '--name-status', cpModify, cpAdd).trim().split('\n')).toEqual(['A\tdocs/guide.md', 'A\tsrc/new/deep/file.ts'])
    expect(git(dir, 'diff', '--name-status', cpAdd, cpRemove).trim().split('\n')).toEqual(['M\tscripts/run.sh', 'D\tsrc/lib/util.ts'])
    expect(git(dir, 'ls-tree', cpRemove, 'scripts/run.sh').split(' ')[0]).toBe('100755')
    expect(git(dir, 'diff', cpRemove, cpNothing)).toBe('')
    expect(git(dir, 'show', `${cpModify}:src/app.ts`)).toBe('export const a = 2\n')
    // The last checkpoint equals the working tree.
    expect(treeFiles(dir, cpNothing)).toEqual(worktreeFiles(dir))

    // Every checkpoint is journaled with its commit id.
    const events = await journal(store, 'run-1')
    const recorded = events.filter((e) => e.type === 'plugin.recorded')
    expect(recorded.map((e) => [e.name, e.stepId, e.data])).toEqual([
      ['checkpoint.start', undefined, { commit: start, base: head }],
      ['checkpoint', 'modify', { commit: cpModify, stepId: 'modify' }],
      ['checkpoint', 'add', { commit: cpAdd, stepId: 'add' }],
      ['checkpoint', 'remove', { commit: cpRemove, stepId: 'remove' }],
      ['checkpoint', 'nothing', { commit: cpNothing, stepId: 'nothing' }],
    ])
    // ... before the step's success.
    const at = (type: string, stepId: string) => events.findIndex((e) => e.type === type && 'stepId' in e && e.stepId === stepId)
    expect(at('plugin.recorded', 'add')).toBeLessThan(at('step.succeeded', 'add'))
  })

  it('writes the very tree git writes for the same files (names, order, modes, links, unicode)', async () => {
    const dir = repo({ 'keep.txt': 'k' })
    writeFiles(dir, { 'a.txt': '1', 'a/x': '2', 'a-b': '3', 'a0/z': '4', 'é.txt': '5', '日本/語.md': '6', 'A': '7', 'b c/d e.txt': '8', 'empty': '' })
    setExecutable(dir, 'a-b', true)
    symlinkSync('a/x', join(dir, 'lnk'))
    nodeFs.mkdirSync(join(dir, 'empty-dir/nested'), { recursive: true })
    const r = await createEngine({ plugins: [gitCheckpoints({ dir })] }).run(workflow('w').step('s', { output: Type.Null(), run: () => null }).build(), undefined, { runId: 'tree' })
    expect(r.status).toBe('succeeded')
    // git's own tree of the same working tree, through a throwaway index (the real one is untouched).
    const index = join(dir, '.git', 'weft-test-index')
    const env = { GIT_INDEX_FILE: index }
    const withIndex = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...gitEnv, ...env }, encoding: 'utf8' })
    withIndex('add', '-A')
    const gitTree = withIndex('write-tree').trim()
    nodeFs.rmSync(index)
    expect(git(dir, 'rev-parse', 'refs/weft/runs/tree^{tree}').trim()).toBe(gitTree)
    expect(fsck(dir).ok).toBe(true)
  })

  it("checkpoints only steps marked meta.checkpoint with every: 'marked'", async () => {
    const dir = repo({ 'a.txt': '0' })
    const steps: StepSpec[] = ['s1', 's2', 's3'].map((id, i) => ({
      id,
      needs: i === 0 ? [] : [`s${i}`],
      output: Type.Number(),
      meta: { checkpoint: id !== 's2' },
      run: () => (writeFiles(dir, { 'a.txt': id }), i),
    }))
    const wf = defineWorkflow({ id: 'marked', steps })
    const r = await createEngine({ plugins: [gitCheckpoints({ dir, every: 'marked' })] }).run(wf, undefined, { runId: 'm' })
    expect(r.status).toBe('succeeded')
    const log = git(dir, 'log', '--format=%(trailers:key=Weft-Step,valueonly)', 'main..refs/weft/runs/m').split('\n').filter(Boolean)
    expect(log).toEqual(['s3', 's1'])
    expect(fsck(dir).ok).toBe(true)
  })

  it('snapshots what git would track: .gitignore rules at every level and .git/info/exclude', async () => {
    const files = {
      '.gitignore': 'node_modules/\n*.log\n!keep.log\n/build\ndocs/**/*.tmp\n# comment\n\\#hash\nspace\\ \n',
      'src/.gitignore': 'generated/\n!important.gen\n*.gen\n',
      'src/a.ts': 'a',
      'src/x.gen': 'x',
      'src/important.gen': 'kept? no: re-ignored by the later *.gen',
      'src/generated/g.ts': 'g',
      'node_modules/pkg/index.js': 'm',
      'packages/p/node_modules/q.js': 'q',
      'debug.log': 'log',
      'keep.log': 'keep',
      'build/out.js': 'out',
      'src/build/inner.js': 'inner (not anchored at root)',
      'docs/a/b/c.tmp': 'tmp',
      'docs/a/b/c.md': 'md',
      '#hash': 'hash',
      'space ': 'space',
      'local.secret': 'excluded by info/exclude',
      'deep/er/est.txt': 'x',
    }
    const dir = tempRepo()
    dirs.push(dir)
    writeFiles(dir, files)
    writeFiles(dir, { '.git/info/exclude': '*.secret\n' })
    const r = await createEngine({ plugins: [gitCheckpoints({ dir })] }).run(workflow('w').step('s', { output: Type.Null(), run: () => null }).build(), undefined, { runId: 'ign' })
    expect(r.status).toBe('succeeded')
    const inCheckpoint = git(dir, 'ls-tree', '-r', '--name-only', '-z', 'refs/weft/runs/ign').split('\0').filter(Boolean).sort()
    const gitSees = git(dir, 'ls-files', '--cached', '--others', '--exclude-standard', '-z').split('\0').filter(Boolean).sort()
    expect(inCheckpoint).toEqual(gitSees)
    expect(inCheckpoint).toContain('keep.log')
    expect(inCheckpoint).not.toContain('debug.log')
  })

  it('honours include and exclude globs (a glob naming a directory takes all of it)', async () => {
    const dir = repo({ 'src/a.ts': 'a', 'src/gen/b.ts': 'b', 'lib/c.ts': 'c', 'package.json': '{}', 'README.md': 'r' })
    const r = await createEngine({ plugins: [gitCheckpoints({ dir, include: ['src', 'package.json'], exclude: ['src/gen'] })] }).run(
      workflow('w').step('s', { output: Type.Null(), run: () => null }).build(),
      undefined,
      { runId: 'scoped' },
    )
    expect(r.status).toBe('succeeded')
    expect(git(dir, 'ls-tree', '-r', '--name-only', 'refs/weft/runs/scoped').trim().split('\n')).toEqual(['package.json', 'src/a.ts'])
  })

  it('reads and writes only what changed: one blob, the trees on its path, one commit', async () => {
    const files: Record<string, string> = {}
    for (let p = 0; p < 4; p++) for (let d = 0; d < 5; d++) for (let f = 0; f < 10; f++) files[`packages/p${p}/d${d}/f${f}.txt`] = `${p}-${d}-${f}\n`
    const dir = repo(files)
    age(dir)
    const reads: string[] = []
    const writes: string[] = []
    const counting: GitFsClient = {
      promises: {
        ...(nodeFs.promises as unknown as GitFsClient['promises']),
        readFile: (async (path: string, options?: unknown) => {
          if (!path.includes('/.git/')) reads.push(path.slice(dir.length + 1))
          return nodeFs.promises.readFile(path, options as undefined)
        }) as GitFsClient['promises']['readFile'],
        writeFile: (async (path: string, data: Uint8Array | string, options?: unknown) => {
          await nodeFs.promises.writeFile(path, data, options as undefined)
          if (path.includes('/objects/')) writes.push(path) // counted once written (a first try may fail for a missing directory)
        }) as GitFsClient['promises']['writeFile'],
      },
    }
    let reads0 = 0
    let writes0 = 0
    const wf = workflow('w')
      .step('first', { output: Type.Number(), run: () => ((reads0 = reads.length), (writes0 = writes.length), writeFiles(dir, { 'packages/p2/d3/f7.txt': 'changed\n' }), 1) })
      .build()
    const r = await createEngine({ plugins: [gitCheckpoints({ dir, fs: counting })] }).run(wf, undefined, { runId: 'cost' })
    expect(r.status).toBe('succeeded')
    // The start snapshot read all 200 files; the checkpoint only the changed one.
    expect(reads0).toBe(200)
    expect(reads.slice(reads0)).toEqual(['packages/p2/d3/f7.txt'])
    // 1 blob + trees of packages/p2/d3, packages/p2, packages, root + 1 commit.
    expect(writes.slice(writes0), writes.slice(writes0).join('\n')).toHaveLength(6)
    expect(fsck(dir).ok).toBe(true)
  })

  it('serializes checkpoints of parallel steps into one linear chain', async () => {
    const dir = repo({ 'seed.txt': 's' })
    let w = workflow('fan').step('root', { output: Type.Number(), run: () => 0 })
    const ids: string[] = []
    for (let i = 0; i < 8; i++) {
      const id = `leaf${i}`
      ids.push(id)
      w = w.step(id, { needs: ['root'], output: Type.Number(), run: async () => (writeFiles(dir, { [`out/${id}.txt`]: id }), i) }) as typeof w
    }
    const r = await createEngine({ plugins: [gitCheckpoints({ dir })] }).run(w.build(), undefined, { runId: 'fan' })
    expect(r.status).toBe('succeeded')
    const chain = git(dir, 'rev-list', '--first-parent', 'main..refs/weft/runs/fan').trim().split('\n')
    const all = git(dir, 'rev-list', 'main..refs/weft/runs/fan').trim().split('\n')
    expect(chain).toEqual(all)
    expect(chain).toHaveLength(10)
    expect(git(dir, 'ls-tree', '--name-only', 'refs/weft/runs/fan', 'out/').trim().split('\n')).toHaveLength(8)
    expect(fsck(dir).ok).toBe(true)
  })

  it('continues the existing ref when a run is resumed', async () => {
    const dir = repo({ 'a.txt': '1' })
    const plugin = gitCheckpoints({ dir })
    const wf = workflow('w').step('s', { output: Type.Number(), run: () => 1 }).build()
    const records: unknown[] = []
    const ctx = { runId: 'again', workflow: wf, input: undefined, seed: 1, record: (name: string, data: unknown) => records.push([name, data]) }
    await plugin.onRunStart!(ctx)
    await plugin.afterStep!({ ...ctx, stepId: 's', attempt: 1, output: 1 })
    await plugin.onRunStart!(ctx) // as on resume
    writeFiles(dir, { 'a.txt': '2' })
    await plugin.afterStep!({ ...ctx, stepId: 's', attempt: 2, output: 1 })
    const steps = git(dir, 'log', '--format=%(trailers:key=Weft-Step,valueonly)%(trailers:key=Weft-Base,valueonly)', 'main..refs/weft/runs/again').split('\n').filter(Boolean)
    expect(steps).toHaveLength(3)
    expect(trailer(dir, 'refs/weft/runs/again', 'Weft-Attempt')).toBe('2')
    expect(records.map((r) => (r as [string])[0])).toEqual(['checkpoint.start', 'checkpoint', 'checkpoint'])
  })

  it('works in a repository without commits, encodes run ids that are not valid ref names', async () => {
    const dir = tempRepo()
    dirs.push(dir)
    writeFiles(dir, { 'a.txt': 'a' })
    symlinkSync('a.txt', join(dir, 'link'))
    const r = await createEngine({ plugins: [gitCheckpoints({ dir })] }).run(workflow('w').step('s', { output: Type.Number(), run: () => 1 }).build(), undefined, { runId: 'job:1' })
    expect(r.status).toBe('succeeded')
    const ref = checkpointRef('job:1')
    expect(ref).toBe('refs/weft/runs/job%3A1')
    for (const id of ['job:1', 'a..b', '.x', 'x.', 'x.lock', 'sp ace~^?*[\\', 'ünï']) expect(gitStatus(dir, 'check-ref-format', checkpointRef(id)).status, id).toBe(0)
    expect(trailer(dir, ref, 'Weft-Run')).toBe('job:1')
    expect(git(dir, 'rev-list', '--count', ref).trim()).toBe('2')
    expect(git(dir, 'ls-tree', ref).trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['100644', '120000'])
    expect(fsck(dir).ok).toBe(true)
    expect(git(dir, 'status', '--porcelain')).toBe('?? a.txt\n?? link\n')
  })

  it('rejects invalid options with exact messages and fails a run outside a repository', async () => {
    expect(() => gitCheckpoints({ dir: '.', every: 'always' as 'step' })).toThrow(InvalidArgumentError)
    expect(() => gitCheckpoints({ dir: '.', every: 'always' as 'step' })).toThrow("Expected `every` to be 'step' or 'marked', got `\"always\" (string)`")
    expect(() => gitCheckpoints({ dir: '.', include: ['ok', 3 as unknown as string] })).toThrow('Expected `include` to be an array of non-empty glob strings')
    const dir = tempRepo()
    dirs.push(dir)
    const notRepo = join(dir, 'plain')
    nodeFs.mkdirSync(notRepo)
    const r = await createEngine({ plugins: [gitCheckpoints({ dir: notRepo })] }).run(workflow('w').step('s', { output: Type.Number(), run: () => 1 }).build())
    expect(r.status).toBe('failed')
    if (r.status === 'failed') {
      expect(r.error.code).toBe(GitCheckpointError.code)
      expect((r.error.data as { reason: string }).reason).toBe('not-a-repository')
    }
    expect(isWeftError(new GitCheckpointError('x', { dir, reason: 'no-checkpoints' }), 'WEFT_GIT_CHECKPOINT')).toBe(true)
  })
})
