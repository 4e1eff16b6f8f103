/**
 * W5 scaling (shared/bench/WORKLOADS.md): W3's construction (100 wide, 3 distinct deps per step
 * drawn from the previous layer, mulberry32 seeded 42, weight drawn before the deps) at 100,
 * 1,000 and 10,000 layers — 10,000 / 100,000 / 1,000,000 steps, concurrency cap 32 — through
 * Weft in its default configuration (`createEngine()`: contracts checked, events on, in-memory
 * journal) and through the hand-written Kahn baseline of bench/workloads.ts.
 *
 * Every (engine, size) pair runs in a fresh child process (`node --expose-gc --import tsx`), so
 * heaps, JIT state and GC heuristics of one measurement never leak into another. Each child:
 * builds the shape (and the Weft definition), warms the JIT on three W3 runs, does one warm-up
 * run at full size (which also computes Weft's per-definition plan), then times `runs` runs and
 * reports the medians.
 *
 * Heap method. Before each run: two forced GCs (`--expose-gc`), then `base =
 * process.memoryUsage().heapUsed` — the shape, the definition and the engine are live and so are
 * part of the base, not of the growth. During the run the step function samples `heapUsed` every
 * max(4,000, n / 256) steps (a macrotask sampler would never fire: the whole run is one
 * microtask chain), and once more right after the run resolves, while its result is still
 * referenced. `peak` is the largest sample minus `base`: it includes garbage the collector has
 * not reclaimed yet, so it depends on GC timing. `retained` is measured after a further forced
 * GC with the result still referenced (the journal in the in-memory store, the run result,
 * outputs): what the run really keeps alive. Both are reported per step; the target
 * (≤ 1.5 KB/step at 1M) is checked against both. The definition is built before the base is
 * taken and reported apart (`define ms`, `define B/step`), as is the first run of a definition
 * (`first run ms`, which includes computing its per-definition plan). Under tsx (esbuild
 * `keepNames`) each step's `run` closure of bench/weft-workload.ts also gets a 256-byte property
 * store from `__name`, counted in `define B/step`; step bodies compiled without `keepNames` do
 * not pay it.
 *
 * Time: wall ms per run (median), and CPU time (user + system of all threads, via
 * `process.cpuUsage`), which a busy machine distorts less; the load average is printed.
 *
 * `node --expose-gc --import tsx bench/scale/w5.ts` or `npm run bench W5`. Env: `W5_LAYERS`
 * (comma list, default `100,1000,10000`), `W5_RUNS` (timed runs per child, default 15 / 7 / 3
 * by size), `W5_HEAP_MB` (child `--max-old-space-size`, default 8192), `W5_ENGINES`
 * (`baseline,weft`). Writes JSON to bench/results/w5-scale-*.json.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createEngine, memoryStore, type Workflow } from '../../src/index.js'
import { toWorkflow } from '../weft-workload.js'
import { baseline, expected, layered, stepFn, type Shape } from '../workloads.js'
import { median } from '../median.js'

const WIDTH = 100
const CAP = 32
const targetTimeRatio = 1.5
const targetHeapBytes = 1.5 * 1024

type EngineName = 'baseline' | 'weft'

/** What one child reports. */
export interface W5Measurement {
  readonly engine: EngineName
  readonly layers: number
  readonly steps: number
  readonly runs: number
  readonly value: number
  /** Building the shape (weights and deps arrays). */
  readonly shapeMs: number
  /** Building the Weft definition (`defineWorkflow`: validation, graph, fingerprint); 0 for the baseline. */
  readonly defineMs: number
  /** Heap the definition keeps (after GC), per step; 0 for the baseline. */
  readonly defineBytesPerStep: number
  /**
   * The untimed warm-up run at full size: for Weft the first run of a definition also computes
   * its per-definition plan (schedule ranks, validators, the journaled definition summary).
   */
  readonly firstRunMs: number
  readonly medianMs: number
  readonly minMs: number
  readonly usPerStep: number
  /**
   * Median CPU time (user + system, all threads, so GC helper threads count) per step: less
   * sensitive than wall time to other processes on a busy machine.
   */
  readonly cpuUsPerStep: number
  readonly peakBytesPerStep: number
  readonly retainedBytesPerStep: number
  /** Heap limit of the child (MB). */
  readonly heapLimitMB: number
}

