/**
 * CPU-bound fan-out through `workerThreadsExecutor`: 16 tasks of about 50 ms of hashing each,
 * on 1 thread and on 2 threads. Prints the times and the speed-up (target ≥ 1.7×) and writes
 * JSON to bench/results/. Run: `node --import tsx bench/parallel/cpu-fanout.ts`
 * (env: FANOUT_TASKS, FANOUT_TASK_MS, FANOUT_RUNS).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import Type from 'typebox'
import { mulberry32, workerThreadsExecutor, type StepTask } from '../../src/index.js'
import { hashRounds } from './hash-task.js'
import { median } from '../median.js'

const tasks = Number(process.env.FANOUT_TASKS ?? 16)
const taskMs = Number(process.env.FANOUT_TASK_MS ?? 50)
const runs = Number(process.env.FANOUT_RUNS ?? 5)
const sizes = [1, 2]
const target = 1.7
const module = fileURLToPath(new URL('./hash-task.ts', import.meta.url))

/** Rounds of hashing that take about `taskMs` on this machine (measured in this thread). */
function calibrate(): number {
  hashRounds('warm', 20_000)
  const probe = 20_000
  const t0 = performance.now()
  hashRounds('probe', probe)
  const ms = performance.now() - t0
  return Math.max(1, Math.round((probe * taskMs) / ms))
}

function task(i: number, rounds: number, signal: AbortSignal): StepTask {
  const silent = (): void => {}
  return {
    step: { id: `t${i}`, index: i, needs: [], output: Type.String(), run: () => '', priority: 0, meta: { handler: { module, export: 'hashTask' } } },
    ctx: {
      input: { seed: `seed${i}`, rounds },
      deps: {},
      runId: 'bench',
      workflowId: 'cpu-fanout',
      stepId: `t${i}`,
      attempt: 1,
      signal,
      idempotencyKey: `bench:t${i}`,
      now: () => 0,
      random: mulberry32(i),
      sleep: () => Promise.resolve(),
      log: { debug: silent, info: silent, warn: silent, error: silent },
      secret: (name: string) => Promise.reject(new Error(`no secret ${name}`)),
    },
  }
}

/**
 * Control: the same tasks on bare worker_threads (no executor), to tell the executor's cost
 * from the machine's (on a loaded machine neither scales).
 */
function rawPool(size: number): { run(seeds: string[], rounds: number): Promise<string[]>; close(): Promise<void> } {
  const source = `const { parentPort } = require('node:worker_threads'); const { createHash } = require('node:crypto');
parentPort.on('message', ({ id, seed, rounds }) => { let d = seed; for (let i = 0; i < rounds; i++) d = createHash('sha256').update(d).digest('hex'); parentPort.postMessage({ id, d }) })`
  const workers = Array.from({ length: size }, () => new Worker(source, { eval: true }))
  return {
    run(seeds, rounds) {
      return new Promise((resolve) => {
        const out: string[] = new Array(seeds.length)
        let next = 0
        let done = 0
        const feed = (w: Worker): void => {
          if (next < seeds.length) {
            const id = next++
            w.postMessage({ id, seed: seeds[id], rounds })
          }
        }
        for (const w of workers) {
          w.removeAllListeners('message')
          w.on('message', ({ id, d }: { id: number; d: string }) => {
            out[id] = d
            if (++done === seeds.length) resolve(out)
            else feed(w)
          })
          feed(w)
        }
      })
    },
    close: async () => void (await Promise.all(workers.map((w) => w.terminate()))),
  }
}

const rounds = calibrate()
const seeds = Array.from({ length: tasks }, (_, i) => `seed${i}`)
const expected = seeds.map((seed) => hashRounds(seed, rounds))
const executors = sizes.map((size) => workerThreadsExecutor({ size }))
const raw = sizes.map((size) => rawPool(size))
// Warm-up: start every thread and load the handler module in each.
for (const [k, executor] of executors.entries()) {
  await Promise.all(Array.from({ length: sizes[k]! * 2 }, (_, i) => executor.execute(task(i, 10, new AbortController().signal))))
  await raw[k]!.run(seeds.slice(0, sizes[k]! * 2), 10)
}
// The configurations: executor on 1 and 2 threads, then the bare-thread control on 1 and 2.
const configs: (() => Promise<string[]>)[] = [
  ...executors.map((executor) => () => Promise.all(seeds.map((_, i) => executor.execute(task(i, rounds, new AbortController().signal)))) as Promise<string[]>),
  ...raw.map((pool) => () => pool.run(seeds, rounds)),
]
// Rotate the order run by run so that drifting load on the machine affects all alike.
const times: number[][] = configs.map(() => [])
for (let r = 0; r < runs; r++) {
  for (let j = 0; j < configs.length; j++) {
    const k = (r + j) % configs.length
    const t0 = performance.now()
    const out = await configs[k]!()
    times[k]!.push(performance.now() - t0)
    if (out.some((digest, i) => digest !== expected[i])) throw new Error(`configuration ${k}: wrong digest`)
  }
}
await Promise.all([...executors.map((e) => e.close!()), ...raw.map((p) => p.close())])
const results = sizes.map((size, k) => {
  const ms = median(times[k]!)
  return { threads: size, runsMs: times[k]!.map((t) => +t.toFixed(1)), medianMs: +ms.toFixed(1), tasksPerSec: +((tasks / ms) * 1000).toFixed(1) }
})
const rawTimes = sizes.map((_, k) => times[sizes.length + k]!)
const speedup = +(results[0]!.medianMs / results[1]!.medianMs).toFixed(2)
const pairMedian = +median(times[0]!.map((t, r) => t / times[1]![r]!)).toFixed(2)
const rawSpeedup = +(median(rawTimes[0]!) / median(rawTimes[1]!)).toFixed(2)

console.log(`CPU-bound fan-out: ${tasks} tasks × ~${taskMs} ms (${rounds} sha256 rounds each), median of ${runs} runs, ${availableParallelism()} CPUs`)
console.log('threads  median ms  tasks/s  runs (ms)')
for (const r of results) console.log(`${String(r.threads).padStart(7)}  ${String(r.medianMs).padStart(9)}  ${String(r.tasksPerSec).padStart(7)}  ${r.runsMs.join(' ')}`)
console.log(`control, bare worker_threads: ${sizes.map((size, k) => `${size} thread${size === 1 ? '' : 's'} ${median(rawTimes[k]!).toFixed(1)} ms`).join(', ')}: ${rawSpeedup}×`)
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
console.log(`speed-up 2 threads vs 1: ${speedup}× of medians, ${pairMedian}× median of run pairs (target ≥ ${target}×) ${speedup >= target ? 'OK' : 'BELOW TARGET'}`)

mkdirSync(new URL('../results/', import.meta.url), { recursive: true })
const file = new URL(`../results/parallel-cpu-fanout-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url)
writeFileSync(
  file,
  `${JSON.stringify({ bench: 'parallel/cpu-fanout', date: new Date().toISOString(), node: process.version, cpus: availableParallelism(), tasks, taskMs, rounds, runs, results, speedup, pairSpeedup: pairMedian, control: { rawMedianMs: rawTimes.map((t) => +median(t).toFixed(1)), rawSpeedup }, loadAverage: loadavg(), target, pass: speedup >= target }, null, 2)}\n`,
)
console.log(`wrote ${fileURLToPath(file)}`)
