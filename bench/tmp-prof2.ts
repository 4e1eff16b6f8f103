import { createEngine } from '../src/index.js'
import { fan } from './workloads.js'
import { toWorkflow } from './weft-workload.js'
const shape = fan(1000, 64)
const wf = toWorkflow(shape)
const engine = createEngine({ concurrency: shape.concurrency })
for (let i = 0; i < 1500; i++) await engine.run(wf)
