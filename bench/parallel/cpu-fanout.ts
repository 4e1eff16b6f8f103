/**
 * CPU-bound fan-out through `workerThreadsExecutor` (and, reported beside it,
 * `childProcessExecutor`): 16 tasks of about 50 ms each, on 1 worker and on 2 workers, for each
 * task kind of cpu-tasks.ts (`spin`: pure computation, the target's workload; `sha256`:
 * node:crypto hashing with garbage, reported). Beside each, a control: the
 * same tasks on bare worker_threads (no executor), measured in the same rounds, which tells what
 * this machine's second thread gives at all; `efficiency` is the executor's speed-up over the
 * control's. Prints a table and writes JSON to bench/results/.
 * Run: `npm run bench CPU` (env: FANOUT_TASKS, FANOUT_TASK_MS, FANOUT_RUNS, FANOUT_KERNELS).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import Type from 'typebox'
import { childProcessExecutor, mulberry32, workerThreadsExecutor, type Executor, type StepTask } from '../../src/index.js'
import { hashRounds, kernels, mix1000, spinRounds, type Kernel } from './cpu-tasks.js'
import { median } from '../median.js'

const tasks = Number(process.env.FANOUT_TASKS ?? 16)
const taskMs = Number(process.env.FANOUT_TASK_MS ?? 50)
const runs = Number(process.env.FANOUT_RUNS ?? 7)
const kinds = (process.env.FANOUT_KERNELS ?? 'spin,sha256').split(',') as Kernel[]
for (const k of kinds) if (!(k in kernels)) throw new Error(`FANOUT_KERNELS: unknown task kind ${k} (spin, sha256)`)
const sizes = [1, 2] as const
const target = 1.7
const module = fileURLToPath(new URL('./cpu-tasks.ts', import.meta.url))

/** Rounds of `kind` that take about `taskMs` in this thread, measured once the JIT has compiled it. */
function calibrate(kind: Kernel): number {
  const fn = kernels[kind]
  const probe = kind === 'spin' ? 5_000_000 : 20_000
  fn(1, probe)
  let ms = Infinity
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now()
    fn(2 + i, probe)
    ms = Math.min(ms, performance.now() - t0)
  }
  return Math.max(1, Math.round((probe * taskMs) / ms))
}

function task(kind: Kernel, i: number, rounds: number): StepTask {
  const silent = (): void => {}
  return {
    step: { id: `t${i}`, index: i, needs: [], output: Type.Number(), run: () => 0, priority: 0, meta: { handler: { module, export: `${kind}Task` } } },
    ctx: {
      input: { seed: i, rounds },
      deps: {},
      runId: 'bench',
      workflowId: 'cpu-fanout',
      stepId: `t${i}`,
      attempt: 1,
      signal: new AbortController().signal,
      idempotencyKey: `bench:t${i}`,
      now: () => 0,
      random: mulberry32(i),
      sleep: () => Promise.resolve(),
      log: { debug: silent, info: silent, warn: silent, error: silent },
      secret: (name: string) => Promise.reject(new Error(`no secret ${name}`)),
    },
  }
}

/** The control: bare worker_threads running the same functions (their source text), fed one task at a time. */
function rawPool(size: number): { run(kind: Kernel, rounds: number): Promise<number[]>; close(): Promise<void> } {
  const source = `const { parentPort } = require('node:worker_threads'); const { createHash } = require('node:crypto');
${mix1000.toString()}
const kernels = { spin: ${spinRounds.toString()}, sha256: ${hashRounds.toString()} };
parentPort.on('message', ({ id, kind, rounds }) => parentPort.postMessage({ id, r: kernels[kind](id, rounds) }))`
  const workers = Array.from({ length: size }, () => new Worker(source, { eval: true }))
  return {
    run(kind, rounds) {
      return new Promise((resolve) => {
        const out: number[] = new Array(tasks)
        let next = 0
        let done = 0
        const feed = (w: Worker): void => {
          if (next < tasks) w.postMessage({ id: next++, kind, rounds })
        }
        for (const w of workers) {
          w.removeAllListeners('message')
          w.on('message', ({ id, r }: { id: number; r: number }) => {
            out[id] = r
            if (++done === tasks) resolve(out)
            else feed(w)
          })
          feed(w)
        }
      })
    },
    close: async () => void (await Promise.all(workers.map((w) => w.terminate()))),
  }
}

const onExecutor = (executor: Executor, kind: Kernel, rounds: number): Promise<number[]> =>
  Promise.all(Array.from({ length: tasks }, (_, i) => executor.execute(task(kind, i, rounds)))) as Promise<number[]>

const executors = sizes.map((size) => workerThreadsExecutor({ size }))
const processes = sizes.map((size) => childProcessExecutor({ size }))
const raw = sizes.map((size) => rawPool(size))

