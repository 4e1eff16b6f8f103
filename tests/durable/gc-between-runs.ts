/**
 * Child of event-shapes.test.ts: runs a fan-out on a file store ('batch') in a loop, each of
 * the measured runs after a full GC, as a process running durable workflows one after another
 * does. Run with `--expose-gc --trace-opt --trace-deopt`; prints `measured` between the warm-up
 * and the measured runs.
 *   node gc-between-runs.mjs <storeDir>
 */
import Type from 'typebox'
import { createEngine, defineWorkflow, fileStore, type StepSpec } from '../../src/index.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')
const [dir] = process.argv.slice(2) as [string]
const Output = Type.Object({ v: Type.Integer() })
const fan: StepSpec[] = Array.from({ length: 300 }, (_, i) => ({ id: `s${i}`, needs: ['root'], output: Output, run: async ({ deps }: { deps: Readonly<Record<string, unknown>> }) => ({ v: (deps.root as { v: number }).v + i }) }))
const wf = defineWorkflow({
  id: 'gc-between-runs',
  output: Type.Integer(),
  result: ({ steps }: { steps: Readonly<Record<string, unknown>> }) => (steps.join as { v: number }).v,
  steps: [{ id: 'root', output: Output, run: async () => ({ v: 1 }) }, ...fan, { id: 'join', needs: fan.map((s) => s.id), output: Output, run: async () => ({ v: 2 }) }],
})
const store = fileStore(dir, { durability: 'batch' })
const engine = createEngine({ store, concurrency: 32 })
const check = async (): Promise<void> => {
  const result = await engine.run(wf)
  if (result.status !== 'succeeded') throw new Error(`run ${result.status}`)
}
for (let i = 0; i < 12; i++) await check()
process.stdout.write('measured\n')
for (let i = 0; i < 10; i++) {
  gc()
  await check()
}
await store.close()
process.stdout.write('done\n')
