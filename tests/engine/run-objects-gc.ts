/**
 * Child of run-objects-gc.test.ts (run with `--expose-gc --allow-natives-syntax`): what survives
 * a full GC after a run ends, and whether run results share one hidden class. Prints one JSON line.
 *   node run-objects-gc.mjs
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Type from 'typebox'
import { consecutiveBreaker, createEngine, fileStore, MemoryStore, workflow, type Lease, type RunHeader, type RunResult } from '../../src/index.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')
// V8's own test intrinsics, reached through a Function so that the TypeScript parses.
const natives = new Function('a', 'b', 'return [%HasFastProperties(a), %HaveSameMap(a, b)]') as (a: object, b: object) => [boolean, boolean]

const wf = workflow('gc', { version: '1', input: Type.Number() })
  .step('a', { output: Type.Number(), run: ({ input }) => input + 1 })
  .build(({ steps }) => steps.a)
/** The memory store, remembering (weakly) the lease object it made for each run. */
class LeaseSpy extends MemoryStore {
  readonly leases: WeakRef<Lease>[] = []
  override async createLeased(header: RunHeader, owner: string, ttlMs: number, events?: Parameters<MemoryStore['createLeased']>[3]): Promise<Lease | undefined> {
    const lease = await super.createLeased(header, owner, ttlMs, events)
    if (lease !== undefined) this.leases.push(new WeakRef(lease))
    return lease
  }
}
const store = new LeaseSpy()
const engine = createEngine({ concurrency: Infinity, store })

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

/**
 * The maps of three runs' `run.started` events, seeds 7, -2,000,000,000 and 8, before any other
 * run of this process: a seed outside V8's small integers (±2^30) after one inside must not
 * change how the event stores its seed (which replaced the event's map and deoptimized the
 * store's per-event functions). Returns whether the first and the third share the second's map.
 */
async function seedMaps(): Promise<[boolean, boolean]> {
  const seeded = new MemoryStore()
  const seededEngine = createEngine({ concurrency: Infinity, store: seeded })
  const started: object[] = []
  for (const seed of [7, -2_000_000_000, 8]) {
    const { runId } = await seededEngine.run(wf, 1, { seed })
    for await (const event of seeded.read(runId)) if (event.type === 'run.started') started.push(event)
  }
  return [natives(started[0]!, started[1]!)[1], natives(started[2]!, started[1]!)[1]]
}
const seedSameMap = await seedMaps()

const first = await once(1, false)
await collect()
const firstKeptAlone = first.handle.deref() !== undefined // the last ended run keeps its handle
const second = await once(2, true)
await collect()
const firstKeptAfterSecond = first.handle.deref() !== undefined // only the last run's objects are kept
const secondKept = second.handle.deref() !== undefined
// The run keeps the lease object the store made for it (see Engine.adopt), and only its own.
const firstLeaseKept = store.leases[0]!.deref() !== undefined
const secondLeaseKept = store.leases[1]!.deref() !== undefined
const third = await once(3, true)
const [fast, sameMap] = natives(second.result!, third.result!)

/**
 * The functions named during one run after two warm-up runs. The bundle is built with esbuild's
 * `keepNames` and counts `Object.defineProperty(fn, 'name', …)` (see the banner in the test):
 * a closure created in a `const` or a property is named at every creation (see `unnamed`).
 */
async function namesDuringRun(run: () => Promise<unknown>): Promise<string[]> {
  await run()
  await run()
  const names = (globalThis as unknown as { __names: string[] | undefined })
  names.__names = []
  await run()
  const seen = names.__names
  names.__names = undefined
  return seen
}
const timed = workflow('timed', { version: '1', input: Type.Number() })
  .step('a', { output: Type.Number(), timeout: 60_000, run: ({ input }) => input + 1 })
  .step('b', { needs: ['a'], output: Type.Number(), timeout: 60_000, run: ({ deps }) => deps.a + 1 })
  .build(({ steps }) => steps.b)
// Steps through a breaker, a retry policy, a rate limit and a bulkhead of one (the others wait).
let guardedBuilder = workflow('guarded', { version: '1', input: Type.Number() })
for (const id of ['g1', 'g2', 'g3', 'g4']) {
  guardedBuilder = guardedBuilder.step(id, {
    output: Type.Number(),
    retry: { attempts: 2 },
    breaker: { key: 'b', halfOpenAfter: '10s', breaker: consecutiveBreaker(5) },
    rateLimit: { key: 'r', tokens: 1000, per: '1s' },
    bulkhead: { key: 'one', limit: 1, queue: 10 },
    run: async ({ input }) => input,
  }) as typeof guardedBuilder
}
const guarded = guardedBuilder.build()
const dir = mkdtempSync(join(tmpdir(), 'weft-names-'))
const durable = createEngine({ store: fileStore(dir, { durability: 'none' }) })
const named = {
  memory: await namesDuringRun(() => engine.run(wf, 1)),
  timeouts: await namesDuringRun(() => engine.run(timed, 1)),
  guarded: await namesDuringRun(() => engine.run(guarded, 1)),
  fileStore: await namesDuringRun(() => durable.run(wf, 1)),
}
await durable.close()
rmSync(dir, { recursive: true, force: true })
process.stdout.write(
  `${JSON.stringify({ firstKeptAlone, firstKeptAfterSecond, secondKept, firstLeaseKept, secondLeaseKept, fast, sameMap, seedSameMap, keys: Object.keys(third.result!), json: JSON.parse(JSON.stringify(third.result)), named })}\n`,
)