export interface W5Row extends W5Measurement {
  /** Weft ÷ baseline median wall time at this size. */
  readonly ratio?: number
}

export interface W5Report {
  readonly node: string
  /** 1, 5 and 15 minute load averages when the bench ended (other processes distort wall times). */
  readonly loadavg: number[]
  readonly rows: W5Row[]
  readonly failures: { engine: EngineName; layers: number; error: string }[]
  /** Per engine: µs/step at the largest size ÷ at the smallest (target ≤ 1.5). */
  readonly timeGrowth: Record<string, number>
  /** The same for CPU µs/step. */
  readonly cpuGrowth: Record<string, number>
  /** Per engine: bytes/step at the largest size (target ≤ 1536). */
  readonly heapAtLargest: Record<string, { peak: number; retained: number }>
}

// ---------------------------------------------------------------- child

const gc = (globalThis as { gc?: () => void }).gc

const SAMPLE_EVERY = 4000

/** Heap sampler called from inside the step function (see the heap method above). */
class Probe {
  peak = 0
  private every = 1
  private count = 0
  reset(steps: number): void {
    // memoryUsage() costs ~15 µs (it reads the RSS too): at most one sample per 4,000 steps keeps
    // the probe under ~0.4% of even the baseline's time (~1 µs/step), at every size.
    this.every = Math.max(SAMPLE_EVERY, Math.ceil(steps / 256))
    this.count = 0
    this.peak = process.memoryUsage().heapUsed
  }
  sample(): void {
    const h = process.memoryUsage().heapUsed
    if (h > this.peak) this.peak = h
  }
  tick(): void {
    if (++this.count >= this.every) {
      this.count = 0
      this.sample()
    }
  }
}

