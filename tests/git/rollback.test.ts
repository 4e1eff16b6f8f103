import { symlinkSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import Type from 'typebox'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine, InvalidArgumentError, isWeftError, workflow } from '../../src/index.js'
import { gitCheckpoints, GitCheckpointError, rollback } from '../../src/git/index.js'
import { directories, fsck, git, removeDir, setExecutable, snapshotFiles, tempRepo, treeFiles, worktreeFiles, writeFiles } from './git-fixture.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d)
})

const binary = (seed: number, n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17) & 0xff)

/** A repository, a run of three steps that modify, add, delete, chmod and re-link, and snapshots of the workspace between steps. */
async function ranRepo(options: { include?: string[] } = {}) {
  const dir = tempRepo({
    'bin/tool': binary(1, 4096),
    'src/a.ts': 'export const a = 1\n',
    'src/keep.ts': 'unchanged\n',
    'src/old/gone.ts': 'to be deleted\n',
    'run.sh': '#!/bin/sh\n',
    'README.md': 'readme\n',
    '.gitignore': 'node_modules/\n',
  })
  dirs.push(dir)
  symlinkSync('src/a.ts', join(dir, 'link'))
  writeFiles(dir, { 'draft.txt': 'uncommitted but present at start\n', 'node_modules/x.js': 'ignored 1\n' })
  const snapshots: Record<string, Record<string, string>> = { start: snapshotFiles(dir) }
  const dirsAt: Record<string, string[]> = { start: directories(dir) }
  const wf = workflow('changes')
    .step('one', {
      output: Type.Number(),
      run: () => {
        writeFiles(dir, { 'bin/tool': binary(2, 5000), 'src/new/deeper/x.ts': 'added\n', 'src/a.ts': 'export const a = 2\n', 'README.md': 'changed outside src\n' })
        setExecutable(dir, 'run.sh', true)
        return 1
      },
    })
    .step('two', {
      needs: ['one'],
      output: Type.Number(),
      run: () => {
        snapshots.one = snapshotFiles(dir)
        dirsAt.one = directories(dir)
        writeFiles(dir, { 'src/old/gone.ts': null, 'draft.txt': null, 'added/at/two.bin': binary(3, 100), 'node_modules/x.js': 'ignored 2\n' })
        unlinkSync(join(dir, 'link'))
        symlinkSync('README.md', join(dir, 'link'))
        setExecutable(dir, 'run.sh', false)
        return 2
      },
    })
    .build()
  const result = await createEngine({ plugins: [gitCheckpoints({ dir, ...options })] }).run(wf, undefined, { runId: 'r' })
  expect(result.status).toBe('succeeded')
  snapshots.two = snapshotFiles(dir)
  return { dir, snapshots, dirsAt }
}

