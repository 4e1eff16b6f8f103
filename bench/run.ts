/**
 * `npm run bench`: Weft against the hand-written baseline on the shared workloads, run in the
 * same process in alternation (ABAB…) with a forced GC before each run. Prints a table and
 * writes JSON to bench/results/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine, fileStore, type Durability, type Workflow } from '../src/index.js'
import { durableBaseline, fsyncClock, preallocatedBaseline, timedFileSystem } from './durable/w4.js'
import { baseline, chain, expected, fan, layered, type Shape } from './workloads.js'
import { toWorkflow } from './weft-workload.js'
import { floorRun } from './floor-engine.js'
import { acrossProcesses, CHILD_ROWS, type ProcessSummary } from './processes.js'
import { runW5 } from './scale/w5.js'
import { median } from './median.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with node --expose-gc')
const runs = Number(process.env.BENCH_RUNS ?? 7)

interface Row { workload: string; steps: number; engine: string; medianMs: number; runsMs?: number[]; stepsPerSec: number; usPerStep: number; heapMB: number; ratio?: number; warmMs?: number; warmRatio?: number; steadyMs?: number; steadyRatio?: number; fsyncUs?: number; otherUs?: number; value: number }

/** Alternated runs after the measured ones before the warm measurement (JIT warm-up). */
const warmUpRuns = Number(process.env.BENCH_WARMUP ?? 25)

/** Times `fn` (with a forced GC first unless `collect` is false). */
async function measure(fn: () => Promise<number>, collect = true): Promise<{ ms: number; heap: number; value: number; fsyncMs: number }> {
  if (collect) gc!()
  const heap0 = process.memoryUsage().heapUsed
  const fsync0 = fsyncClock.ms
  const t0 = performance.now()
  const value = await fn()
  const ms = performance.now() - t0
  const heap = process.memoryUsage().heapUsed - heap0
  return { ms, heap, value, fsyncMs: fsyncClock.ms - fsync0 }
}

/** Runs `shape` on Weft in its default configuration (one engine and definition for every run). */
function weftRunner(shape: Shape): () => Promise<number> {
  const wf = toWorkflow(shape)
  const engine = createEngine({ concurrency: shape.concurrency })
  return async () => {
    const r = await engine.run(wf)
    if (r.status !== 'succeeded') throw new Error(`weft run ${r.status}: ${JSON.stringify(r.error)}`)
    return r.output as number
  }
}

/** Weft (default configuration) or the floor engine (bench/floor-engine.ts) against the baseline. */
async function compare(shape: Shape, subject: 'weft' | 'floor'): Promise<Row[]> {
  const n = shape.weights.length
  const want = expected(shape)
  const journals: Parameters<typeof floorRun>[1] = []
  const weft = subject === 'floor' ? (): Promise<number> => floorRun(shape, journals) : weftRunner(shape)
  const base = (): Promise<number> => baseline(shape)
  await measure(base)
  await measure(weft) // warm-up
  const a: { ms: number; heap: number }[] = []
  const b: { ms: number; heap: number }[] = []
  for (let i = 0; i < runs; i++) {
    const x = await measure(base)
    if (x.value !== want) throw new Error(`baseline value ${x.value} != ${want}`)
    a.push(x)
    const y = await measure(weft)
    if (y.value !== want) throw new Error(`weft value ${y.value} != ${want}`)
    b.push(y)
  }
  const row = (engineName: string, xs: { ms: number; heap: number }[]): Row => {
    const ms = median(xs.map((x) => x.ms))
    return { workload: shape.name, steps: n, engine: engineName, medianMs: +ms.toFixed(2), stepsPerSec: Math.round((n / ms) * 1000), usPerStep: +((ms * 1000) / n).toFixed(3), heapMB: +(median(xs.map((x) => x.heap)) / 1048576).toFixed(2), value: want }
  }
  const rb = row('baseline', a)
  const rw = row(subject, b)
  rw.ratio = +(rw.medianMs / rb.medianMs).toFixed(2)
  // Each measured run in order: the first runs after the warm-up are where the JIT is still
  // compiling (see processes.ts, which prints their medians over fresh processes).
  rb.runsMs = a.map((x) => +x.ms.toFixed(2))
  rw.runsMs = b.map((x) => +x.ms.toFixed(2))
  // The same again once the JIT has compiled both (WORKLOADS.md asks for one warm-up run, which
  // leaves Weft's larger code path partly unoptimized): `warmUpRuns` more alternated runs, then
  // `runs` measured ones, still with a forced GC before each.
  for (let i = 0; i < warmUpRuns; i++) {
    await measure(base)
    await measure(weft)
  }
  const wa: number[] = []
  const wb: number[] = []
  for (let i = 0; i < runs; i++) {
    wa.push((await measure(base)).ms)
    const y = await measure(weft)
    if (y.value !== want) throw new Error(`weft value ${y.value} != ${want}`)
    wb.push(y.ms)
  }
  rb.warmMs = +median(wa).toFixed(2)
  rw.warmMs = +median(wb).toFixed(2)
  rw.warmRatio = +(median(wb) / median(wa)).toFixed(2)
  // Steady state: the same, warm, without the forced GC before each run. A forced GC discards
  // optimized code whose objects died (the baseline's per-run closures), which slows the
  // baseline more than Weft; this column shows the gap an app calling Weft in a loop sees.
  const sa: number[] = []
  const sb: number[] = []
  for (let i = 0; i < runs; i++) {
    sa.push((await measure(base, false)).ms)
    const y = await measure(weft, false)
    if (y.value !== want) throw new Error(`weft value ${y.value} != ${want}`)
    sb.push(y.ms)
  }
  rb.steadyMs = +median(sa).toFixed(2)
  rw.steadyMs = +median(sb).toFixed(2)
  rw.steadyRatio = +(median(sb) / median(sa)).toFixed(2)
  return [rb, rw]
}

