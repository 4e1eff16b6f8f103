/**
 * W4 durable chain, store part: the cost of making every step's result durable before the next
 * step starts, by hand and through `fileStore`.
 *
 * `node --import tsx bench/durable/w4.ts [steps] [runs]` prints a table: the median of `runs`
 * runs, the variants alternating in a rotated order each run. Besides W4 it shows two rows of 16
 * chains appending at the same time (`'always'` and `'batch'`). `BENCH_DIR` chooses the directory
 * (default: the OS temp directory); put it on the disk you want to measure.
 */
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { fileStore, nodeFileSystem, type Durability, type JournalEvent, type StoreFileSystem } from '../../src/index.js'
import { chain, expected, stepFn } from '../workloads.js'
import { median } from '../median.js'

/** One measurement. */
export interface DurableResult {
  readonly name: string
  readonly steps: number
  /** Durable appends timed (one per step). */
  readonly appends: number
  readonly ms: number
  readonly usPerAppend: number
  /** The chain's value, checked against the plain-loop reference. */
  readonly value: number
}

function result(name: string, steps: number, ms: number, value: number): DurableResult {
  return { name, steps, appends: steps, ms: +ms.toFixed(2), usPerAppend: +((ms * 1000) / steps).toFixed(1), value }
}

/**
 * Wall time spent in fdatasync (from the call to its callback, thread-pool hand-off included),
 * summed over every timed sync, for the bench's split of durable time into fsync and the rest.
 */
export const fsyncClock = { ms: 0, count: 0 }

function datasync(fd: number): Promise<void> {
  const t0 = performance.now()
  return new Promise((resolve, reject) =>
    fdatasync(fd, (error) => {
      fsyncClock.ms += performance.now() - t0
      fsyncClock.count++
      return error ? reject(error) : resolve()
    }),
  )
}

/**
 * `nodeFileSystem` with its fdatasync timed into {@link fsyncClock}, exactly as the baseline's:
 * one promise settled from the callback (a `.finally()` around the store's own promise would add
 * promise hops to Weft's side only).
 */
export const timedFileSystem: StoreFileSystem = {
  ...nodeFileSystem,
  fdatasync: datasync,
}

/**
 * The hand-written baseline: one file; for each of `n` chain steps compute the step's value,
 * append one JSON line and fdatasync before the next step. With `sync: false` it only writes
 * (the reference for `durability: 'none'`).
 */
export async function durableBaseline(dir: string, n: number, sync = true): Promise<DurableResult> {
  const shape = chain(n)
  const fd = openSync(join(dir, 'baseline.jsonl'), 'a')
  try {
    const t0 = performance.now()
    let previous: { v: number } | undefined
    for (let i = 0; i < n; i++) {
      previous = await stepFn(shape.weights[i]!, previous === undefined ? [] : [previous])
      writeSync(fd, `${JSON.stringify({ step: i, output: previous })}\n`)
      if (sync) await datasync(fd)
    }
    return result(sync ? 'baseline (write + fdatasync)' : 'baseline (write only)', n, performance.now() - t0, previous?.v ?? 0)
  } finally {
    closeSync(fd)
  }
}

/**
 * Not the W4 baseline: the same loop written the way the preallocating file store writes (a file
 * filled with 1 MiB of zeros and fdatasync'ed first (inside the run bench's timing, as Weft's
 * extents are, but not in `ms` here); then each line written in place
 * with a positional write and fdatasync'ed). It shows what preallocation alone buys a hand-written
 * loop, so that Weft's own cost can be read against a loop with the same disk pattern.
 */
export async function preallocatedBaseline(dir: string, n: number): Promise<DurableResult> {
  const shape = chain(n)
  const fd = openSync(join(dir, 'baseline.jsonl'), 'w+')
  try {
    writeSync(fd, Buffer.alloc(1024 * 1024), 0, 1024 * 1024, 0)
    await datasync(fd)
    const t0 = performance.now()
    let previous: { v: number } | undefined
    let at = 0
    for (let i = 0; i < n; i++) {
      previous = await stepFn(shape.weights[i]!, previous === undefined ? [] : [previous])
      const line = Buffer.from(`${JSON.stringify({ step: i, output: previous })}\n`)
      writeSync(fd, line, 0, line.length, at)
      at += line.length
      await datasync(fd)
    }
    return result('baseline, preallocated (pwrite + fdatasync)', n, performance.now() - t0, previous?.v ?? 0)
  } finally {
    closeSync(fd)
  }
}

/**
 * The same chain through `fileStore(dir, { durability })`: per step one append of
 * `step.started` + `step.succeeded`, awaited before the next step. Only the step appends are
 * timed (not `create`, `run.started` or `close`).
 */
