import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { JIT_TRACE_FLAGS, parseJitTrace, parseMapLog, traceChild } from '../../bench/jit-trace.js'

// Lines as Node 20's V8 prints them with bench/jit.ts's flags, around the child's markers.
const sample = [
  '[marking 0x1 <JSFunction parseSource (sfi = 0x2)> for optimization to TURBOFAN, ConcurrencyMode::kConcurrent, reason: hot and stable]',
  '[completed optimizing 0x3 <JSFunction parseSource (sfi = 0x4)> (target TURBOFAN)]', // before run 0: not counted
  '=== RUN 0',
  '[Baseline batch compilation] Enqueued SFI begin with estimated size 1092 (current budget: 1092/4096)',
  '[Baseline batch compilation] Enqueued SFI  with estimated size 98 (current budget: 1190/4096)',
  '[completed optimizing 0x5 <JSFunction statusAfter (sfi = 0x6)> (target TURBOFAN)]',
  '[bailout (kind: deopt-eager, reason: wrong map): begin. deoptimizing 0x7 <JSFunction statusAfter (sfi = 0x8)>, <Code TURBOFAN>, opt id 50, bytecode offset 0]',
  '=== END 0 weft 17.230 base 1.270',
  '[completed optimizing 0x9 <JSFunction get queued (sfi = 0xa)> (target TURBOFAN)]', // between runs: run 1's
  '=== RUN 1',
  '[resetting ticks for 0x383c4e469549 <SharedFunctionInfo commitLean> from 2 due to IC change: Monomorphic]',
  '[resetting ticks for 0x383c4e469549 <SharedFunctionInfo> from 7 due to IC change: Monomorphic]',
  '[completed optimizing 0xb <JSFunction (sfi = 0xc)> (target TURBOFAN)]',
  '[bailout (kind: deopt-eager, reason: Insufficient type feedback for call): begin. deoptimizing 0xd <JSFunction (sfi = 0xe)>, <Code TURBOFAN>]',
  '[not yet optimizing commitLean, not enough ticks: 1/6 and  too large for small function optimization: 562/81]',
  '=== END 1 weft 3.910 base 1.330',
  '[completed optimizing 0xf <JSFunction trailing (sfi = 0x10)> (target TURBOFAN)]', // after the last run: no run
].join('\n')

describe('bench:jit trace parsing', () => {
  it('groups what V8 printed by Weft run, from the previous run’s end to the run’s own end', () => {
    expect(parseJitTrace(sample)).toEqual([
      {
        run: 0,
        weftMs: 17.23,
        baselineMs: 1.27,
        sparkplugBytes: 1190,
        optimized: ['statusAfter'],
        deoptimized: [{ name: 'statusAfter', reason: 'wrong map' }],
        resets: [],
        mapsBuilt: [],
      },
      {
        run: 1,
        weftMs: 3.91,
        baselineMs: 1.33,
        sparkplugBytes: 0,
        optimized: ['get queued', '(anonymous)'],
        deoptimized: [{ name: '(anonymous)', reason: 'Insufficient type feedback for call' }],
        resets: ['commitLean', '(anonymous)'],
        mapsBuilt: [],
      },
    ])
  })

  it('ignores lines of other shapes and output without markers', () => {
    expect(parseJitTrace('[completed optimizing 0x1 <JSFunction f (sfi = 0x2)> (target TURBOFAN)]\nhello')).toEqual([])
    expect(parseJitTrace('=== RUN 0\n[completed optimizing nonsense\n=== END 0 weft 1 base 2')).toEqual([
      { run: 0, weftMs: 1, baselineMs: 2, sparkplugBytes: 0, optimized: [], deoptimized: [], resets: [], mapsBuilt: [] },
    ])
  })

  it("reads a real traced child's output: a line of each kind this V8 prints, in a run", () => {
    // The same flags in a real process: if V8 changed its formats, the parser would silently count
    // nothing; this fails instead.
    const script = [
      'const work = (n) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s }',
      'const drive = (o) => { let s = 0; for (let i = 0; i < 2000; i++) s += work(5) + o.a; return s }',
      'const optimized = (f) => (%GetOptimizationStatus(f) & 64) !== 0', // TurboFan code installed
      "process.stdout.write('=== RUN 0\\n')",
      // Until both are optimized (background compiles finish whenever the machine lets them).
      'const until = Date.now() + 30000',
      'while (!(optimized(drive) && optimized(work)) && Date.now() < until) { drive({ a: 1 }); await new Promise((r) => setTimeout(r, 5)) }',
      'drive({ b: 1, a: 2 })', // an object of another map: drive's optimized code is dropped
      "process.stdout.write('=== END 0 weft 1.000 base 1.000\\n')",
    ].join('\n')
    const out = spawnSync(process.execPath, ['--allow-natives-syntax', ...JIT_TRACE_FLAGS, '--input-type=module'], { input: script, encoding: 'utf8', cwd: fileURLToPath(new URL('../../', import.meta.url)), timeout: 60_000 })
    expect(out.status, out.stderr).toBe(0)
    const [run] = parseJitTrace(out.stdout)
    expect(run?.sparkplugBytes).toBeGreaterThan(0)
    expect(run?.optimized).toEqual(expect.arrayContaining(['work', 'drive']))
    expect(run?.deoptimized).toContainEqual({ name: 'drive', reason: 'wrong map' })
  })
})