interface KindResult {
  readonly kind: Kernel
  readonly rounds: number
  readonly executorMs: readonly number[]
  readonly controlMs: readonly number[]
  /** The same on `childProcessExecutor` with 1 and 2 processes. */
  readonly processMs: readonly number[]
  readonly processSpeedup: number
  readonly runsMs: readonly (readonly number[])[]
  readonly speedup: number
  readonly pairSpeedup: number
  readonly controlSpeedup: number
  readonly efficiency: number
}

const results: KindResult[] = []
for (const kind of kinds) {
  const rounds = calibrate(kind)
  const expected = Array.from({ length: tasks }, (_, i) => kernels[kind](i, rounds))
  // Warm-up: every thread started, the handler module loaded and the kernel compiled in each.
  for (const [k, executor] of executors.entries()) {
    await onExecutor(executor, kind, Math.ceil(rounds / 4))
    await onExecutor(processes[k]!, kind, Math.ceil(rounds / 4))
    await raw[k]!.run(kind, Math.ceil(rounds / 4))
  }
  // Executor on 1 and 2 threads, the control on 1 and 2, then the child-process executor on 1 and
  // 2, rotated run by run so that drifting load on the machine affects all alike.
  const configs: (() => Promise<number[]>)[] = [
    ...executors.map((e) => () => onExecutor(e, kind, rounds)),
    ...raw.map((p) => () => p.run(kind, rounds)),
    ...processes.map((e) => () => onExecutor(e, kind, rounds)),
  ]
  const times: number[][] = configs.map(() => [])
  for (let r = 0; r < runs; r++) {
    for (let j = 0; j < configs.length; j++) {
      const k = (r + j) % configs.length
      const t0 = performance.now()
      const out = await configs[k]!()
      times[k]!.push(performance.now() - t0)
      if (out.some((v, i) => v !== expected[i])) throw new Error(`${kind}, configuration ${k}: wrong result`)
    }
  }
  const [e1, e2, c1, c2, p1, p2] = times.map((t) => median(t)) as [number, number, number, number, number, number]
  const speedup = e1 / e2
  const controlSpeedup = c1 / c2
  results.push({
    kind,
    rounds,
    executorMs: [+e1.toFixed(1), +e2.toFixed(1)],
    controlMs: [+c1.toFixed(1), +c2.toFixed(1)],
    processMs: [+p1.toFixed(1), +p2.toFixed(1)],
    processSpeedup: +(p1 / p2).toFixed(2),
    runsMs: times.map((t) => t.map((x) => +x.toFixed(1))),
    speedup: +speedup.toFixed(2),
    pairSpeedup: +median(times[0]!.map((t, r) => t / times[1]![r]!)).toFixed(2),
    controlSpeedup: +controlSpeedup.toFixed(2),
    efficiency: +(speedup / controlSpeedup).toFixed(2),
  })
}
await Promise.all([...executors.map((e) => e.close!()), ...processes.map((e) => e.close!()), ...raw.map((p) => p.close())])

console.log(`CPU-bound fan-out: ${tasks} tasks (sized to ~${taskMs} ms each in the main thread), median of ${runs} runs, ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
console.table(
  results.map((r) => ({
    task: r.kind,
    '1 thread ms': r.executorMs[0],
    '2 threads ms': r.executorMs[1],
    'speed-up': r.speedup,
    'pair speed-up': r.pairSpeedup,
    'control 1/2 ms': `${r.controlMs[0]} / ${r.controlMs[1]}`,
    'control speed-up': r.controlSpeedup,
    efficiency: r.efficiency,
    'processes 1/2 ms': `${r.processMs[0]} / ${r.processMs[1]}`,
    'processes speed-up': r.processSpeedup,
  })),
)
const spin = results.find((r) => r.kind === 'spin')
if (spin !== undefined) {
  const verdict = spin.speedup >= target ? 'OK' : spin.controlSpeedup < target ? 'BELOW TARGET (so is the bare-thread control: the machine gave no second full core)' : 'BELOW TARGET'
  console.log(`speed-up 2 threads vs 1 (spin): ${spin.speedup}× (target ≥ ${target}×) ${verdict}`)
}

mkdirSync(new URL('../results/', import.meta.url), { recursive: true })
const file = new URL(`../results/parallel-cpu-fanout-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url)
writeFileSync(
  file,
  `${JSON.stringify({ bench: 'parallel/cpu-fanout', date: new Date().toISOString(), node: process.version, cpus: availableParallelism(), tasks, taskMs, runs, results, loadAverage: loadavg(), target, pass: spin === undefined ? undefined : spin.speedup >= target }, null, 2)}\n`,
)
console.log(`wrote ${fileURLToPath(file)}`)
