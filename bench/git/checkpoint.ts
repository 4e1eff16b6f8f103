/**
 * Git checkpoint cost: `node --import tsx bench/git/checkpoint.ts`.
 *
 * In one process and one workspace per size, alternating (ABAB, then BABA), it measures:
 * - weft: one `gitCheckpoints` checkpoint (the plugin's `afterStep`) after N files changed;
 * - git CLI: `git add -A && git commit -q` of the same changes (a shell, two git processes).
 * Workspaces of 500 and 5,000 files (10 changed per round), and 5,000 files with 100 changed,
 * show what the cost follows. Auto gc is off in the bench repositories (it would otherwise run
 * in the background of some git commits). Prints a table and writes JSON to bench/results/.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Type from 'typebox'
import { workflow } from '../../src/index.js'
import { gitCheckpoints } from '../../src/git/index.js'
import { median } from '../median.js'

const rounds = Number(process.env.BENCH_RUNS ?? 31)
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' }
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 })

function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32)
}

/** `files` files of ~1 KiB in a three-level tree (10 top directories, 50 files per leaf directory), committed. */
function workspace(files: number): { dir: string; paths: string[] } {
  const dir = mkdtempSync(join(tmpdir(), `weft-bench-git-${files}-`))
  git(dir, 'init', '-q', '-b', 'main')
  git(dir, 'config', 'gc.auto', '0') // no background gc racing the measurements (or the final fsck)
  const paths: string[] = []
  const past = new Date(Date.now() - 3_600_000)
  for (let i = 0; i < files; i++) {
    const leaf = Math.floor(i / 50)
    const path = `pkg${leaf % 10}/mod${leaf}/file${i}.ts`
    paths.push(path)
    const abs = join(dir, path)
    mkdirSync(dirname(abs), { recursive: true })
    writeFileSync(abs, `export const value${i} = ${i}\n`.repeat(32))
    utimesSync(abs, past, past)
  }
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '-m', 'initial')
  return { dir, paths }
}

interface Row { files: number; changed: number; tool: string; medianMs: number; minMs: number; ratio?: number }

async function measure(files: number, changed: number): Promise<{ rows: Row[]; firstSnapshotMs: number }> {
  const { dir, paths } = workspace(files)
  try {
    const plugin = gitCheckpoints({ dir })
    const wf = workflow('bench').step('s', { output: Type.Null(), run: () => null }).build()
    const ctx = { runId: `bench-${files}-${changed}`, workflow: wf, input: undefined, seed: 1, record: () => undefined }
    let t = performance.now()
    await plugin.onRunStart!(ctx)
    const firstSnapshotMs = performance.now() - t
    const random = prng(files * 31 + changed)
    const change = (round: number): void => {
      for (let k = 0; k < changed; k++) writeFileSync(join(dir, paths[Math.floor(random() * paths.length)]!), `// round ${round} change ${k}\n`.repeat(20))
    }
    const weftRun = async (round: number): Promise<number> => {
      const t0 = performance.now()
      await plugin.afterStep!({ ...ctx, stepId: 's', attempt: round, output: null })
      return performance.now() - t0
    }
    const gitRun = (): number => {
      const t0 = performance.now()
      execFileSync('sh', ['-c', 'git add -A && git commit -q -m round'], { cwd: dir, env })
      return performance.now() - t0
    }
    // Warm-up round for both (index refresh, caches, JIT).
    change(0)
    await weftRun(1)
    gitRun()
    const weft: number[] = []
    const cli: number[] = []
    for (let round = 1; round <= rounds; round++) {
      change(round)
      if (round % 2 === 1) {
        weft.push(await weftRun(round + 1))
        cli.push(gitRun())
      } else {
        cli.push(gitRun())
        weft.push(await weftRun(round + 1))
      }
    }
    const fsck = execFileSync('git', ['fsck', '--full', '--no-progress'], { cwd: dir, env, encoding: 'utf8' })
    if (/error|missing|broken/.test(fsck)) throw new Error(`git fsck failed:\n${fsck}`)
    const w = median(weft)
    const g = median(cli)
    return {
      firstSnapshotMs,
      rows: [
        { files, changed, tool: 'weft checkpoint', medianMs: w, minMs: Math.min(...weft), ratio: w / g },
        { files, changed, tool: 'git add -A && git commit', medianMs: g, minMs: Math.min(...cli) },
      ],
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const cases: [number, number][] = [
  [500, 10],
  [5000, 10],
  [5000, 100],
]
const rows: Row[] = []
const first: Record<string, number> = {}
for (const [files, changed] of cases) {
  const r = await measure(files, changed)
  rows.push(...r.rows)
  first[`${files}`] = r.firstSnapshotMs
}

const fmt = (n: number): string => n.toFixed(1).padStart(8)
console.log(`\nGit checkpoint cost (median of ${rounds} rounds; Node ${process.version}, git ${git(process.cwd(), '--version').trim().split(' ')[2]})\n`)
console.log('files  changed  tool                        median ms   min ms   weft/git')
for (const r of rows) {
  console.log(`${String(r.files).padStart(5)}  ${String(r.changed).padStart(7)}  ${r.tool.padEnd(26)} ${fmt(r.medianMs)} ${fmt(r.minMs)}   ${r.ratio === undefined ? '' : r.ratio.toFixed(2)}`)
}
const weftAt = (files: number, changed: number): number => rows.find((r) => r.files === files && r.changed === changed && r.tool === 'weft checkpoint')!.medianMs
const growth = weftAt(5000, 10) / weftAt(500, 10)
const perChange = weftAt(5000, 100) / weftAt(5000, 10)
console.log(`\nweft, 10 changed files: 5,000-file workspace costs ${growth.toFixed(2)}x the 500-file one (10x the files)`)
console.log(`weft, 5,000 files: 100 changed files cost ${perChange.toFixed(2)}x 10 changed files`)
console.log(`first snapshot (run start, cold cache, every file read and written): ${Object.entries(first).map(([n, ms]) => `${n} files ${ms.toFixed(0)} ms`).join(', ')}`)

const out = fileURLToPath(new URL('../results/', import.meta.url))
mkdirSync(out, { recursive: true })
const file = join(out, `git-checkpoint-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
writeFileSync(file, `${JSON.stringify({ benchmark: 'git-checkpoint', node: process.version, rounds, rows, growth500to5000: growth, changed100vs10: perChange, firstSnapshotMs: first }, null, 2)}\n`)
console.log(`\nwrote ${file}`)
