import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  InvalidArgumentError,
  InvalidRunIdError,
  JournalSequenceError,
  LeaseLostError,
  RunExistsError,
  RunNotFoundError,
  SimulatedClock,
  isWeftError,
  type AppendOptions,
  type JournalEvent,
  type RunStore,
  type RunSummary,
} from '../../src/index.js'
import { event, events, header, terminal } from './journal-fixtures.js'

/** What a conformance factory receives: the clock the store must use for leases and pruning. */
export interface RunStoreContext {
  readonly clock: SimulatedClock
}

/** A store under test and how to dispose of it. */
export interface RunStoreFixture {
  readonly store: RunStore
  cleanup(): Promise<void>
}

/** Appends and turns a synchronous throw into a rejection (stores may do either). */
export function append(store: RunStore, runId: string, batch: readonly JournalEvent[], options?: AppendOptions): Promise<void> {
  try {
    return Promise.resolve(store.append(runId, batch, options))
  } catch (error) {
    return Promise.reject(error)
  }
}

/** Every event of a run. */
export async function readAll(store: RunStore, runId: string): Promise<JournalEvent[]> {
  const out: JournalEvent[] = []
  for await (const e of store.read(runId)) out.push(e)
  return out
}

async function listAll(store: RunStore, filter?: Parameters<RunStore['list']>[0]): Promise<RunSummary[]> {
  const out: RunSummary[] = []
  for await (const s of store.list(filter)) out.push(s)
  return out
}

