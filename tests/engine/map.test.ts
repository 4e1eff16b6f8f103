import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import {
  createEngine,
  defineWorkflow,
  isWeftError,
  memoryStore,
  NonDeterminismError,
  SimulatedClock,
  WorkflowDefinitionError,
  workerThreadsExecutor,
  workflow,
  type JournalEvent,
  type Workflow,
} from '../../src/index.js'
import { crashingStore, readAll, storeWith } from './crash-store.js'

const Plan = Type.Object({ items: Type.Array(Type.Object({ id: Type.Integer(), delay: Type.Integer({ minimum: 0 }) })) })
type Item = { id: number; delay: number }

/** plan → map `shards` (item id × 10 after `delay` ms on the engine clock) → `total`. */
function fanOut(items: readonly Item[], options: { concurrency?: number; extra?: Item; side?: number; onBody?: (item: Item, attempt: number) => void } = {}) {
  const running = { now: 0, max: 0 }
  const wf = workflow('fan', { input: Type.Undefined() })
    .step('plan', { output: Plan, run: () => ({ items: [...items] }) })
    .map('shards', {
      needs: ['plan'],
      over: ({ deps }) => (options.extra === undefined ? deps.plan.items : [...deps.plan.items, options.extra]),
      item: Type.Object({ id: Type.Integer(), delay: Type.Integer({ minimum: 0 }) }),
      output: Type.Integer(),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      run: async ({ item, attempt, sleep }) => {
        options.onBody?.(item, attempt)
        running.max = Math.max(running.max, ++running.now)
        try {
          await sleep(item.delay)
        } finally {
          running.now--
        }
        return item.id * 10
      },
    })
    .step('total', { needs: ['shards'], output: Type.Integer(), run: ({ deps }) => deps.shards.reduce((a, b) => a + b, 0) })
    // An independent step whose events interleave with the items'.
    .step('side', { output: Type.Integer(), run: async ({ sleep }) => (await sleep(options.side ?? 0), 1) })
    .build()
  return { wf, running }
}

const itemEvents = (journal: readonly JournalEvent[], type: string) =>
  journal.filter((e): e is Extract<JournalEvent, { item: number }> => e.type === type).map((e) => e.item)

