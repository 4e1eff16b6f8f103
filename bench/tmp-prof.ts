import { createEngine, memoryStore, type RunStore } from '../src/index.js'
import { fan, chain, baseline } from './workloads.js'
import { toWorkflow } from './weft-workload.js'
const shape = process.argv[2] === 'w1' ? chain(1000) : fan(1000, 64)
const wf = toWorkflow(shape)
const gc = (globalThis as any).gc
const med = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!
for (const mode of ['lease', 'nolease', 'lease', 'nolease']) {
  const inner = memoryStore()
  const store: RunStore = mode === 'lease' ? inner : { create: inner.create.bind(inner), append: inner.append.bind(inner), read: inner.read.bind(inner), get: inner.get.bind(inner), list: inner.list.bind(inner) }
  const engine = createEngine({ concurrency: shape.concurrency, store })
  const bs: number[] = [], ws: number[] = []
  for (let i = 0; i < 21; i++) {
    gc(); let t0 = performance.now(); await baseline(shape); bs.push(performance.now() - t0)
    gc(); t0 = performance.now(); await engine.run(wf); ws.push(performance.now() - t0)
  }
  console.log(mode, 'base', med(bs).toFixed(2), 'weft', med(ws).toFixed(2), (med(ws) / med(bs)).toFixed(2))
}
