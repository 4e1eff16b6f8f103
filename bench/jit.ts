/**
 * `npm run bench:jit W1 [runs]` (or W2, W3, R1): the JIT's cold phase, run by run. A fresh child
 * process runs the workload as WORKLOADS.md measures it (baseline and Weft alternated, a forced
 * GC before each run, run 0 the warm-up) with V8's tracing flags, and this prints, for each Weft
 * run: its time and the baseline's, the baseline (Sparkplug) code V8 compiled during it, the
 * functions whose optimized code it installed, the ones it deoptimized and why, and the ones an
 * inline-cache change sent back to the start of their count towards optimization, and the hidden
 * classes (maps) V8 built during the run (V8's `--log-maps`). JSON in bench/results/.
 *
 * Why a process's first runs are slow is there, run by run. The one-warm-up ratio varies by
 * ±30% between fresh processes on this machine, so it cannot tell a small change from noise;
 * these counts hardly vary (W1 in four processes: 35.9 KB of baseline code after the warm-up
 * each time, 32–38 optimizations, 3–5 deoptimizations; the traced ratio 1.42–2.17). The tracing
 * slows the runs and shifts when compiled code is installed: compare the counts, not the times,
 * and the times only between runs of this tool.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createEngine } from '../src/index.js'
import { baseline, chain, fan, layered, type Shape } from './workloads.js'
import { toWorkflow } from './weft-workload.js'
import { END_MARK, JIT_TRACE_FLAGS, markMapLog, RUN_MARK, traceChild, type JitRun } from './jit-trace.js'
import { median } from './median.js'

function shapeOf(name: string): Shape {
  switch (name) {
    case 'W1':
      return chain(1000)
    case 'W2':
      return fan(1000, 64)
    case 'W3':
      return layered(100, 100, 32)
    case 'R1':
      return chain(1)
    default:
      throw new Error(`bench:jit runs W1, W2, W3 or R1, not ${JSON.stringify(name)}`)
  }
}

/** The child: the workload with markers around each Weft run. */
async function child(name: string, runs: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with node --expose-gc')
  const shape = shapeOf(name)
  const workflow = toWorkflow(shape)
  const engine = createEngine({ concurrency: shape.concurrency })
  for (let i = 0; i <= runs; i++) {
    gc()
    let t = performance.now()
    await baseline(shape)
    const base = performance.now() - t
    gc()
    process.stdout.write(`${RUN_MARK}${i}\n`)
    markMapLog('start', i)
    t = performance.now()
    const result = await engine.run(workflow)
    const ms = performance.now() - t
    markMapLog('end', i)
    process.stdout.write(`${END_MARK}${i} weft ${ms.toFixed(3)} base ${base.toFixed(3)}\n`)
    if (result.status !== 'succeeded') throw new Error(`weft run ${result.status}`)
  }
}

/** Runs `name` in a traced child and returns what V8 did in each of its runs. */
function traceJit(name: string, runs: number): JitRun[] {
  shapeOf(name) // fails before spawning for an unknown workload
  return traceChild(fileURLToPath(import.meta.url), name, runs)
}

function list(names: readonly string[], max = 6): string {
  const counts = new Map<string, number>()
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1)
  const shown = [...counts].slice(0, max).map(([n, c]) => (c > 1 ? `${n}×${c}` : n))
  return shown.join(' ') + (counts.size > max ? ` +${counts.size - max}` : '')
}

async function main(): Promise<void> {
  const [name = 'W1', count = '10'] = process.argv.slice(2)
  const runs = Number(count)
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a whole number ≥ 1, not ${count}`)
  if (process.env.BENCH_JIT_CHILD === '1') return child(name, runs)
  const traced = traceJit(name, runs)
  console.table(
    traced.map((r) => ({
      run: r.run === 0 ? '0 (warm-up)' : r.run,
      weftMs: r.weftMs,
      baseMs: r.baselineMs,
      sparkplugKB: +(r.sparkplugBytes / 1024).toFixed(1),
      optimized: `${r.optimized.length}: ${list(r.optimized)}`,
      deopts: r.deoptimized.length === 0 ? '' : `${r.deoptimized.length}: ${list(r.deoptimized.map((d) => `${d.name} (${d.reason})`), 3)}`,
      resets: list(r.resets, 4),
      maps: r.mapsBuilt.length === 0 ? '' : `${r.mapsBuilt.length}: ${list(r.mapsBuilt, 4)}`,
    })),
  )
  const measured = traced.filter((r) => r.run >= 1 && r.run <= 7)
  const after = traced.filter((r) => r.run >= 1)
  console.log(
    `${name}: ratio of the medians over runs 1-7 (traced) ${(median(measured.map((r) => r.weftMs)) / median(measured.map((r) => r.baselineMs))).toFixed(2)}; ` +
      `after the warm-up: ${(after.reduce((s, r) => s + r.sparkplugBytes, 0) / 1024).toFixed(1)} KB of baseline code, ` +
      `${after.reduce((s, r) => s + r.optimized.length, 0)} optimizations, ${after.reduce((s, r) => s + r.deoptimized.length, 0)} deoptimizations, ` +
      `${after.reduce((s, r) => s + r.resets.length, 0)} resets, ${after.reduce((s, r) => s + r.mapsBuilt.length, 0)} maps built`,
  )
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  const file = new URL(`./results/jit-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url)
  writeFileSync(file, JSON.stringify({ node: process.version, workload: name, runs, flags: JIT_TRACE_FLAGS, traced }, null, 2))
  console.log(`wrote ${fileURLToPath(file)}`)
}

await main()
