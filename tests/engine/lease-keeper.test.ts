import { setImmediate as nextMacrotask } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { LeaseKeeper } from '../../src/engine/lease-keeper.js'
import { memoryStore, SimulatedClock } from '../../src/index.js'

async function setup() {
  const clock = new SimulatedClock({ autoAdvance: false })
  const store = memoryStore({ clock })
  for (const runId of ['a', 'b']) await store.create({ runId, workflowId: 'w', version: '1', fingerprint: 'f', createdAt: 0 })
  let sleeps = 0
  const counting = { now: () => clock.now(), sleep: (ms: number, signal?: AbortSignal) => (sleeps++, clock.sleep(ms, signal)) }
  const keeper = new LeaseKeeper(store, 30_000, counting)
  const lease = async (runId: string) => (await store.acquireLease(runId, 'me', 30_000))!
  return { store, clock, keeper, lease, sleeps: () => sleeps }
}

describe('LeaseKeeper', () => {
  it('keeps one renewal loop across runs started back to back, and stops it once nothing is held', async () => {
    const { clock, keeper, lease, sleeps } = await setup()
    keeper.keep(await lease('a'), () => {})
    expect(clock.pending).toBe(1) // the renewal loop's wait
    const released = keeper.release('a')
    keeper.keep(await lease('b'), () => {}) // the next run starts before the loop is stopped
    await released
    await nextMacrotask()
    expect(clock.pending).toBe(1)
    expect(sleeps()).toBe(1) // the same loop: not stopped and started again
    await keeper.release('b')
    await nextMacrotask()
    expect(clock.pending).toBe(0) // nothing held: no timer left to keep a process alive
  })

  it('renews the leases it holds every ttl / 3, so they do not expire while kept', async () => {
    const { store, clock, keeper, lease } = await setup()
    const lost: unknown[] = []
    keeper.keep(await lease('a'), (error) => lost.push(error))
    await clock.advance(10_000) // first renewal: now valid until 40 s
    await clock.advance(25_000) // 35 s: past the first expiry (30 s)
    expect(await store.acquireLease('a', 'someone-else', 30_000)).toBeUndefined()
    expect(lost).toEqual([])
    await keeper.release('a')
    await nextMacrotask()
    expect(clock.pending).toBe(0)
    expect(await store.acquireLease('a', 'someone-else', 30_000)).toBeDefined() // released: free to take
  })

  it('reports a lease taken over by another owner as lost and stops renewing it', async () => {
    const { store, clock, keeper, lease } = await setup()
    const lost: unknown[] = []
    keeper.keep(await lease('a'), (error) => lost.push(error))
    await clock.advance(31_000) // renewed at 10 s, 20 s and 30 s
    expect(lost).toEqual([])
    await store.releaseLease((await store.acquireLease('a', 'me', 30_000))!) // "me" gives it up behind the keeper's back
    await store.acquireLease('a', 'thief', 30_000)
    await clock.advance(10_000)
    expect(lost).toHaveLength(1)
    expect((lost[0] as Error).name).toBe('LeaseLostError')
  })
})