/**
 * W4 (durable chain) and a durable W2: Weft on the file store against the hand-written
 * append + fdatasync baseline, alternated in the same process.
 */
async function durable(): Promise<Row[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'weft-bench-w4-'))
  const n = 1000
  const w4 = chain(n)
  const w4wf = toWorkflow(w4)
  const w2 = fan(1000, 64)
  const w2wf = toWorkflow(w2)
  // One store and one engine per variant, open for all its runs, as an app keeps them (and as
  // the in-memory rows keep one engine): each run creates its journal and lease, the store's
  // directories and the closing of the store are not part of a run.
  const stores: ReturnType<typeof fileStore>[] = []
  const onStore = (wf: Workflow, durability: Durability, concurrency: number): (() => Promise<number>) => {
    const store = fileStore(join(scratch, `s${stores.length}`), { durability, fs: timedFileSystem })
    stores.push(store)
    const engine = createEngine({ store, concurrency })
    return async () => {
      const r = await engine.run(wf)
      if (r.status !== 'succeeded') throw new Error(`weft run ${r.status}`)
      return r.output as number
    }
  }
  // The same with a new store per run, opened and closed inside the timed run (not a target).
  let k = 0
  const onNewStore = async (wf: Workflow, durability: Durability, concurrency: number): Promise<number> => {
    const store = fileStore(join(scratch, `n${++k}`), { durability, fs: timedFileSystem })
    const r = await createEngine({ store, concurrency }).run(wf)
    await store.close()
    if (r.status !== 'succeeded') throw new Error(`weft run ${r.status}`)
    return r.output as number
  }
  // Short runs: what a run costs on top of its steps (journal creation, lease, run events).
  const short = chain(10)
  const shortWf = toWorkflow(short)
  // `baseline`: the index of the variant this one's ratio is taken against (none for a baseline).
  // `repeat`: samples per round for the short variants (a few ms each), whose medians a disk
  // stall hits harder than those of the 1,000-fsync chains: 3 × the rounds for the same cost.
  const variants: { name: string; workload: string; shape: Shape; baseline?: number; repeat?: number; fn: () => Promise<number> }[] = [
    { name: 'baseline (append + fdatasync per step)', workload: 'W4 durable chain', shape: w4, fn: async () => (await durableBaseline(mkdtempSync(join(scratch, 'b')), n)).value },
    { name: 'weft file store always', workload: 'W4 durable chain', shape: w4, baseline: 0, fn: onStore(w4wf, 'always', Infinity) },
    { name: 'weft file store batch', workload: 'W4 durable chain', shape: w4, baseline: 0, fn: onStore(w4wf, 'batch', Infinity) },
    { name: 'weft file store batch (W2 fan-out)', workload: 'W2 durable', shape: w2, baseline: 0, repeat: 3, fn: onStore(w2wf, 'batch', 64) },
    { name: 'baseline, 10-step run', workload: 'W4 short run', shape: short, repeat: 3, fn: async () => (await durableBaseline(mkdtempSync(join(scratch, 'b')), short.weights.length)).value },
    { name: 'weft file store always, 10-step run', workload: 'W4 short run', shape: short, baseline: 4, repeat: 3, fn: onStore(shortWf, 'always', Infinity) },
    // Not a target: the baseline loop with the preallocating store's disk pattern (its ratio is to the W4 baseline).
    { name: 'baseline, preallocated (pwrite + fdatasync per step)', workload: 'W4 durable chain', shape: w4, baseline: 0, fn: async () => (await preallocatedBaseline(mkdtempSync(join(scratch, 'b')), n)).value },
    // Not a target: durable W2 with a store opened and closed inside each timed run.
    { name: 'weft file store batch (W2 fan-out), new store per run', workload: 'W2 durable', shape: w2, baseline: 0, repeat: 3, fn: () => onNewStore(w2wf, 'batch', 64) },
  ]
  for (const { fn } of variants) await measure(fn) // warm-up
  const samples = variants.map(() => [] as { ms: number; heap: number; fsyncMs: number }[])
  // fsync latency drifts over seconds: more rounds than the CPU workloads, and the variants in a
  // rotated order each round so that none always follows the same one.
  const durableRuns = Number(process.env.BENCH_DURABLE_RUNS ?? Math.max(9, runs))
  // Steady state: the same rounds without the forced GC before each run (an app running workflows
  // back to back). A forced full GC between two runs of a store that keeps no events used to free
  // the events' V8 maps and deoptimize the store's per-event code: durable W2 ran ~5 ms slower
  // after one (waiting 100 ms after the GC did not help). The engine now keeps stand-ins of those
  // maps (src/engine/stand-in.ts); what remains of the gap is the GC's other effects.
  const steady = variants.map(() => [] as number[])
  for (const collect of [true, false]) {
    for (let i = 0; i < durableRuns; i++) {
      for (let k = 0; k < variants.length; k++) {
        const v = (k + i) % variants.length
        const { name, shape, fn, repeat = 1 } = variants[v]!
        for (let r = 0; r < repeat; r++) {
          const x = await measure(fn, collect)
          if (x.value !== expected(shape)) throw new Error(`${name}: value ${x.value} != ${expected(shape)}`)
          if (collect) samples[v]!.push(x)
          else steady[v]!.push(x.ms)
        }
      }
    }
  }
  for (const store of stores) await store.close()
  rmSync(scratch, { recursive: true, force: true })
  return variants.map(({ name, workload, shape, baseline }, v) => {
    const ms = median(samples[v]!.map((x) => x.ms))
    const steps = shape.weights.length
    const row: Row = { workload, steps, engine: name, medianMs: +ms.toFixed(2), stepsPerSec: Math.round((steps / ms) * 1000), usPerStep: +((ms * 1000) / steps).toFixed(3), heapMB: +(median(samples[v]!.map((x) => x.heap)) / 1048576).toFixed(2), value: expected(shape) }
    if (baseline !== undefined) row.ratio = +(ms / median(samples[baseline]!.map((x) => x.ms))).toFixed(2)
    row.steadyMs = +median(steady[v]!).toFixed(2)
    if (baseline !== undefined) row.steadyRatio = +(median(steady[v]!) / median(steady[baseline]!)).toFixed(2)
    // Where the time goes: fdatasync wall time (call to callback) and everything else, per step,
    // medians over the rounds. The same for baseline and Weft, so the rest is what Weft adds.
    row.fsyncUs = +((median(samples[v]!.map((x) => x.fsyncMs)) * 1000) / steps).toFixed(1)
    row.otherUs = +((median(samples[v]!.map((x) => x.ms - x.fsyncMs)) * 1000) / steps).toFixed(1)
    return row
  })
}

