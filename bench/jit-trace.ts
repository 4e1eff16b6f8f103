/**
 * Reads what V8 printed while a child process ran W1, W2, W3 or R1 (see jit.ts): its tracing flags'
 * lines between the child's run markers, grouped by run, and the hidden classes (maps) its log
 * says it built during each run. Node 20's V8 (11.3) formats; a line of another shape is
 * ignored, never misread.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * What V8 did for one run of Weft (run 0 is the warm-up): during it, and since the previous Weft
 * run ended (the baseline's run and the forced GCs in between, when V8 also installs the code it
 * compiled in the background; what it installs there is what the next Weft run starts with).
 */
export interface JitRun {
  /** The run's number: 0 is the warm-up, 1-7 what WORKLOADS.md's median is taken over. */
  readonly run: number
  /** Weft's run, in ms (slowed by the tracing). */
  readonly weftMs: number
  /** The baseline's run just before it, in ms. */
  readonly baselineMs: number
  /** Estimated size of the baseline (Sparkplug) code V8 queued, in bytes. */
  readonly sparkplugBytes: number
  /** Functions whose optimized (TurboFan) code V8 installed, once per installation. */
  readonly optimized: readonly string[]
  /** Functions V8 deoptimized, each with V8's reason. */
  readonly deoptimized: readonly { readonly name: string; readonly reason: string }[]
  /** Functions whose count towards optimization an inline-cache change reset. */
  readonly resets: readonly string[]
  /**
   * The hidden classes (maps) V8 built during the run itself, each named by the property whose
   * addition built it (a transition) or by V8's reason and name otherwise (`InitialMap:Foo`).
   * After the warm-up a run should build none: a map built again is one that died at the forced
   * GC before the run because nothing kept an object of it, and rebuilding it costs the run
   * 10–25 µs and the inline caches that had seen it (see `RunExecution.keep`).
   */
  readonly mapsBuilt: readonly string[]
}

/** V8's tracing flags the child runs with (all print to standard output). */
export const JIT_TRACE_FLAGS = ['--trace-opt-verbose', '--trace-deopt', '--trace-baseline-batch-compilation'] as const

/**
 * Runs bench/jit.ts's child (`script`) for `workload` with `runs` runs after the warm-up, under
 * {@link JIT_TRACE_FLAGS} and {@link mapLogFlags} (its log in a temporary directory, removed
 * after), and returns what V8 did in each run. Throws when the child fails.
 */
export function traceChild(script: string, workload: string, runs: number, timeoutMs?: number): JitRun[] {
  const dir = mkdtempSync(join(tmpdir(), 'weft-jit-'))
  try {
    const log = join(dir, 'v8.log')
    const out = spawnSync(process.execPath, ['--expose-gc', ...JIT_TRACE_FLAGS, ...mapLogFlags(log), '--import', 'tsx', script, workload, String(runs)], {
      env: { ...process.env, BENCH_JIT_CHILD: '1' },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
    })
    if (out.status !== 0) throw new Error(`bench:jit child failed (${out.status}): ${out.stderr.slice(-2000)}`)
    return parseJitTrace(out.stdout, readFileSync(log, 'utf8'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** V8's flags that log every map it builds to `file` (the child's markers go there too: see {@link markMapLog}). */
export function mapLogFlags(file: string): string[] {
  return ['--log-maps', `--logfile=${file}`, '--no-logfile-per-isolate']
}

const MAP_MARK = '__weft_jit_mark_'
const marks: object[] = []

/**
 * Puts a marker in V8's map log, where a line the child prints cannot go: an object with a
 * property of its own name, whose map V8 logs as it builds it.
 */
export function markMapLog(kind: 'start' | 'end', run: number): void {
  const mark: Record<string, number> = {}
  mark[`${MAP_MARK}${kind}_${run}`] = run
  marks.push(mark)
}

/** The maps built in each run of a map log: between the run's start and end markers. */
export function parseMapLog(log: string): Map<number, string[]> {
  const built = new Map<number, string[]>()
  let current: string[] | undefined
  for (const line of log.split('\n')) {
    if (!line.startsWith('map,')) continue
    // map,<reason>,<time>,<from>,<to>,<pc>,<line>,<column>,<constructor>,<name> (commas in a name are escaped)
    const fields = line.split(',')
    if (fields.length < 10) continue
    const reason = fields[1]!
    const name = fields[fields.length - 1]!
    if (name.startsWith(MAP_MARK)) {
      const [kind, run] = name.slice(MAP_MARK.length).split('_')
      if (kind === 'start') built.set(Number(run), (current = []))
      else current = undefined
      continue
    }
    current?.push(reason === 'Transition' ? name : `${reason}:${name}`)
  }
  return built
}

/** The marker the child prints before each Weft run. */
export const RUN_MARK = '=== RUN '
/** The marker the child prints after each Weft run: `=== END <run> weft <ms> base <ms>`. */
export const END_MARK = '=== END '

const enqueued = /^\[Baseline batch compilation\] Enqueued SFI (.*) with estimated size (\d+) /
const optimized = /^\[completed optimizing 0x[0-9a-f]+ <JSFunction ([^>]*?) ?\(sfi = /
const bailout = /^\[bailout \(kind: [^,]+, reason: ([^)]*)\): begin\. deoptimizing 0x[0-9a-f]+ <JSFunction ([^>]*?) ?\(sfi = /
const reset = /^\[resetting ticks for (?:0x[0-9a-f]+ )?<SharedFunctionInfo ?([^>]*)> from \d+ due to IC change/
const end = /^=== END (\d+) weft ([\d.]+) base ([\d.]+)/

/** A function without a name (an arrow function, say). */
const anonymous = '(anonymous)'

/**
 * The runs in `output`, the child's standard output. A run counts what V8 printed after the
 * previous run's end marker (for run 0, after its start marker) up to its own end marker, and
 * the maps `mapLog` (V8's log with {@link mapLogFlags}, if the child had them) says it built.
 */
export function parseJitTrace(output: string, mapLog = ''): JitRun[] {
  const maps = parseMapLog(mapLog)
  const runs: JitRun[] = []
  let current: { sparkplugBytes: number; optimized: string[]; deoptimized: { name: string; reason: string }[]; resets: string[] } | undefined
  for (const line of output.split('\n')) {
    if (line.startsWith(RUN_MARK)) {
      current ??= { sparkplugBytes: 0, optimized: [], deoptimized: [], resets: [] }
      continue
    }
    const ended = end.exec(line)
    if (ended !== null) {
      const run = Number(ended[1])
      if (current !== undefined) runs.push({ run, weftMs: Number(ended[2]), baselineMs: Number(ended[3]), ...current, mapsBuilt: maps.get(run) ?? [] })
      current = { sparkplugBytes: 0, optimized: [], deoptimized: [], resets: [] } // the next run's, from here
      continue
    }
    if (current === undefined) continue
    let m = enqueued.exec(line)
    if (m !== null) {
      current.sparkplugBytes += Number(m[2])
      continue
    }
    m = optimized.exec(line)
    if (m !== null) {
      current.optimized.push(m[1] || anonymous)
      continue
    }
    m = bailout.exec(line)
    if (m !== null) {
      current.deoptimized.push({ name: m[2] || anonymous, reason: m[1]! })
      continue
    }
    m = reset.exec(line)
    if (m !== null) current.resets.push(m[1] || anonymous)
  }
  return runs
}