export async function fileAppendBench(dir: string, n: number, durability: Durability): Promise<DurableResult> {
  const shape = chain(n)
  const store = fileStore(dir, { durability })
  const runId = `w4-${durability}`
  const at = 1_700_000_000_000
  await store.create({ runId, workflowId: 'w4', version: '1', fingerprint: 'w4', createdAt: at })
  await store.append(runId, [{ seq: 1, at, runId, type: 'run.started', workflowId: 'w4', version: '1', fingerprint: 'w4', input: undefined, seed: 1 }])
  let seq = 2
  let previous: { v: number } | undefined
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const stepId = `s${i}`
    const started: JournalEvent = { seq, at: at + i, runId, type: 'step.started', stepId, attempt: 1 }
    previous = await stepFn(shape.weights[i]!, previous === undefined ? [] : [previous])
    const succeeded: JournalEvent = { seq: seq + 1, at: at + i, runId, type: 'step.succeeded', stepId, attempt: 1, output: previous }
    seq += 2
    const pending = store.append(runId, [started, succeeded])
    if (pending !== undefined) await pending
  }
  const ms = performance.now() - t0
  await store.append(runId, [{ seq, at: at + n, runId, type: 'run.succeeded', output: previous?.v }])
  await store.close()
  return result(`fileStore '${durability}'`, n, ms, previous?.v ?? 0)
}

/**
 * Not part of W4: `runs` chains of `stepsPerRun` steps running at the same time, each step one
 * awaited append, to show what group commit (`'batch'`) buys when many runs append at once.
 * Times the whole thing; `usPerAppend` is wall time divided by all appends.
 */
export async function fileParallelBench(dir: string, runs: number, stepsPerRun: number, durability: Durability): Promise<DurableResult> {
  const store = fileStore(dir, { durability })
  const at = 1_700_000_000_000
  const ids = Array.from({ length: runs }, (_, r) => `p${r}`)
  for (const runId of ids) await store.create({ runId, workflowId: 'w4p', version: '1', fingerprint: 'w4p', createdAt: at })
  const shape = chain(stepsPerRun)
  let total = 0
  const t0 = performance.now()
  await Promise.all(
    ids.map(async (runId) => {
      let previous: { v: number } | undefined
      for (let i = 0; i < stepsPerRun; i++) {
        previous = await stepFn(shape.weights[i]!, previous === undefined ? [] : [previous])
        const seq = 2 * i + 1
        const pending = store.append(runId, [
          { seq, at: at + i, runId, type: 'step.started', stepId: `s${i}`, attempt: 1 },
          { seq: seq + 1, at: at + i, runId, type: 'step.succeeded', stepId: `s${i}`, attempt: 1, output: previous },
        ])
        if (pending !== undefined) await pending
      }
      total = (total + (previous?.v ?? 0)) % 1_000_000_007
    }),
  )
  const ms = performance.now() - t0
  await store.close()
  const appends = runs * stepsPerRun
  return { name: `${runs} runs in parallel, '${durability}'`, steps: appends, appends, ms: +ms.toFixed(2), usPerAppend: +((ms * 1000) / appends).toFixed(1), value: total }
}

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 1000)
  const runs = Number(process.argv[3] ?? 3)
  const want = expected(chain(steps))
  const root = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'weft-w4-'))
  const variants: [string, (dir: string) => Promise<DurableResult>][] = [
    ['baseline', (dir) => durableBaseline(dir, steps)],
    ['always', (dir) => fileAppendBench(dir, steps, 'always')],
    ['batch', (dir) => fileAppendBench(dir, steps, 'batch')],
    ['baseline-write', (dir) => durableBaseline(dir, steps, false)],
    ['none', (dir) => fileAppendBench(dir, steps, 'none')],
  ]
  const parallel: [string, (dir: string) => Promise<DurableResult>][] = (['always', 'batch'] as const).map((d) => [`parallel-${d}`, (dir) => fileParallelBench(dir, 16, Math.ceil(steps / 16), d)])
  const samples = new Map<string, DurableResult[]>()
  try {
    for (let run = 0; run < runs; run++) {
      // Rotate the order every run so that no variant always follows the same one.
      const order = variants.map((_, i) => variants[(i + run) % variants.length]!)
      for (const [key, measure] of order) {
        const dir = mkdtempSync(join(root, `${key}-`))
        const r = await measure(dir)
        if (r.value !== want) throw new Error(`${r.name}: value ${r.value} != ${want}`)
        samples.set(key, [...(samples.get(key) ?? []), r])
      }
      for (const [key, measure] of parallel) {
        const r = await measure(mkdtempSync(join(root, `${key}-`)))
        samples.set(key, [...(samples.get(key) ?? []), r])
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
  const base = median(samples.get('baseline')!.map((r) => r.ms))
  console.table(
    [...samples.values()].map((rs) => {
      const ms = median(rs.map((r) => r.ms))
      return { name: rs[0]!.name, appends: rs[0]!.appends, ms: +ms.toFixed(1), 'µs/append': +((ms * 1000) / rs[0]!.appends).toFixed(1), 'ratio to baseline (ms)': +(ms / base).toFixed(2) }
    }),
  )
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