async function child(engine: EngineName, layers: number, runs: number): Promise<W5Measurement> {
  if (gc === undefined) throw new Error('run with node --expose-gc')
  const probe = new Probe()
  const step = (w: number, inputs: readonly { v: number }[]): Promise<{ v: number }> => {
    probe.tick()
    return stepFn(w, inputs)
  }
  let t = performance.now()
  const shape = layered(layers, WIDTH, CAP)
  const shapeMs = performance.now() - t
  const n = shape.weights.length
  const want = expected(shape)
  const warm = layered(100, WIDTH, CAP)

  // A run resolves with its value and whatever it returns (kept referenced until measured).
  let make: (s: Shape) => () => Promise<{ value: number; result: unknown }>
  let defineMs = 0
  let defineBytes = 0
  let between = (): void => {}
  if (engine === 'weft') {
    // createEngine()'s default store, held here so it can be emptied between runs: otherwise
    // every earlier run's journal stays live and the heap (and GC work) grows run after run.
    const store = memoryStore()
    const eng = createEngine({ concurrency: CAP, store })
    between = () => void store.prune({ keepLast: 0 })
    const workflows = new Map<Shape, Workflow>()
    make = (s) => {
      const wf = workflows.get(s)!
      return async () => {
        const r = await eng.run(wf)
        if (r.status !== 'succeeded') throw new Error(`weft run ${r.status}: ${JSON.stringify(r.error)}`)
        return { value: r.output as number, result: r }
      }
    }
    workflows.set(warm, toWorkflow(warm, step))
    gc()
    const before = process.memoryUsage().heapUsed
    t = performance.now()
    workflows.set(shape, toWorkflow(shape, step))
    defineMs = performance.now() - t
    gc()
    defineBytes = process.memoryUsage().heapUsed - before
  } else {
    make = (s) => async () => {
      const value = await baseline(s, step)
      return { value, result: value }
    }
  }

  // Warm-up: the JIT on W3, then one run at full size.
  const warmRun = make(warm)
  for (let i = 0; i < 3; i++) {
    probe.reset(1e4)
    await warmRun()
  }
  const run = make(shape)
  probe.reset(n)
  t = performance.now()
  if ((await run()).value !== want) throw new Error(`${engine} warm-up value differs`)
  const firstRunMs = performance.now() - t
  between()

  const ms: number[] = []
  const cpu: number[] = []
  const peak: number[] = []
  const retained: number[] = []
  for (let r = 0; r < runs; r++) {
    gc()
    gc()
    const base = process.memoryUsage().heapUsed
    probe.reset(n)
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    let out: { value: number; result: unknown } | undefined = await run()
    ms.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
    probe.sample() // after the run, its result still referenced
    gc()
    retained.push(process.memoryUsage().heapUsed - base)
    peak.push(probe.peak - base)
    if (out.value !== want) throw new Error(`${engine} value ${out.value} != ${want}`)
    out = undefined
    between()
  }
  const med = median(ms)
  const v8 = await import('node:v8')
  return {
    engine,
    layers,
    steps: n,
    runs,
    value: want,
    shapeMs: +shapeMs.toFixed(1),
    defineMs: +defineMs.toFixed(1),
    defineBytesPerStep: Math.round(defineBytes / n),
    firstRunMs: +firstRunMs.toFixed(1),
    medianMs: +med.toFixed(1),
    minMs: +Math.min(...ms).toFixed(1),
    usPerStep: +((med * 1000) / n).toFixed(3),
    cpuUsPerStep: +((median(cpu) * 1000) / n).toFixed(3),
    peakBytesPerStep: Math.round(Math.max(...peak) / n),
    retainedBytesPerStep: Math.round(median(retained) / n),
    heapLimitMB: Math.round(v8.getHeapStatistics().heap_size_limit / 1048576),
  }
}

// ---------------------------------------------------------------- parent

const self = fileURLToPath(import.meta.url)

function defaultRuns(layers: number): number {
  return layers <= 100 ? 15 : layers <= 1000 ? 7 : 3
}

