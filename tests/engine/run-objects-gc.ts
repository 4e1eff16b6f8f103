/**
 * Child of run-objects-gc.test.ts (run with `--expose-gc --allow-natives-syntax`): what survives
 * a full GC after a run ends, and whether run results share one hidden class. Prints one JSON line.
 *   node run-objects-gc.mjs
 */
import Type from 'typebox'
import { createEngine, workflow, type RunResult } from '../../src/index.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')
// V8's own test intrinsics, reached through a Function so that the TypeScript parses.
const natives = new Function('a', 'b', 'return [%HasFastProperties(a), %HaveSameMap(a, b)]') as (a: object, b: object) => [boolean, boolean]

const wf = workflow('gc', { version: '1', input: Type.Number() })
  .step('a', { output: Type.Number(), run: ({ input }) => input + 1 })
  .build(({ steps }) => steps.a)
const engine = createEngine({ concurrency: Infinity })

/**
 * Runs once; returns a weak reference to the run's handle (nothing else holds it) and, when asked,
 * the result (a result holds its run until dropped: it computes its steps from the run's state).
 */
async function once(input: number, keepResult: boolean): Promise<{ handle: WeakRef<object>; result: RunResult | undefined }> {
  const handle = engine.start(wf, input)
  const result = await handle.result
  return { handle: new WeakRef(handle), result: keepResult ? result : undefined }
}

/** A full GC in a later task: a WeakRef's target is kept until the task that made it has ended. */
async function collect(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
  gc!()
}

const first = await once(1, false)
await collect()
const firstKeptAlone = first.handle.deref() !== undefined // the last ended run keeps its handle
const second = await once(2, true)
await collect()
const firstKeptAfterSecond = first.handle.deref() !== undefined // only the last run's objects are kept
const secondKept = second.handle.deref() !== undefined
const third = await once(3, true)
const [fast, sameMap] = natives(second.result!, third.result!)
process.stdout.write(
  `${JSON.stringify({ firstKeptAlone, firstKeptAfterSecond, secondKept, fast, sameMap, keys: Object.keys(third.result!), json: JSON.parse(JSON.stringify(third.result)) })}\n`,
)