// `FLOOR` measures the floor engine instead of Weft on W1-W3 (alone, or with W1/W2/W3 to pick).
const floor = process.argv.includes('FLOOR')
const only = process.argv.slice(2).filter((o) => o !== 'FLOOR')
/**
 * R1: a one-step run, the same protocol as W1-W3 (not a WORKLOADS.md shape, not a target): what a
 * run costs beyond its steps right after a full GC, the cost a workflow of a few steps pays.
 */
const oneStep: Shape = { ...chain(1), name: 'R1 one-step run' }
const shapes: Shape[] = [chain(1000), fan(1000, 64), layered(100, 100, 32), oneStep].filter((s) => only.length === 0 || only.some((o) => o !== 'CPU' && s.name.startsWith(o)))
const processes = Number(process.env.BENCH_PROCESSES || 1)
if (processes > 1) {
  // W1-W3 and R1, each in `processes` fresh processes (see processes.ts); nothing else.
  const summaries: ProcessSummary[] = shapes.map((shape) => acrossProcesses(shape.name.split(' ')[0]!, processes, floor))
  console.table(summaries.map(({ ratios, runsMs, baselineRunsMs, ...s }) => s))
  for (const s of summaries) console.log(`${s.workload}, ms per measured run (median over the processes), ${s.engine}: ${s.runsMs.join(' ')}; baseline: ${s.baselineRunsMs.join(' ')}`)
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  const file = new URL(`./results/bench-processes-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url)
  writeFileSync(file, JSON.stringify({ node: process.version, runs, processes, summaries }, null, 2))
  console.log(`wrote ${file.pathname}`)
  process.exit(0)
}
const rows: Row[] = []
for (const shape of shapes) rows.push(...(await compare(shape, floor ? 'floor' : 'weft')))
if (process.env.BENCH_CHILD === '1') {
  console.log(CHILD_ROWS + JSON.stringify(rows.map(({ workload, engine, ratio, warmRatio, steadyRatio, runsMs }) => ({ workload, engine, ratio, warmRatio, steadyRatio, runsMs }))))
  process.exit(0)
}
if (!floor && (only.length === 0 || only.some((o) => 'W4'.startsWith(o) || o === 'W4'))) {
  const durableRows = await durable()
  rows.push(...durableRows)
  const always = durableRows[1]!
  const fanBatch = durableRows[3]!
  const steadyRatio = (fanBatch.steps / fanBatch.steadyMs!) / (always.steps / always.steadyMs!)
  console.log(`durable W2 (batch) throughput / W4 (always) throughput: ${(fanBatch.stepsPerSec / always.stepsPerSec).toFixed(1)}x (steady, no forced GC before each run: ${steadyRatio.toFixed(1)}x)`)
  console.log(`  (with a new store opened and closed in each timed W2 run, not a target: ${(durableRows[7]!.stepsPerSec / always.stepsPerSec).toFixed(1)}x)`)
  console.log(`W4 always / the preallocated hand-written loop (not a target): ${(always.medianMs / durableRows[6]!.medianMs).toFixed(2)}x`)
}
if (rows.length > 0) {
  console.table(rows.map(({ value, runsMs, ...r }) => r))
  console.log(`values: ${[...new Set(rows.map((r) => `${r.workload}=${r.value}`))].join(', ')}`)
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  const file = new URL(`./results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url)
  writeFileSync(file, JSON.stringify({ node: process.version, runs, rows }, null, 2))
  console.log(`wrote ${file.pathname}`)
}
// W5 (scaling to 1,000,000 steps, one child process per size and engine) takes minutes: only on
// request, `npm run bench W5`; it writes its own bench/results/w5-scale-*.json.
if (only.includes('W5')) runW5()
// The CPU-bound fan-out on the worker-thread executor, 1 vs 2 threads (about 10 s): by default,
// or alone with `npm run bench CPU`; it writes bench/results/parallel-cpu-fanout-*.json.
if (!floor && (only.length === 0 || only.includes('CPU'))) await import('./parallel/cpu-fanout.js')