describe('rollback', () => {
  it('restores the start byte for byte: modified files, deletions, additions, modes, symlinks, empty directories', async () => {
    const { dir, snapshots, dirsAt } = await ranRepo()
    const index = git(dir, 'ls-files', '-s')
    const head = git(dir, 'rev-parse', 'HEAD')
    const result = await rollback({ dir, runId: 'r', to: 'start' })
    const restoredIgnored = snapshotFiles(dir)['node_modules/x.js']
    // Ignored files are out of scope: left as the run left them.
    expect(restoredIgnored).toBe(snapshots.two!['node_modules/x.js'])
    expect({ ...snapshotFiles(dir), 'node_modules/x.js': 'same' }).toEqual({ ...snapshots.start, 'node_modules/x.js': 'same' })
    expect(directories(dir)).toEqual(dirsAt.start)
    expect(result.removed).toEqual(['added/at/two.bin', 'src/new/deeper/x.ts'])
    expect(result.restored).toEqual(['README.md', 'bin/tool', 'draft.txt', 'link', 'src/a.ts', 'src/old/gone.ts'])
    // HEAD and index untouched; the rollback is recorded on the run ref and matches the workspace.
    expect(git(dir, 'ls-files', '-s')).toBe(index)
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head)
    expect(git(dir, 'log', '-1', '--format=%(trailers:key=Weft-Rollback,valueonly)', 'refs/weft/runs/r').trim()).toBe('start')
    expect(git(dir, 'rev-parse', 'refs/weft/runs/r').trim()).toBe(result.commit)
    expect(treeFiles(dir, result.commit)).toEqual(worktreeFiles(dir))
    expect(fsck(dir).ok).toBe(true)
  })

  it('restores the checkpoint of a step, then another one, without force (the rollback itself is recorded)', async () => {
    const { dir, snapshots } = await ranRepo()
    await rollback({ dir, runId: 'r', to: 'one' })
    const strip = (s: Record<string, string>) => ({ ...s, 'node_modules/x.js': '' })
    expect(strip(snapshotFiles(dir))).toEqual(strip(snapshots.one!))
    await rollback({ dir, runId: 'r', to: 'start' })
    expect(strip(snapshotFiles(dir))).toEqual(strip(snapshots.start!))
    await rollback({ dir, runId: 'r', to: 'two' })
    expect(strip(snapshotFiles(dir))).toEqual(strip(snapshots.two!))
  })

  it('refuses when files changed outside the run, touching nothing; force discards those changes', async () => {
    const { dir, snapshots } = await ranRepo()
    writeFiles(dir, { 'src/keep.ts': 'edited by a person\n', 'scratch.txt': 'new file by a person\n' })
    const before = snapshotFiles(dir)
    const error = await rollback({ dir, runId: 'r', to: 'start' }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(GitCheckpointError)
    expect(isWeftError(error, 'WEFT_GIT_CHECKPOINT')).toBe(true)
    expect((error as GitCheckpointError).data).toMatchObject({ reason: 'foreign-changes', runId: 'r', paths: ['scratch.txt', 'src/keep.ts'] })
    expect(snapshotFiles(dir)).toEqual(before)

    await rollback({ dir, runId: 'r', to: 'start', force: true })
    const strip = (s: Record<string, string>) => ({ ...s, 'node_modules/x.js': '' })
    expect(strip(snapshotFiles(dir))).toEqual(strip(snapshots.start!))
  })

  it('only touches files in scope: the recorded scope, narrowed by include/exclude', async () => {
    const { dir, snapshots } = await ranRepo({ include: ['src/**', 'bin'] })
    // README.md was changed by the run but is out of the recorded scope: a later foreign edit there is not a conflict.
    writeFiles(dir, { 'README.md': 'edited outside scope\n' })
    await rollback({ dir, runId: 'r', to: 'start', exclude: ['bin'] })
    const now = snapshotFiles(dir)
    expect(now['README.md']).toBe(`-:${Buffer.from('edited outside scope\n').toString('hex')}`)
    expect(now['bin/tool']).toBe(snapshots.two!['bin/tool']) // excluded by the rollback
    expect(now['src/a.ts']).toBe(snapshots.start!['src/a.ts'])
    expect(now['src/old/gone.ts']).toBe(snapshots.start!['src/old/gone.ts'])
    expect(now['src/new/deeper/x.ts']).toBeUndefined()
    expect(now['added/at/two.bin']).toBe(snapshots.two!['added/at/two.bin']) // out of scope
    expect(now['run.sh']).toBe(snapshots.two!['run.sh'])
    expect(fsck(dir).ok).toBe(true)
  })

  it('names unknown steps and runs without checkpoints; checks its arguments', async () => {
    const { dir } = await ranRepo()
    await expect(rollback({ dir, runId: 'r', to: 'nope' })).rejects.toMatchObject({ code: 'WEFT_GIT_CHECKPOINT', data: { reason: 'unknown-step', steps: ['one', 'two'] } })
    await expect(rollback({ dir, runId: 'other', to: 'start' })).rejects.toMatchObject({ code: 'WEFT_GIT_CHECKPOINT', data: { reason: 'no-checkpoints', runId: 'other' } })
    await expect(rollback({ dir, runId: 'r', to: '' })).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(rollback({ dir, runId: 'r', to: 'start', force: 'yes' as unknown as boolean })).rejects.toThrow('Expected `force` to be a boolean, got `"yes" (string)`')
  })
})