/** Runs every (size, engine) pair in its own child process; prints a table; writes JSON. */
export function runW5(options: { layers?: number[]; engines?: EngineName[]; runs?: number; heapMB?: number } = {}): W5Report {
  const layersList = options.layers ?? (process.env.W5_LAYERS ?? '100,1000,10000').split(',').map(Number)
  const engines = options.engines ?? ((process.env.W5_ENGINES ?? 'baseline,weft').split(',') as EngineName[])
  const heapMB = options.heapMB ?? Number(process.env.W5_HEAP_MB ?? 8192)
  const runsEnv = options.runs ?? (process.env.W5_RUNS === undefined ? undefined : Number(process.env.W5_RUNS))
  const rows: W5Row[] = []
  const failures: W5Report['failures'] = []
  for (const layers of layersList) {
    const at: Partial<Record<EngineName, W5Measurement>> = {}
    for (const engine of engines) {
      const runs = runsEnv ?? defaultRuns(layers)
      const args = ['--expose-gc', `--max-old-space-size=${heapMB}`, '--import', 'tsx', self, '--child', engine, String(layers), String(runs)]
      process.stderr.write(`W5: ${engine} ${layers * WIDTH} steps (${runs} runs)… `)
      const t0 = performance.now()
      const out = spawnSync(process.execPath, args, { cwd: fileURLToPath(new URL('../../', import.meta.url)), encoding: 'utf8', maxBuffer: 1 << 24 })
      process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
      const line = out.stdout.trim().split('\n').pop() ?? ''
      if (out.status !== 0 || !line.startsWith('{')) {
        const error = `exit ${out.status ?? out.signal}: ${(out.stderr || out.stdout).trim().split('\n').slice(-3).join(' | ')}`
        failures.push({ engine, layers, error })
        process.stderr.write(`  failed: ${error}\n`)
        continue
      }
      at[engine] = JSON.parse(line) as W5Measurement
    }
    const b = at.baseline
    for (const engine of engines) {
      const m = at[engine]
      if (m === undefined) continue
      rows.push(engine === 'weft' && b !== undefined ? { ...m, ratio: +(m.medianMs / b.medianMs).toFixed(2) } : m)
    }
  }
  const timeGrowth: Record<string, number> = {}
  const cpuGrowth: Record<string, number> = {}
  const heapAtLargest: Record<string, { peak: number; retained: number }> = {}
  for (const engine of engines) {
    const mine = rows.filter((r) => r.engine === engine).sort((a, b) => a.steps - b.steps)
    if (mine.length === 0) continue
    const first = mine[0]!
    const last = mine[mine.length - 1]!
    if (mine.length > 1) {
      timeGrowth[engine] = +(last.usPerStep / first.usPerStep).toFixed(2)
      cpuGrowth[engine] = +(last.cpuUsPerStep / first.cpuUsPerStep).toFixed(2)
    }
    heapAtLargest[engine] = { peak: last.peakBytesPerStep, retained: last.retainedBytesPerStep }
  }
  console.table(
    rows.map((r) => ({
      engine: r.engine,
      steps: r.steps,
      runs: r.runs,
      'median ms': r.medianMs,
      'µs/step': r.usPerStep,
      'cpu µs/step': r.cpuUsPerStep,
      'peak B/step': r.peakBytesPerStep,
      'retained B/step': r.retainedBytesPerStep,
      'define ms': r.defineMs,
      'define B/step': r.defineBytesPerStep,
      'first run ms': r.firstRunMs,
      'vs baseline': r.ratio,
    })),
  )
  const sizes = rows.map((r) => r.steps)
  const range = `${Math.min(...sizes).toLocaleString('en')} → ${Math.max(...sizes).toLocaleString('en')} steps`
  for (const [engine, g] of Object.entries(timeGrowth)) {
    console.log(`${engine}: µs/step ${range}: ×${g} wall, ×${cpuGrowth[engine]} cpu (target ≤ ${targetTimeRatio}) ${g <= targetTimeRatio ? 'OK' : 'MISSED'}`)
  }
  for (const [engine, h] of Object.entries(heapAtLargest)) {
    const ok = (x: number): string => (x <= targetHeapBytes ? 'OK' : 'MISSED')
    console.log(`${engine}: heap at ${Math.max(...sizes).toLocaleString('en')} steps: peak ${h.peak} B/step (${ok(h.peak)}), retained ${h.retained} B/step (${ok(h.retained)}) (target ≤ ${targetHeapBytes})`)
  }
  if (failures.length > 0) console.log(`failed: ${failures.map((f) => `${f.engine} ${f.layers * WIDTH}: ${f.error}`).join('; ')}`)
  console.log(`values: ${[...new Set(rows.map((r) => `${r.steps}=${r.value}`))].join(', ')}`)
  console.log(`load average: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (wall times are only comparable on an otherwise idle machine)`)
  const report: W5Report = { node: process.version, loadavg: loadavg(), rows, failures, timeGrowth, cpuGrowth, heapAtLargest }
  mkdirSync(new URL('../results/', import.meta.url), { recursive: true })
  const file = new URL(`../results/w5-scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url)
  writeFileSync(file, JSON.stringify(report, null, 2))
  console.log(`wrote ${file.pathname}`)
  return report
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2)
  if (argv[0] === '--child') {
    const m = await child(argv[1] as EngineName, Number(argv[2]), Number(argv[3]))
    process.stdout.write(`${JSON.stringify(m)}\n`)
  } else {
    runW5(argv.length > 0 ? { layers: argv.map(Number) } : {})
  }
}
