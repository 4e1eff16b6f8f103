import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { JIT_TRACE_FLAGS, parseJitTrace } from '../../bench/jit-trace.js'

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
      },
      {
        run: 1,
        weftMs: 3.91,
        baselineMs: 1.33,
        sparkplugBytes: 0,
        optimized: ['get queued', '(anonymous)'],
        deoptimized: [{ name: '(anonymous)', reason: 'Insufficient type feedback for call' }],
        resets: ['commitLean', '(anonymous)'],
      },
    ])
  })

  it('ignores lines of other shapes and output without markers', () => {
    expect(parseJitTrace('[completed optimizing 0x1 <JSFunction f (sfi = 0x2)> (target TURBOFAN)]\nhello')).toEqual([])
    expect(parseJitTrace('=== RUN 0\n[completed optimizing nonsense\n=== END 0 weft 1 base 2')).toEqual([
      { run: 0, weftMs: 1, baselineMs: 2, sparkplugBytes: 0, optimized: [], deoptimized: [], resets: [] },
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

describe('the lean path under bench:jit', () => {
  it("W2's runs after the warm-up reset no tier-up count of the lean path's functions", () => {
    // An inline-cache change in a function sends it back to the start of its count towards
    // optimization; one in every process's run 1 delayed `commitLean` by a run (see launchEachLean).
    const root = fileURLToPath(new URL('../../', import.meta.url))
    const out = spawnSync(process.execPath, ['--expose-gc', ...JIT_TRACE_FLAGS, '--import', 'tsx', 'bench/jit.ts', 'W2', '3'], {
      cwd: root,
      env: { ...process.env, BENCH_JIT_CHILD: '1' },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: 60_000,
    })
    expect(out.status, out.stderr).toBe(0)
    const runs = parseJitTrace(out.stdout)
    expect(runs.map((r) => r.run)).toEqual([0, 1, 2, 3])
    const lean = ['onValue', 'succeedLean', 'commitLean', 'launchLean', 'settle', 'take']
    expect(runs.slice(1).flatMap((r) => r.resets).filter((name) => lean.includes(name))).toEqual([])
  }, 90_000)
})