describe('map log parsing', () => {
  // Lines as Node 20's V8 writes them with mapLogFlags, around the child's markers.
  const log = [
    'map-create,120,0x1',
    'map,Transition,121,0x1,0x2,0x3,1,1,,early', // before any marker: no run
    'map,Transition,122,0x4,0x5,0x6,1,469,,__weft_jit_mark_start_0',
    'map,InitialMap,123,0x0,0x7,0x8,1,1,,RunExecution',
    'map,Transition,124,0x7,0x9,0xa,1,1,,runId',
    'map-details,125,0x9,0x9: [Map] in OldSpace\\n - type: JS_OBJECT_TYPE',
    'map,Transition,126,0xb,0xc,0xd,1,469,,__weft_jit_mark_end_0',
    'map,Transition,127,0x1,0x2,0x3,1,1,,between', // between runs: no run
    'map,Transition,128,0x4,0xe,0x6,1,469,,__weft_jit_mark_start_1',
    'map,Transition,129,0xb,0xf,0xd,1,469,,__weft_jit_mark_end_1',
  ].join('\n')

  it('names the maps built between each run’s markers', () => {
    expect([...parseMapLog(log)]).toEqual([
      [0, ['InitialMap:RunExecution', 'runId']],
      [1, []],
    ])
  })

  it('puts them in the runs parseJitTrace returns', () => {
    const out = '=== RUN 0\n=== END 0 weft 2 base 1\n=== RUN 1\n=== END 1 weft 1 base 1\n'
    expect(parseJitTrace(out, log).map((r) => r.mapsBuilt)).toEqual([['InitialMap:RunExecution', 'runId'], []])
  })
})

/** bench/jit.ts's child running `workload` for `runs` runs after the warm-up, traced, with its map log. */
function traceJitChild(workload: string, runs: number): ReturnType<typeof parseJitTrace> {
  return traceChild(fileURLToPath(new URL('../../bench/jit.ts', import.meta.url)), workload, runs, 60_000)
}

describe('the run loop under bench:jit', () => {
  /** The functions of the lean path (see RunExecution.succeedLean), the step bodies' caller included. */
  const lean = ['onValue', 'succeedLean', 'commitLean', 'launchLean', 'runBody', 'settle', 'take']

  it("W2's runs after the warm-up reset no tier-up count of the lean path's functions", () => {
    // An inline-cache change in a function sends it back to the start of its count towards
    // optimization; one in every process's run 1 delayed `commitLean` by a run (see launchEachLean).
    const runs = traceJitChild('W2', 3)
    expect(runs.map((r) => r.run)).toEqual([0, 1, 2, 3])
    expect(runs.slice(1).flatMap((r) => r.resets).filter((name) => lean.includes(name))).toEqual([])
  }, 90_000)

  it("W2's runs after the warm-up deoptimize no function of the lean path", () => {
    // The step bodies are inlined into launchLean: a new map in them throws its optimized code
    // away. Inputs gathered with Array.prototype.map did so in runs 1-3 of every process (see stepFn).
    const runs = traceJitChild('W2', 4)
    expect(runs.slice(1).flatMap((r) => r.deoptimized).filter((d) => lean.includes(d.name))).toEqual([])
  }, 90_000)

  it('a run after the warm-up builds no hidden class: every per-run shape outlives the forced GC before it', () => {
    // A one-step run is the run's once-per-run work alone. Each map a run builds again died at
    // the GC before it (nothing kept an object of it) and costs the run 10-25 µs; before the
    // run kept its lease entry, result argument and output view, and the input and output
    // contract sites were built once per definition, every run built 9.
    const runs = traceJitChild('R1', 3)
    expect(runs.map((r) => r.run)).toEqual([0, 1, 2, 3])
    expect(runs[0]!.mapsBuilt.length).toBeGreaterThan(0) // the log is read: the warm-up builds them first
    expect(runs.slice(1).map((r) => r.mapsBuilt)).toEqual([[], [], []])
  }, 90_000)
})