describe('map steps', () => {
  it('outputs item results in item order whatever the completion order; concurrency is never exceeded; replay passes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 25 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        fc.integer({ min: 0, max: 60 }),
        fc.boolean(),
        fc.integer(),
        async (delays, concurrency, runConcurrency, side, hooks, seed) => {
          const items = delays.map((delay, id) => ({ id, delay }))
          const { wf, running } = fanOut(items, { side, ...(concurrency === undefined ? {} : { concurrency }) })
          const store = memoryStore()
          // An async afterStep hook delays each step's end past other steps' events (replay runs without it).
          const plugins = hooks ? [{ name: 'slow-hook', afterStep: () => new Promise<void>((r) => setImmediate(r)) }] : []
          const engine = createEngine({ store, clock: new SimulatedClock(), plugins, ...(runConcurrency === undefined ? {} : { concurrency: runConcurrency }) })
          const result = await engine.run(wf, undefined, { runId: 'p', seed })
          expect(result.status).toBe('succeeded')
          if (result.status !== 'succeeded') return
          expect(result.output.shards).toEqual(items.map((i) => i.id * 10))
          // The map step and `side` share the run's slots; the map's items are bounded by both limits.
          expect(running.max).toBeLessThanOrEqual(Math.min(concurrency ?? Infinity, runConcurrency ?? Infinity))
          const journal = await readAll(store, 'p')
          // Every item ran once and its end is journaled; the order of ends is the completion order.
          expect(itemEvents(journal, 'step.item.started').sort((a, b) => a - b)).toEqual(items.map((i) => i.id))
          expect(itemEvents(journal, 'step.item.succeeded').sort((a, b) => a - b)).toEqual(items.map((i) => i.id))
          await expect(engine.replay('p', wf)).resolves.toMatchObject({ segments: 1 })
        },
      ),
      { numRuns: 60 },
    )
  })

  it('items finishing in reverse order still give item order (and the journal shows the reverse)', async () => {
    const items = Array.from({ length: 6 }, (_, id) => ({ id, delay: 100 - id * 10 }))
    const store = memoryStore()
    const result = await createEngine({ store, clock: new SimulatedClock() }).run(fanOut(items).wf, undefined, { runId: 'rev' })
    expect(result).toMatchObject({ status: 'succeeded', output: { shards: [0, 10, 20, 30, 40, 50], total: 150 } })
    expect(itemEvents(await readAll(store, 'rev'), 'step.item.succeeded')).toEqual([5, 4, 3, 2, 1, 0])
  })

  it('an `over` that returns no array fails the step with a ContractViolation saying what it got', async () => {
    const withOver = (over: () => unknown) =>
      workflow('bad-over', { input: Type.Undefined() }).map('each', { over: over as () => number[], item: Type.Integer(), output: Type.Integer(), run: ({ item }) => item }).build()
    const cases: [() => unknown, string][] = [
      [() => 5, 'over must return an array of items, got number'],
      [() => null, 'over must return an array of items, got null'],
      [async () => [1], 'over must return an array of items, got a Promise (over must be synchronous: a pure function of input and deps)'],
    ]
    for (const [over, message] of cases) {
      const result = await createEngine().run(withOver(over), undefined)
      expect(result.status).toBe('failed')
      expect(result.steps['each']!.error).toMatchObject({ name: 'ContractViolation', message: `step-input contract violated in step "each" of workflow "bad-over": /: ${message}` })
    }
  })

  it('an empty `over` gives []', async () => {
    const result = await createEngine({ clock: new SimulatedClock() }).run(fanOut([]).wf)
    expect(result).toMatchObject({ status: 'succeeded', output: { shards: [], total: 0 } })
  })

  it('runs 10,000 items', async () => {
    const wf = workflow('big')
      .map('double', { over: () => Array.from({ length: 10_000 }, (_, i) => i), item: Type.Integer(), output: Type.Integer(), run: ({ item }) => item * 2 })
      .build()
    const store = memoryStore()
    const started = performance.now()
    const result = await createEngine({ store }).run(wf, undefined, { runId: 'big' })
    const ms = performance.now() - started
    console.log(`map of 10,000 items: ${ms.toFixed(0)} ms`) // reported, not asserted
    expect(result.status).toBe('succeeded')
    if (result.status !== 'succeeded') return
    const out = result.output.double!
    expect(out).toHaveLength(10_000)
    expect(out.every((v, i) => v === i * 2)).toBe(true)
    expect((await readAll(store, 'big')).length).toBe(2 + 1 + 20_000 + 2)
  })

  it('retries one item with its own attempt counter, never re-running the others', async () => {
    const calls = new Map<number, number>()
    const keys = new Set<string>()
    const wf = workflow('retry')
      .map('m', {
        over: () => [0, 1, 2, 3, 4],
        item: Type.Integer(),
        output: Type.String(),
        retry: { attempts: 3, backoff: 'constant', base: 50 },
        concurrency: 2,
        run: ({ item, attempt, idempotencyKey, runId }) => {
          calls.set(item, (calls.get(item) ?? 0) + 1)
          if (item === 3) keys.add(idempotencyKey)
          expect(idempotencyKey).toBe(`${runId}/m/${item}`)
          if (item === 3 && attempt < 3) throw new Error(`flaky ${attempt}`)
          return `${item}@${attempt}`
        },
      })
      .build()
    const store = memoryStore()
    const engine = createEngine({ store, clock: new SimulatedClock() })
    const result = await engine.run(wf, undefined, { runId: 'r' })
    expect(result).toMatchObject({ status: 'succeeded', output: { m: ['0@1', '1@1', '2@1', '3@3', '4@1'] } })
    expect([...calls.entries()].sort()).toEqual([[0, 1], [1, 1], [2, 1], [3, 3], [4, 1]])
    expect(keys.size).toBe(1)
    const journal = await readAll(store, 'r')
    const failed = journal.filter((e) => e.type === 'step.item.failed')
    expect(failed).toMatchObject([
      { item: 3, attempt: 1, willRetry: true, delayMs: 50 },
      { item: 3, attempt: 2, willRetry: true, delayMs: 50 },
    ])
    expect(journal.filter((e) => e.type === 'step.started')).toHaveLength(1) // the map step itself ran once
    await expect(engine.replay('r', wf)).resolves.toMatchObject({ segments: 1 })
  })

  it('a failing item fails the map step under failFast: the other running items are aborted, no new item starts', async () => {
    const aborted: number[] = []
    const startedItems: number[] = []
    const wf = workflow('ff')
      .map('m', {
        over: () => [0, 1, 2, 3, 4, 5],
        item: Type.Integer(),
        output: Type.Integer(),
        concurrency: 3,
        run: async ({ item, signal, sleep }) => {
          startedItems.push(item)
          signal.addEventListener('abort', () => aborted.push(item))
          if (item === 1) {
            await sleep(5)
            throw new Error('shard 1 is corrupt')
          }
          await sleep(1000)
          return item
        },
      })
      .step('after', { needs: ['m'], output: Type.Null(), run: () => null })
      .build()
    const store = memoryStore()
    const engine = createEngine({ store, clock: new SimulatedClock() })
    const result = await engine.run(wf, undefined, { runId: 'ff' })
    expect(result.status).toBe('failed')
    expect(result.steps.m).toMatchObject({ status: 'failed', error: { code: 'WEFT_MAP_ITEMS_FAILED', data: { stepId: 'm', items: [{ index: 1, error: { message: 'shard 1 is corrupt' } }] } } })
    expect(result.steps.m!.error!.message).toContain('#1 (shard 1 is corrupt)')
    expect(startedItems).toEqual([0, 1, 2])
    expect(aborted.sort()).toEqual([0, 2])
    expect(result.steps.after!.status).toBe('not-run')
    await expect(engine.replay('ff', wf)).resolves.toMatchObject({ segments: 1 })
  })

  it('under `continue` every item runs, the map fails listing every failed item, independent steps still run', async () => {
    const ran: number[] = []
    const wf = workflow('cont')
      .map('m', {
        over: () => [0, 1, 2, 3, 4],
        item: Type.Integer(),
        output: Type.Integer(),
        concurrency: 2,
        run: ({ item }) => {
          ran.push(item)
          if (item % 2 === 1) throw new Error(`odd ${item}`)
          return item
        },
      })
      .step('downstream', { needs: ['m'], output: Type.Null(), run: () => null })
      .step('independent', { output: Type.Literal('ok'), run: () => 'ok' as const })
      .build()
    const store = memoryStore()
    const engine = createEngine({ store, clock: new SimulatedClock(), failurePolicy: 'continue' })
    const result = await engine.run(wf, undefined, { runId: 'c' })
    expect(result.status).toBe('failed')
    expect(ran.sort()).toEqual([0, 1, 2, 3, 4])
    const error = result.steps.m!.error!
    expect(error.code).toBe('WEFT_MAP_ITEMS_FAILED')
    expect((error.data as { items: { index: number }[] }).items.map((i) => i.index)).toEqual([1, 3])
    expect(error.cause).toMatchObject({ message: 'odd 1' })
    expect(result.steps.downstream).toMatchObject({ status: 'skipped', reason: 'dependency-failed' })
    expect(result.steps.independent).toMatchObject({ status: 'succeeded', output: 'ok' })
    await expect(engine.replay('c', wf)).resolves.toMatchObject({ segments: 1 })
  })

  it("onItemError: 'collect' keeps going and gives { ok, value | error } per item, in item order", async () => {
    const wf = workflow('collect')
      .map('m', {
        over: () => ['a', 'bad', 'c'],
        item: Type.String(),
        output: Type.String(),
        onItemError: 'collect',
        retry: { attempts: 2, backoff: 'constant', base: 1 },
        run: ({ item }) => {
          if (item === 'bad') throw Object.assign(new Error('no good'), { code: 'E_BAD' })
          return item.toUpperCase()
        },
      })
      .step('count', { needs: ['m'], output: Type.Integer(), run: ({ deps }) => deps.m.filter((r) => r.ok).length })
      .build()
    const store = memoryStore()
    const engine = createEngine({ store, clock: new SimulatedClock() })
    const result = await engine.run(wf, undefined, { runId: 'col' })
    expect(result).toMatchObject({
      status: 'succeeded',
      output: {
        m: [
          { ok: true, value: 'A' },
          { ok: false, error: { name: 'Error', message: 'no good', code: 'E_BAD' } },
          { ok: true, value: 'C' },
        ],
        count: 2,
      },
    })
    await expect(engine.replay('col', wf)).resolves.toMatchObject({ segments: 1 })
  })

  it('checks every item against `item` before any runs, and each result against `output`, with pointers into the list', async () => {
    let calls = 0
    const wf = workflow('bad-items')
      .map('m', {
        over: () => [{ n: 1 }, { n: 'two' }, { n: 3 }, {}] as never,
        item: Type.Object({ n: Type.Integer() }),
        output: Type.Integer(),
        run: ({ item }) => (calls++, item.n),
      })
      .build()
    const result = await createEngine({ clock: new SimulatedClock() }).run(wf)
    expect(result.status).toBe('failed')
    expect(calls).toBe(0)
    const error = result.steps.m!.error!
    expect(error).toMatchObject({ code: 'WEFT_CONTRACT_VIOLATION', data: { stepId: 'm', direction: 'step-input' } })
    expect((error.data as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(expect.arrayContaining(['/1/n', '/3']))

    const wf2 = workflow('bad-output')
      .map('m', { over: () => [1, 2, 3], item: Type.Integer(), output: Type.Integer(), retry: { attempts: 3 }, run: ({ item }) => (item === 2 ? ('x' as never) : item) })
      .build()
    const r2 = await createEngine({ clock: new SimulatedClock() }).run(wf2)
    expect(r2.steps.m!.error).toMatchObject({ code: 'WEFT_MAP_ITEMS_FAILED', cause: { code: 'WEFT_CONTRACT_VIOLATION', data: { direction: 'step-output', issues: [{ path: '/1' }] } } })
  })

  it('an item timeout aborts that item and counts as a failed attempt', async () => {
    const aborted: number[] = []
    const wf = workflow('slow')
      .map('m', {
        over: () => [0, 1],
        item: Type.Integer(),
        output: Type.Integer(),
        timeout: 100,
        retry: { attempts: 2, backoff: 'constant', base: 10 },
        run: async ({ item, attempt, signal, sleep }) => {
          signal.addEventListener('abort', () => aborted.push(item))
          await sleep(item === 1 && attempt === 1 ? 10_000 : 5)
          return item + attempt
        },
      })
      .build()
    const store = memoryStore()
    const result = await createEngine({ store, clock: new SimulatedClock() }).run(wf, undefined, { runId: 't' })
    expect(result).toMatchObject({ status: 'succeeded', output: { m: [1, 3] } })
    expect(aborted).toEqual([1])
    expect((await readAll(store, 't')).find((e) => e.type === 'step.item.failed')).toMatchObject({ item: 1, attempt: 1, error: { code: 'WEFT_STEP_TIMEOUT' }, willRetry: true })
  })

  it('cancelling the run reaches every running item through its signal', async () => {
    const aborted: number[] = []
    let started = 0
    const wf = workflow('cancel')
      .map('m', {
        over: () => [0, 1, 2, 3, 4, 5],
        item: Type.Integer(),
        output: Type.Integer(),
        concurrency: 4,
        run: ({ item, signal }) =>
          new Promise<number>((_, reject) => {
            started++
            signal.addEventListener('abort', () => {
              aborted.push(item)
              reject(signal.reason)
            })
          }),
      })
      .build()
    const engine = createEngine({ clock: new SimulatedClock() })
    const handle = engine.start(wf)
    while (started < 4) await new Promise((r) => setImmediate(r))
    handle.cancel('stop')
    const result = await handle.result
    expect(result.status).toBe('cancelled')
    expect(result.steps.m).toMatchObject({ status: 'cancelled' })
    expect(aborted.sort()).toEqual([0, 1, 2, 3])
    expect(started).toBe(4)
  })

  it('resumes after a crash at every journal append without re-running completed items; resumed journals replay', async () => {
    const items = Array.from({ length: 8 }, (_, id) => ({ id, delay: (id * 37) % 11 }))
    const reference = await createEngine({ clock: new SimulatedClock() }).run(fanOut(items, { concurrency: 3 }).wf, undefined, { runId: 'r', seed: 1 })
    expect(reference.status).toBe('succeeded')
    let crashes = 0
    let midMap = 0
    for (let crashAt = 2; ; crashAt++) {
      const bodies = new Map<number, number>()
      const { wf } = fanOut(items, { concurrency: 3, onBody: (item) => bodies.set(item.id, (bodies.get(item.id) ?? 0) + 1) })
      const inner = memoryStore()
      const store = crashingStore(inner, crashAt)
      await createEngine({ store, clock: new SimulatedClock() })
        .run(wf, undefined, { runId: 'r', seed: 1 })
        .catch(() => undefined)
      if (!store.crashed) break
      crashes++
      const before = await readAll(inner, 'r')
      const done = new Set(itemEvents(before, 'step.item.succeeded'))
      if (done.size > 0 && done.size < items.length) midMap++
      const runsBefore = new Map(bodies)
      const engine = createEngine({ store: inner, clock: new SimulatedClock() })
      const result = await (await engine.resume('r', wf)).result
      expect(result.status).toBe('succeeded')
      if (result.status === 'succeeded' && reference.status === 'succeeded') expect(result.output).toEqual(reference.output)
      for (const id of done) expect(bodies.get(id)).toBe(runsBefore.get(id))
      for (const item of items) expect(bodies.get(item.id)).toBeGreaterThanOrEqual(1)
      const after = await readAll(inner, 'r')
      // A restarted item continues its attempt count.
      for (const e of after) if (e.type === 'step.item.started' && e.seq > before.length) expect(e.attempt).toBe(1 + Math.max(0, ...before.filter((b) => b.type === 'step.item.started' && b.item === e.item).map((b) => (b as { attempt: number }).attempt)))
      await expect(engine.replay('r', wf)).resolves.toMatchObject({ segments: 2 })
    }
    expect(crashes).toBeGreaterThan(10)
    expect(midMap).toBeGreaterThan(3)
  })

  it('refuses to resume (and replay) a map whose `over` now returns a different number of items', async () => {
    const items = [{ id: 1, delay: 10 }, { id: 2, delay: 20 }]
    const inner = memoryStore()
    const store = crashingStore(inner, 5)
    await createEngine({ store, clock: new SimulatedClock() }).run(fanOut(items).wf, undefined, { runId: 'n' }).catch(() => undefined)
    expect(store.crashed).toBe(true)
    const journal = await readAll(inner, 'n')
    expect(journal.some((e) => e.type === 'step.map.planned')).toBe(true)
    const changed = fanOut(items, { extra: { id: 3, delay: 1 } }).wf
    const result = await (await createEngine({ store: await storeWith(journal), clock: new SimulatedClock() }).resume('n', changed, { allowDefinitionChange: true })).result
    expect(result.status).toBe('failed')
    expect(result.steps.shards!.error).toMatchObject({ code: NonDeterminismError.code })

    const done = memoryStore()
    const engine = createEngine({ store: done, clock: new SimulatedClock() })
    await engine.run(fanOut(items).wf, undefined, { runId: 'd' })
    const error = await engine.replay('d', changed).catch((e: unknown) => e)
    expect(isWeftError(error, NonDeterminismError.code)).toBe(true)
  })

  it('runs items on the worker-threads executor (handler by module and export), with item and index', async () => {
    const module = fileURLToPath(new URL('./fixtures/map-handlers.mjs', import.meta.url))
    const wf = workflow('threads')
      .map('sq', {
        over: () => [3, 1, 2],
        item: Type.Integer(),
        output: Type.Object({ square: Type.Integer(), index: Type.Integer(), key: Type.String() }),
        meta: { handler: { module, export: 'square' } },
        run: () => {
          throw new Error('runs in a worker thread')
        },
      })
      .build()
    const executor = workerThreadsExecutor({ size: 2 })
    try {
      const result = await createEngine({ executor }).run(wf, undefined, { runId: 'w' })
      expect(result).toMatchObject({
        status: 'succeeded',
        output: { sq: [{ square: 9, index: 0, key: 'w/sq/0' }, { square: 1, index: 1, key: 'w/sq/1' }, { square: 4, index: 2, key: 'w/sq/2' }] },
      })
    } finally {
      await executor.close?.()
    }
  })

  it('is also available as a plain step spec in defineWorkflow, and checks its options', () => {
    const wf: Workflow = defineWorkflow({
      id: 'spec',
      steps: [{ id: 'm', map: { over: () => [1], item: Type.Integer(), output: Type.Integer(), run: () => 1 }, retry: { attempts: 2 }, timeout: '1s' }],
    })
    expect(wf.steps[0]!.map).toMatchObject({ onItemError: 'fail', retry: { attempts: 2 }, timeout: 1000 })
    expect(wf.steps[0]!.retry).toBeUndefined()
    expect(wf.steps[0]!.timeout).toBeUndefined()
    const error = (() => {
      try {
        defineWorkflow({ id: 'bad', steps: [{ id: 'm', output: Type.Integer(), fallback: { value: 1 }, map: { over: 1, item: 'int', output: Type.Integer(), run: () => 1, concurrency: 0, onItemError: 'ignore' } }] })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(WorkflowDefinitionError)
    expect((error as WorkflowDefinitionError).data.problems.map((p) => p.path).sort()).toEqual(
      ['/steps/0/fallback', '/steps/0/map/concurrency', '/steps/0/map/item', '/steps/0/map/onItemError', '/steps/0/map/over', '/steps/0/output'].sort(),
    )
    // The item contract and the item policies are part of the fingerprint.
    const a = defineWorkflow({ id: 'f', steps: [{ id: 'm', map: { over: () => [], item: Type.Integer(), output: Type.Integer(), run: () => 1 } }] })
    const b = defineWorkflow({ id: 'f', steps: [{ id: 'm', map: { over: () => [], item: Type.String(), output: Type.Integer(), run: () => 1 } }] })
    const c = defineWorkflow({ id: 'f', steps: [{ id: 'm', map: { over: () => [], item: Type.Integer(), output: Type.Integer(), run: () => 1 }, retry: { attempts: 2 } }] })
    expect(new Set([a.fingerprint, b.fingerprint, c.fingerprint]).size).toBe(3)
  })
})