async function rejection(work: Promise<unknown>): Promise<unknown> {
  try {
    await work
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** Optional parts of the {@link RunStore} port, each tested only for a store that claims it. */
export type StoreCapability = 'leases' | 'createLeased' | 'maintenance'

/** The methods each capability needs. */
const capabilityMethods: Record<StoreCapability, readonly (keyof RunStore)[]> = {
  leases: ['acquireLease', 'renewLease', 'releaseLease', 'orphans'],
  createLeased: ['createLeased', 'acquireLease', 'releaseLease'],
  maintenance: ['prune', 'health'],
}

/** A store that claims `capability` has its methods: a missing one fails the suite instead of skipping it. */
function expectCapability(store: RunStore, capability: StoreCapability): void {
  for (const method of capabilityMethods[capability]) expect(store[method], `${method} (capability "${capability}")`).toBeTypeOf('function')
}

/**
 * The behaviour every {@link RunStore} shares. Call it from a test file with a factory that
 * makes a fresh, empty store using the given clock, and the optional parts of the port the store
 * implements (all by default: a store leaving one out says so here).
 */
export function runStoreConformance(
  name: string,
  makeStore: (context: RunStoreContext) => Promise<RunStoreFixture>,
  capabilities: readonly StoreCapability[] = ['leases', 'createLeased', 'maintenance'],
): void {
  describe(`RunStore conformance: ${name}`, () => {
    let clock: SimulatedClock
    let fixture: RunStoreFixture
    let store: RunStore

    beforeEach(async () => {
      clock = new SimulatedClock({ start: 1_000_000, autoAdvance: false })
      fixture = await makeStore({ clock })
      store = fixture.store
    })
    afterEach(async () => {
      await fixture.cleanup()
    })

    describe('create', () => {
      it('records a running run without events', async () => {
        await store.create(header('r1', { createdAt: 42, parentRunId: 'p1' }))
        expect(await store.get('r1')).toEqual({ ...header('r1', { createdAt: 42, parentRunId: 'p1' }), status: 'running', updatedAt: 42, events: 0 })
        expect(await readAll(store, 'r1')).toEqual([])
      })

      it('rejects a taken id with RunExistsError', async () => {
        await store.create(header('r1'))
        const error = await rejection(store.create(header('r1', { workflowId: 'other' })))
        expect(error).toBeInstanceOf(RunExistsError)
        expect((await store.get('r1'))?.workflowId).toBe('wf')
      })

      it.each(['', '../x', '/abs', 'a/b', 'a\\b', 'a\0b', '..', 'a..b', '.hidden', '-dash', 'x'.repeat(129), 'sp ace'])('rejects the unusable run id %j with InvalidRunIdError', async (runId) => {
        const error = await rejection(store.create(header(runId)))
        expect(error).toBeInstanceOf(InvalidRunIdError)
        expect(isWeftError(error, 'WEFT_INVALID_RUN_ID')).toBe(true)
      })

      it('accepts every character a run id may hold', async () => {
        const runId = 'Run_1.a:b-C'
        await store.create(header(runId))
        await append(store, runId, events(runId, 1, 2))
        expect((await store.get(runId))?.events).toBe(2)
        expect((await listAll(store)).map((r) => r.runId)).toEqual([runId])
      })

      it('get of an unknown run is undefined', async () => {
        expect(await store.get('nope')).toBeUndefined()
      })

      it('refuses an incomplete header with InvalidArgumentError naming what is missing, and creates nothing', async () => {
        const error = await rejection(store.create({ runId: 'r1', workflowId: 'wf' } as never))
        expect(error).toBeInstanceOf(InvalidArgumentError)
        expect((error as Error).message).toMatch(/^Expected `header` to be a RunHeader \(\/ must have required properties version, fingerprint, createdAt\)/)
        expect(await store.get('r1')).toBeUndefined()
        expect(await listAll(store)).toEqual([])
      })
    })

    describe('append', () => {
      beforeEach(async () => {
        await store.create(header('r1'))
      })

      it('accepts batches whose sequence numbers continue the journal', async () => {
        await append(store, 'r1', events('r1', 1, 1))
        await append(store, 'r1', events('r1', 2, 4))
        await append(store, 'r1', events('r1', 5, 5))
        expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 5))
      })

      it('rejects a batch with a gap with JournalSequenceError and writes none of it', async () => {
        const error = await rejection(append(store, 'r1', [event('r1', 1), event('r1', 2), event('r1', 4)]))
        expect(error).toBeInstanceOf(JournalSequenceError)
        expect((error as JournalSequenceError).data).toEqual({ runId: 'r1', expected: 3, found: 4 })
        expect(await readAll(store, 'r1')).toEqual([])
        expect((await store.get('r1'))?.events).toBe(0)
      })

      it('rejects a batch that does not start at the next sequence number', async () => {
        expect(await rejection(append(store, 'r1', events('r1', 2, 3)))).toBeInstanceOf(JournalSequenceError)
        await append(store, 'r1', events('r1', 1, 2))
        expect(await rejection(append(store, 'r1', events('r1', 2, 3)))).toBeInstanceOf(JournalSequenceError)
        expect(await rejection(append(store, 'r1', events('r1', 4, 4)))).toBeInstanceOf(JournalSequenceError)
        await append(store, 'r1', events('r1', 3, 3))
        expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 3))
      })

      it('rejects an unknown run with RunNotFoundError', async () => {
        expect(await rejection(append(store, 'nope', events('nope', 1, 1)))).toBeInstanceOf(RunNotFoundError)
      })

      it('accepts an empty batch without changing anything', async () => {
        await append(store, 'r1', [])
        await append(store, 'r1', events('r1', 1, 2))
        await append(store, 'r1', [])
        expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 2))
      })

      it('resolves appends to one run in call order', async () => {
        const order: number[] = []
        const pending = [1, 2, 3, 4, 5, 6].map((seq) => append(store, 'r1', [event('r1', seq)]).then(() => order.push(seq)))
        await Promise.all(pending)
        expect(order).toEqual([1, 2, 3, 4, 5, 6])
        expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 6))
      })

      it('keeps runs apart when appends interleave', async () => {
        await store.create(header('r2'))
        const work: Promise<void>[] = []
        for (let seq = 1; seq <= 5; seq++) work.push(append(store, 'r1', [event('r1', seq)]), append(store, 'r2', [event('r2', seq)]))
        await Promise.all(work)
        expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 5))
        expect(await readAll(store, 'r2')).toEqual(events('r2', 1, 5))
      })

      it('keeps the event objects, not the array the caller reuses', async () => {
        const batch = events('r1', 1, 2)
        await append(store, 'r1', batch)
        batch.length = 0
        batch.push(event('r1', 3))
        await append(store, 'r1', batch)
        expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 3))
      })

      it('round-trips every kind of event', async () => {
        const all: JournalEvent[] = [
          { seq: 1, at: 1, runId: 'r1', type: 'run.started', workflowId: 'wf', version: '1', fingerprint: 'fp', input: { tag: 'v1', n: [1, 2.5, null], deep: { ok: true } }, seed: 3, concurrency: 2, failurePolicy: 'continue' },
          { seq: 2, at: 2, runId: 'r1', type: 'step.started', stepId: 'a', attempt: 1 },
          { seq: 3, at: 3, runId: 'r1', type: 'step.failed', stepId: 'a', attempt: 1, error: { name: 'Error', message: 'no\nway\t"quoted"', code: 'E', data: { x: 1 } }, willRetry: true, delayMs: 250 },
          { seq: 4, at: 4, runId: 'r1', type: 'step.succeeded', stepId: 'a', attempt: 2, output: 'ünïcødé ✓ \u2028' },
          { seq: 5, at: 5, runId: 'r1', type: 'step.skipped', stepId: 'b', reason: 'dependency-failed', dependency: 'a' },
          { seq: 6, at: 6, runId: 'r1', type: 'step.cancelled', stepId: 'c', attempt: 1, reason: 'fail-fast' },
          { seq: 7, at: 7, runId: 'r1', type: 'plugin.recorded', plugin: 'p', name: 'n', data: [1, { y: 'z' }] },
          { seq: 8, at: 8, runId: 'r1', type: 'run.resumed', restarted: ['a'] },
          terminal('r1', 9, 'run.failed', 9),
        ]
        await append(store, 'r1', all.slice(0, 4))
        await append(store, 'r1', all.slice(4))
        expect(await readAll(store, 'r1')).toEqual(all)
      })
    })

    describe('read', () => {
      it('yields events in sequence order across batches', async () => {
        await store.create(header('r1'))
        for (let seq = 1; seq <= 20; seq += 4) await append(store, 'r1', events('r1', seq, seq + 3))
        expect((await readAll(store, 'r1')).map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
      })

      it('rejects an unknown run with RunNotFoundError', async () => {
        expect(await rejection(readAll(store, 'nope'))).toBeInstanceOf(RunNotFoundError)
      })
    })

    describe('get and list', () => {
      it('derive status, updatedAt and event count from the journal', async () => {
        const ends = { ok: 'run.succeeded', bad: 'run.failed', stop: 'run.cancelled' } as const
        for (const [runId, type] of Object.entries(ends)) {
          await store.create(header(runId))
          await append(store, runId, events(runId, 1, 3))
          await append(store, runId, [terminal(runId, 4, type, 5000)])
        }
        await store.create(header('live'))
        await append(store, 'live', events('live', 1, 2))
        expect(await store.get('ok')).toMatchObject({ status: 'succeeded', updatedAt: 5000, events: 4 })
        expect(await store.get('bad')).toMatchObject({ status: 'failed', updatedAt: 5000, events: 4 })
        expect(await store.get('stop')).toMatchObject({ status: 'cancelled', updatedAt: 5000, events: 4 })
        expect(await store.get('live')).toMatchObject({ status: 'running', updatedAt: 1002, events: 2 })
      })

      it('list is newest first: greater createdAt first, then the later created', async () => {
        await store.create(header('a', { createdAt: 10 }))
        await store.create(header('b', { createdAt: 20 }))
        await store.create(header('c', { createdAt: 20 }))
        await store.create(header('d', { createdAt: 5 }))
        await store.create(header('e', { createdAt: 20 }))
        expect((await listAll(store)).map((r) => r.runId)).toEqual(['e', 'c', 'b', 'a', 'd'])
      })

      it('list filters by status and workflow and applies the limit after filtering', async () => {
        const runs = [
          ['w1-a', 'w1', 'run.succeeded'],
          ['w2-a', 'w2', 'run.succeeded'],
          ['w1-b', 'w1', undefined],
          ['w1-c', 'w1', 'run.succeeded'],
          ['w2-b', 'w2', 'run.failed'],
          ['w1-d', 'w1', 'run.succeeded'],
        ] as const
        for (const [i, [runId, workflowId, end]] of runs.entries()) {
          await store.create(header(runId, { workflowId, createdAt: 100 + i }))
          await append(store, runId, events(runId, 1, 1))
          if (end !== undefined) await append(store, runId, [terminal(runId, 2, end)])
        }
        const ids = async (filter: Parameters<RunStore['list']>[0]): Promise<string[]> => (await listAll(store, filter)).map((r) => r.runId)
        expect(await ids({})).toEqual(['w1-d', 'w2-b', 'w1-c', 'w1-b', 'w2-a', 'w1-a'])
        expect(await ids({ workflowId: 'w1' })).toEqual(['w1-d', 'w1-c', 'w1-b', 'w1-a'])
        expect(await ids({ status: 'succeeded' })).toEqual(['w1-d', 'w1-c', 'w2-a', 'w1-a'])
        expect(await ids({ status: 'succeeded', workflowId: 'w1', limit: 2 })).toEqual(['w1-d', 'w1-c'])
        expect(await ids({ status: 'running' })).toEqual(['w1-b'])
        expect(await ids({ limit: 0 })).toEqual([])
        expect(await ids({ workflowId: 'none' })).toEqual([])
      })

      it('list of an empty store yields nothing', async () => {
        expect(await listAll(store)).toEqual([])
      })

      it.each([
        [{ limit: -1 }, 'Expected `limit` to be an integer from 0, got `-1 (number)`'],
        [{ limit: 1.5 }, 'Expected `limit` to be an integer from 0, got `1.5 (number)`'],
        [{ status: 'done' }, 'Expected `status` to be one of running, succeeded, failed, cancelled, compensated, compensation-failed, got `"done" (string)`'],
        [{ workflowId: 7 }, 'Expected `workflowId` to be a string, got `7 (number)`'],
      ])('list refuses the filter %j with InvalidArgumentError', async (filter, message) => {
        const error = await rejection(listAll(store, filter as never))
        expect(error).toBeInstanceOf(InvalidArgumentError)
        expect((error as Error).message).toBe(message)
      })
    })

    if (capabilities.includes('leases')) describe('leases and fencing', () => {
      beforeEach(async () => {
        expectCapability(store, 'leases')
        await store.create(header('r1'))
      })

      it('grants token 1 and refuses another owner while the lease lives', async () => {
        const lease = await store.acquireLease!('r1', 'engine-a', 1000)
        expect(lease).toEqual({ runId: 'r1', owner: 'engine-a', token: 1, expiresAt: 1_001_000 })
        await clock.advance(999)
        expect(await store.acquireLease!('r1', 'engine-b', 1000)).toBeUndefined()
      })

      it('renews when the same owner acquires again: same token, later expiry', async () => {
        await store.acquireLease!('r1', 'engine-a', 1000)
        await clock.advance(500)
        expect(await store.acquireLease!('r1', 'engine-a', 1000)).toEqual({ runId: 'r1', owner: 'engine-a', token: 1, expiresAt: 1_001_500 })
        await clock.advance(900)
        expect(await store.acquireLease!('r1', 'engine-b', 1000)).toBeUndefined()
      })

      it('after expiry another owner takes over with a higher token; the old holder can no longer renew', async () => {
        const old = (await store.acquireLease!('r1', 'engine-a', 1000))!
        await clock.advance(1000)
        const next = await store.acquireLease!('r1', 'engine-b', 1000)
        expect(next).toMatchObject({ owner: 'engine-b', token: 2 })
        const error = await rejection(store.renewLease!(old, 1000))
        expect(error).toBeInstanceOf(LeaseLostError)
        expect(isWeftError(error, 'WEFT_LEASE_LOST')).toBe(true)
        expect((error as LeaseLostError).data).toMatchObject({ runId: 'r1', token: 1, current: 2 })
      })

      it('renew extends a lease, even an expired one nobody took', async () => {
        const lease = (await store.acquireLease!('r1', 'engine-a', 1000))!
        await clock.advance(800)
        expect(await store.renewLease!(lease, 1000)).toEqual({ ...lease, expiresAt: 1_001_800 })
        await clock.advance(5000)
        expect(await store.renewLease!(lease, 1000)).toEqual({ ...lease, expiresAt: 1_006_800 })
      })

      it('release frees the run at once; the next acquisition gets a higher token', async () => {
        const lease = (await store.acquireLease!('r1', 'engine-a', 60_000))!
        await store.releaseLease!(lease)
        await store.releaseLease!(lease)
        expect(await rejection(store.renewLease!(lease, 1000))).toBeInstanceOf(LeaseLostError)
        expect(await store.acquireLease!('r1', 'engine-b', 1000)).toMatchObject({ owner: 'engine-b', token: 2 })
        await store.releaseLease!(lease) // no longer current: nothing happens
        expect(await store.acquireLease!('r1', 'engine-c', 1000)).toBeUndefined()
      })

      it('issues strictly increasing tokens, including to the same owner after a release', async () => {
        const tokens: number[] = []
        for (let i = 0; i < 6; i++) {
          const lease = (await store.acquireLease!('r1', 'engine-a', 1000))!
          tokens.push(lease.token)
          if (i % 3 === 2) await clock.advance(1000)
          else await store.releaseLease!(lease)
        }
        expect(tokens).toEqual([1, 2, 3, 4, 5, 6])
      })

      it('keeps leases per run', async () => {
        await store.create(header('r2'))
        expect(await store.acquireLease!('r1', 'engine-a', 1000)).toMatchObject({ token: 1 })
        expect(await store.acquireLease!('r2', 'engine-b', 1000)).toMatchObject({ token: 1 })
      })

      it('fences appends: the current token appends, a superseded token is refused and writes nothing', async () => {
        await append(store, 'r1', events('r1', 1, 1), { fence: 1 }) // no lease yet: nothing newer
        const first = (await store.acquireLease!('r1', 'engine-a', 1000))!
        await append(store, 'r1', events('r1', 2, 3), { fence: first.token })
        await clock.advance(1000)
        const second = (await store.acquireLease!('r1', 'engine-b', 1000))!
        const error = await rejection(append(store, 'r1', events('r1', 4, 5), { fence: first.token }))
        expect(error).toBeInstanceOf(LeaseLostError)
        expect((error as LeaseLostError).data).toMatchObject({ runId: 'r1', token: 1, current: 2 })
        expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 3))
        await append(store, 'r1', events('r1', 4, 5), { fence: second.token })
        await append(store, 'r1', events('r1', 6, 6)) // unfenced appends are not checked
        expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 6))
      })

      it('rejects leases on unknown runs with RunNotFoundError', async () => {
        expect(await rejection(store.acquireLease!('nope', 'engine-a', 1000))).toBeInstanceOf(RunNotFoundError)
      })

      it('rejects bad lease arguments', async () => {
        for (const [owner, ttl] of [['', 1000], ['engine-a', 0], ['engine-a', -5], ['engine-a', Number.NaN], ['engine-a', Number.POSITIVE_INFINITY]] as const) {
          expect(isWeftError(await rejection(store.acquireLease!('r1', owner, ttl)), 'WEFT_INVALID_ARGUMENT')).toBe(true)
        }
      })

      it('orphans are running runs without a live lease, newest first', async () => {
        await store.create(header('r2', { createdAt: 2000 }))
        await store.create(header('r3', { createdAt: 3000 }))
        await store.create(header('done', { createdAt: 4000 }))
        await append(store, 'done', [event('done', 1), terminal('done', 2, 'run.succeeded')])
        await store.acquireLease!('r1', 'engine-a', 1000)
        await store.acquireLease!('r2', 'engine-a', 5000)
        expect(await store.orphans!()).toEqual(['r3'])
        await clock.advance(1000)
        expect(await store.orphans!()).toEqual(['r3', 'r1'])
        expect(await store.orphans!(clock.now() + 5000)).toEqual(['r3', 'r2', 'r1'])
      })
    })

    if (capabilities.includes('createLeased')) describe('createLeased', () => {
      beforeEach(() => expectCapability(store, 'createLeased'))

      it('records the run and grants its lease (token 1) in one call; the lease fences appends', async () => {
        const lease = await store.createLeased!(header('r1'), 'engine-a', 1000)
        expect(lease).toEqual({ runId: 'r1', owner: 'engine-a', token: 1, expiresAt: 1_001_000 })
        expect(await store.get('r1')).toMatchObject({ runId: 'r1', workflowId: 'wf', status: 'running', events: 0 })
        expect(await store.acquireLease!('r1', 'engine-b', 1000)).toBeUndefined()
        await append(store, 'r1', events('r1', 1, 2), { fence: lease!.token })
        await clock.advance(1000)
        expect(await store.acquireLease!('r1', 'engine-b', 1000)).toMatchObject({ token: 2 })
        expect(await rejection(append(store, 'r1', events('r1', 3, 3), { fence: lease!.token }))).toBeInstanceOf(LeaseLostError)
        expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 2))
      })

      it('on a taken id rejects with RunExistsError and leaves the run and its lease as they were', async () => {
        await store.create(header('r1', { workflowId: 'first' }))
        await append(store, 'r1', events('r1', 1, 1))
        const error = await rejection(store.createLeased!(header('r1', { workflowId: 'second' }), 'engine-a', 1000))
        expect(error).toBeInstanceOf(RunExistsError)
        expect(await store.get('r1')).toMatchObject({ workflowId: 'first', events: 1 })
        // No lease is left held by engine-a: another owner gets the run's lease at once.
        expect(await store.acquireLease!('r1', 'engine-b', 1000)).toMatchObject({ owner: 'engine-b' })
      })

      it('on a taken id whose lease another owner holds, rejects with RunExistsError and that lease stays', async () => {
        await store.create(header('r1'))
        const held = (await store.acquireLease!('r1', 'engine-b', 5000))!
        expect(await rejection(store.createLeased!(header('r1'), 'engine-a', 1000))).toBeInstanceOf(RunExistsError)
        expect(await store.acquireLease!('r1', 'engine-b', 5000)).toMatchObject({ token: held.token })
        expect(await store.acquireLease!('r1', 'engine-c', 1000)).toBeUndefined()
      })

      it("journals the run's first events with its creation, as an append right after would", async () => {
        const lease = (await store.createLeased!(header('r1'), 'engine-a', 1000, events('r1', 1, 3)))!
        expect(lease).toMatchObject({ owner: 'engine-a', token: 1 })
        expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 3))
        expect(await store.get('r1')).toMatchObject({ status: 'running', events: 3 })
        await append(store, 'r1', events('r1', 4, 4), { fence: lease.token })
        expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 4))
        // Finished at creation: the summary says so.
        await store.createLeased!(header('r2'), 'engine-a', 1000, [...events('r2', 1, 1), terminal('r2', 2, 'run.succeeded')])
        expect(await store.get('r2')).toMatchObject({ status: 'succeeded', events: 2 })
        // No events: as without them.
        await store.createLeased!(header('r3'), 'engine-a', 1000, [])
        expect(await store.get('r3')).toMatchObject({ status: 'running', events: 0 })
      })

      it('refuses first events that do not start the journal, and records no run', async () => {
        for (const batch of [events('r1', 2, 3), [...events('r1', 1, 1), ...events('r1', 3, 3)]]) {
          expect(await rejection(store.createLeased!(header('r1'), 'engine-a', 1000, batch))).toBeInstanceOf(JournalSequenceError)
        }
        expect(isWeftError(await rejection(store.createLeased!(header('r1'), 'engine-a', 1000, {} as never)), 'WEFT_INVALID_ARGUMENT')).toBe(true)
        expect(await store.get('r1')).toBeUndefined()
        const lease = await store.createLeased!(header('r1'), 'engine-b', 1000, events('r1', 1, 1))
        expect(lease).toMatchObject({ owner: 'engine-b', token: 1 })
      })

      it('on a taken id appends none of the first events', async () => {
        await store.create(header('r1', { workflowId: 'first' }))
        await append(store, 'r1', events('r1', 1, 1))
        expect(await rejection(store.createLeased!(header('r1', { workflowId: 'second' }), 'engine-a', 1000, events('r1', 1, 2)))).toBeInstanceOf(RunExistsError)
        expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 1))
      })

      it('checks its arguments before recording anything', async () => {
        for (const [owner, ttl] of [['', 1000], ['engine-a', 0], ['engine-a', Number.NaN]] as const) {
          expect(isWeftError(await rejection(store.createLeased!(header('r1'), owner, ttl)), 'WEFT_INVALID_ARGUMENT')).toBe(true)
        }
        expect(await rejection(store.createLeased!(header('../x'), 'engine-a', 1000))).toBeInstanceOf(InvalidRunIdError)
        expect(await store.get('r1')).toBeUndefined()
      })
    })

    if (capabilities.includes('maintenance')) describe('prune and health', () => {
      beforeEach(() => expectCapability(store, 'maintenance'))

      async function finished(runId: string, createdAt: number, endAt: number): Promise<void> {
        await store.create(header(runId, { createdAt }))
        await append(store, runId, [event(runId, 1), terminal(runId, 2, 'run.succeeded', endAt)])
      }

      it('removes finished runs older than `olderThan`, never running ones', async () => {
        await finished('old', 1, 1_000_000 - 10_000)
        await finished('new', 2, 1_000_000 - 10)
        await store.create(header('ancient-but-running', { createdAt: 0 }))
        expect(await store.prune!({ olderThan: 5000 })).toEqual(['old'])
        expect(await store.get('old')).toBeUndefined()
        expect(await rejection(readAll(store, 'old'))).toBeInstanceOf(RunNotFoundError)
        expect((await listAll(store)).map((r) => r.runId)).toEqual(['new', 'ancient-but-running'])
      })

      it('keeps the `keepLast` newest finished runs', async () => {
        for (let i = 1; i <= 5; i++) await finished(`f${i}`, i * 10, 1_000_000)
        await store.create(header('live', { createdAt: 1 }))
        expect((await store.prune!({ keepLast: 2 })).sort()).toEqual(['f1', 'f2', 'f3'])
        expect((await listAll(store)).map((r) => r.runId)).toEqual(['f5', 'f4', 'live'])
        expect(await store.prune!({ keepLast: 2 })).toEqual([])
      })

      it('removes only runs meeting both conditions when both are given', async () => {
        await finished('a', 10, 1_000_000 - 50_000)
        await finished('b', 20, 1_000_000 - 50_000)
        await finished('c', 30, 1_000_000)
        expect(await store.prune!({ keepLast: 1, olderThan: 1000 })).toEqual(['b', 'a'])
      })

      it('lets a pruned id be used again', async () => {
        await finished('x', 1, 0)
        expect(await store.prune!({ olderThan: 0 })).toEqual(['x'])
        await store.create(header('x'))
        expect(await store.get('x')).toMatchObject({ status: 'running', events: 0 })
      })

      it('requires a condition', async () => {
        expect(isWeftError(await rejection(store.prune!({})), 'WEFT_INVALID_ARGUMENT')).toBe(true)
        expect(isWeftError(await rejection(store.prune!({ keepLast: -1 })), 'WEFT_INVALID_ARGUMENT')).toBe(true)
      })

      it('health reports ok with named checks', async () => {
        const report = await store.health!()
        expect(report.ok).toBe(true)
        expect(report.checks.length).toBeGreaterThan(0)
        for (const check of report.checks) expect(check).toEqual({ name: expect.any(String), ok: true, detail: expect.any(String) })
      })
    })
  })
}
