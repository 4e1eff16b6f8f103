/**
 * `npm run bench`: Weft against the hand-written baseline on the shared workloads, run in the
 * same process in alternation (ABAB…) with a forced GC before each run. Prints a table and
 * writes JSON to bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { createEngine } from '../src/index.js'
import { baseline, chain, expected, fan, layered, type Shape } from './workloads.js'
import { toWorkflow } from './weft-workload.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with node --expose-gc')
const runs = Number(process.env.BENCH_RUNS ?? 7)

interface Row { workload: string; steps: number; engine: string; medianMs: number; stepsPerSec: number; usPerStep: number; heapMB: number; ratio?: number; value: number }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

async function measure(fn: () => Promise<number>): Promise<{ ms: number; heap: number; value: number }> {
  gc!()
  const heap0 = process.memoryUsage().heapUsed
  const t0 = performance.now()
  const value = await fn()
  const ms = performance.now() - t0
  const heap = process.memoryUsage().heapUsed - heap0
  return { ms, heap, value }
}

async function compare(shape: Shape): Promise<Row[]> {
  const n = shape.weights.length
  const want = expected(shape)
  const wf = toWorkflow(shape)
  const engine = createEngine({ concurrency: shape.concurrency })
  const weft = async (): Promise<number> => {
    const r = await engine.run(wf)
    if (r.status !== 'succeeded') throw new Error(`weft run ${r.status}: ${JSON.stringify(r.error)}`)
    return r.output as number
  }
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
  const rw = row('weft', b)
  rw.ratio = +(rw.medianMs / rb.medianMs).toFixed(2)
  return [rb, rw]
}

const only = process.argv.slice(2)
const shapes: Shape[] = [chain(1000), fan(1000, 64), layered(100, 100, 32)].filter((s) => only.length === 0 || only.some((o) => s.name.startsWith(o)))
const rows: Row[] = []
for (const shape of shapes) rows.push(...(await compare(shape)))
console.table(rows.map(({ value, ...r }) => r))
console.log(`values: ${[...new Set(rows.map((r) => `${r.workload}=${r.value}`))].join(', ')}`)
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
const file = new URL(`./results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url)
writeFileSync(file, JSON.stringify({ node: process.version, runs, rows }, null, 2))
console.log(`wrote ${file.pathname}`)
