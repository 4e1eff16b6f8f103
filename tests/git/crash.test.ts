import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { rollback } from '../../src/git/index.js'
import { fsck, git, gitStatus, removeDir, tempRepo, treeFiles, worktreeFiles } from './git-fixture.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const child = fileURLToPath(new URL('./fixtures/checkpoint-loop.ts', import.meta.url))
const repeats = Number(process.env.WEFT_GIT_CRASH_REPEATS ?? 10)

/** Deterministic kill delays (ms after the first step checkpoint), so a failure can be reproduced. */
function delays(seed: number, n: number): number[] {
  let s = seed >>> 0
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s % 400
  })
}

/** Starts the child, waits for its first step checkpoint, kills it with SIGKILL `delay` ms later. */
function runAndKill(dir: string, runId: string, delay: number): Promise<{ checkpoints: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, runId], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    let armed = false
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (!armed && out.includes('checkpoint {')) {
        armed = true
        setTimeout(() => proc.kill('SIGKILL'), delay)
      }
    })
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    proc.on('error', reject)
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && !out.includes('done')) reject(new Error(`child exited ${code} ${signal}: ${err}`))
      else resolve({ checkpoints: out.split('\n').filter((l) => l.startsWith('checkpoint {')).length, finished: out.includes('done') })
    })
  })
}

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) removeDir(d)
})

describe('kill -9 during checkpoints', () => {
  it(`leaves a repository git fsck accepts and a run ref at a complete commit (${repeats} kills)`, async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 200; i++) files[`src/m${i % 10}/file${i}.txt`] = `content ${i}\n`.repeat(50)
    const dir = tempRepo(files, 'weft-git-crash-')
    dirs.push(dir)
    const head = git(dir, 'rev-parse', 'HEAD')
    const index = git(dir, 'ls-files', '-s')
    let killedMidway = 0
    for (const [i, delay] of delays(2024, repeats).entries()) {
      const runId = `crash-${i}`
      const { checkpoints, finished } = await runAndKill(dir, runId, delay)
      if (!finished) killedMidway++
      const check = fsck(dir)
      expect(check.ok, `after kill ${i} (${delay} ms, ${checkpoints} checkpoints):\n${check.output}`).toBe(true)
      const ref = `refs/weft/runs/${runId}`
      const commit = gitStatus(dir, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`)
      expect(commit.status, `${ref} must resolve to a commit`).toBe(0)
      // The commit is complete: its whole tree can be listed and every blob read.
      expect(gitStatus(dir, 'ls-tree', '-r', commit.stdout.trim()).status).toBe(0)
      expect(git(dir, 'log', '-1', '--format=%(trailers:key=Weft-Run,valueonly)', ref).trim()).toBe(runId)
      // Its checkpoint history is intact: the commits since the start commit number what the child journaled (or one more,
      // when the kill fell between moving the ref and journaling).
      const count = Number(git(dir, 'rev-list', '--count', `${head.trim()}..${ref}`).trim()) - 1
      expect(count === checkpoints || count === checkpoints + 1, `${count} commits vs ${checkpoints} journaled checkpoints`).toBe(true)
      expect(git(dir, 'rev-parse', 'HEAD')).toBe(head)
      expect(git(dir, 'ls-files', '-s')).toBe(index)
    }
    expect(killedMidway).toBeGreaterThan(0)
    // Stray temporary files a kill may leave are of the kinds git ignores.
    const strays = readdirSync(join(dir, '.git/objects'), { recursive: true }).map(String).filter((p) => p.includes('tmp_obj_'))
    for (const p of strays) expect(p).toMatch(/tmp_obj_weft_\d+_\d+$/)
    // A crashed run can still be rolled back to its start (its last step's changes were never checkpointed: force).
    const last = `crash-${repeats - 1}`
    const result = await rollback({ dir, runId: last, to: 'start', force: true })
    expect(treeFiles(dir, result.commit)).toEqual(worktreeFiles(dir))
    expect(treeFiles(dir, `refs/weft/runs/${last}`)).toEqual(treeFiles(dir, git(dir, 'rev-list', '--max-parents=1', '--reverse', `${head.trim()}..refs/weft/runs/${last}`).split('\n')[0]!))
    expect(fsck(dir).ok).toBe(true)
  }, 300_000)
})
