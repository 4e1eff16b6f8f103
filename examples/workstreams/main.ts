/**
 * `npm start`: the audit's 23 workstreams run as a Weft workflow with the embedded defaults
 * (in-process executor, in-memory journal). Prints the phases, the critical path, live
 * progress and the result. Time is simulated: one audit hour is SCALE ms of real time.
 *
 *   npm start                      # 1 hour = 10 ms, unlimited parallelism
 *   npm start -- --team 2          # two people: at most two workstreams at once
 *   npm start -- --scale 0         # instant (simulated clock, no waiting)
 */
import { parseArgs } from 'node:util'
import { createEngine, criticalPath, levels, SimulatedClock, type Clock } from '../../src/index.js'
import { workstreamsWorkflow } from './workflow.js'
import { workstreams } from './workstreams.js'

const HOUR = 3_600_000
const { values } = parseArgs({ options: { team: { type: 'string' }, scale: { type: 'string', default: '10' } } })
const scale = Number(values.scale) // real ms per audit hour
const team = values.team === undefined ? Infinity : Number(values.team)

/** A clock whose hours pass in `scale` real milliseconds; 0 means fully simulated. */
function scaledClock(msPerHour: number): Clock {
  if (msPerHour <= 0) return new SimulatedClock()
  const origin = Date.now()
  const factor = HOUR / msPerHour
  return {
    now: () => (Date.now() - origin) * factor,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms / factor)
        signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true })
      }),
  }
}

const wf = workstreamsWorkflow()
const hours = (id: string) => workstreams.find((w) => w.id === id)!.hours

console.log(`Weft — ${wf.id}: ${wf.steps.length} workstreams, ${workstreams.reduce((s, w) => s + w.hours, 0)} hours of work\n`)
console.log('Phases (each workstream in the earliest phase its blockers allow):')
levels(wf.graph)!.forEach((ids, k) => console.log(`  phase ${k + 1}: ${ids.join(' ')}  (${ids.reduce((s, id) => s + hours(id), 0)}h)`))
const cp = criticalPath(wf.graph, (i) => wf.steps[i]!.estimate ?? 0)!
console.log(`\nCritical path by hours: ${cp.steps.join(' → ')} = ${cp.total / HOUR}h`)
console.log(`(the audit names WS-01 → WS-08 → WS-12 → WS-15, the longest chain by count: ${['WS-01', 'WS-08', 'WS-12', 'WS-15'].reduce((s, id) => s + hours(id), 0)}h)\n`)

const clock = scaledClock(scale)
const engine = createEngine({ clock, concurrency: team })
let done = 0
const width = String(wf.steps.length).length
const at = () => `${(clock.now() / HOUR).toFixed(0).padStart(4)}h`
engine.on('step.started', (e) => console.log(`${at()}  start   ${e.stepId}  ${wf.stepById.get(e.stepId)!.description}`))
engine.on('step.succeeded', (e) => {
  done++
  console.log(`${at()}  done    ${e.stepId}  [${String(done).padStart(width)}/${wf.steps.length}]`)
})
engine.on('step.failed', (e) => console.log(`${at()}  FAILED  ${e.stepId}: ${e.error.message}`))

const result = await engine.run(wf, { startHour: 0 }, { seed: 1 })
if (result.status !== 'succeeded') {
  console.error(`\nrun ${result.status}: ${result.error.message}`)
  process.exit(1)
}
console.log(`\nResult: ${result.status} — ${result.output.totalHours}h of work finished at hour ${result.output.finishedAtHour}`)
console.log(`with ${team === Infinity ? 'unlimited' : team} parallel workstream${team === 1 ? '' : 's'}; critical path ${cp.total / HOUR}h.`)
