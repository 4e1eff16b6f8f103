import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSlotPool, indexGraph, Scheduler, schedulePlan, type GraphNode, type SchedulePlan, type SlotGrant } from '../../src/index.js'
import { prng, randomScenario } from './helpers.js'

function independent(prefix: string, n: number): GraphNode[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, needs: [] }))
}

function planWith(nodes: GraphNode[], resources?: (i: number) => Record<string, number> | undefined): SchedulePlan {
  return schedulePlan(indexGraph(nodes).graph, resources === undefined ? {} : { resources })
}

/** Grants until none, then finishes the oldest running node; returns the owners in grant order. */
function serve(slots: ReturnType<typeof createSlotPool<string>>, members: Record<string, Scheduler>, onGrant?: (g: SlotGrant<string>) => void): string[] {
  const running: SlotGrant<string>[] = []
  const owners: string[] = []
  while (Object.values(members).some((m) => !m.done)) {
    for (let g = slots.take(); g !== undefined; g = slots.take()) {
      running.push(g)
      owners.push(g.owner)
      onGrant?.(g)
    }
    const g = running.shift()
    if (g === undefined) throw new Error('deadlock')
    members[g.owner]!.settle(g.node, true)
  }
  return owners
}

describe('createSlotPool (limits shared by several runs)', () => {
  it('serves runs round-robin: a huge run does not hold back a small one', () => {
    const slots = createSlotPool<string>({ concurrency: 2 })
    const huge = new Scheduler(planWith(independent('h', 500)), { shared: slots, owner: 'huge' })
    const small = new Scheduler(planWith(independent('s', 3)), { shared: slots, owner: 'small' })
    const owners = serve(slots, { huge, small })
    expect(owners.slice(0, 6)).toEqual(['huge', 'small', 'huge', 'small', 'huge', 'small'])
    expect(owners.length).toBe(503)
  })

  it('a member that joins later gets the next turn', () => {
    const slots = createSlotPool<string>({ concurrency: 1 })
    const a = new Scheduler(planWith(independent('a', 5)), { shared: slots, owner: 'a' })
    const g1 = slots.take()!
    expect(g1.owner).toBe('a')
    a.settle(g1.node, true)
    const b = new Scheduler(planWith(independent('b', 1)), { shared: slots, owner: 'b' })
    const g2 = slots.take()!
    expect(g2.owner).toBe('b')
    b.settle(g2.node, true)
    expect(slots.take()!.owner).toBe('a')
  })

  it('never exceeds the shared concurrency, pools or key limits across runs; no deadlock; deterministic (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 4 }), fc.constantFrom(1, 3, 6, Infinity), fc.constantFrom(0, 2, 8), (seed, memberCount, concurrency, backfillLimit) => {
        const base = randomScenario(seed, 30)
        const run = (): string[] => {
          const rnd = prng(seed)
          const slots = createSlotPool<string>({ concurrency, pools: base.pools, limits: base.limits, backfillLimit })
          const scenarios = Array.from({ length: memberCount }, (_, m) => (m === 0 ? base : { ...randomScenario(seed + m, 30), pools: base.pools, limits: base.limits }))
          // Member scenarios draw demands from their own pools: re-draw them against the shared pools.
          const fixed = scenarios.map((s, m) => ({ ...s, demand: m === 0 ? s.demand : s.nodes.map((_, i) => base.demand[i % base.demand.length]) }))
          const members: Record<string, Scheduler> = {}
          const plans: Record<string, SchedulePlan> = {}
          fixed.forEach((s, m) => {
            const plan = schedulePlan(indexGraph(s.nodes).graph, { resources: (i) => s.demand[i], concurrencyKey: (i) => base.key[i % base.key.length] })
            plans[`m${m}`] = plan
            members[`m${m}`] = new Scheduler(plan, { shared: slots, owner: `m${m}`, concurrency: 1 + Math.floor(rnd() * 4) })
          })
          const running: SlotGrant<string>[] = []
          const order: string[] = []
          const pick = prng(seed ^ 0x5bd1e995)
          while (Object.values(members).some((s) => !s.done)) {
            for (let g = slots.take(); g !== undefined; g = slots.take()) {
              running.push(g)
              order.push(`${g.owner}:${g.node}`)
              expect(running.length).toBeLessThanOrEqual(concurrency)
              expect(slots.running).toBe(running.length)
              for (const [pool, cap] of Object.entries(base.pools)) {
                const used = running.reduce((sum, r) => sum + (fixed[Number(r.owner.slice(1))]!.demand[r.node]?.[pool] ?? 0), 0)
                expect(used).toBeLessThanOrEqual(cap + 1e-9 * Math.max(1, cap))
              }
              for (const [key, limit] of Object.entries(base.limits)) {
                expect(running.filter((r) => base.key[r.node % base.key.length] === key).length).toBeLessThanOrEqual(limit)
              }
            }
            expect(running.length).toBeGreaterThan(0) // no deadlock
            const [g] = running.splice(Math.floor(pick() * running.length), 1)
            members[g!.owner]!.settle(g!.node, true)
          }
          const total = fixed.reduce((sum, s) => sum + s.nodes.length, 0)
          expect(new Set(order).size).toBe(total) // each node of each run exactly once
          expect(order.length).toBe(total)
          expect(slots.running).toBe(0)
          return order
        }
        expect(run()).toEqual(run())
      }),
      { numRuns: 150 },
    )
  })

  it('a run whose large node waits for shared capacity is served alone after backfillLimit grants', () => {
    /** Grants to A between B's big node becoming ready and B's big node starting. */
    const scenario = (backfillLimit: number): { grantsToAWhileBigWaited: number; bigStartedAt: number; grants: number } => {
      const slots = createSlotPool<string>({ pools: { cpu: 4 }, backfillLimit })
      const a = new Scheduler(planWith(independent('a', 40), () => ({ cpu: 1 })), { shared: slots, owner: 'a' })
      // B: a 1-cpu gate, then a big node asking for the whole pool.
      const b = new Scheduler(
        planWith([{ id: 'gate', needs: [] }, { id: 'big', needs: ['gate'] }], (i) => ({ cpu: i === 1 ? 4 : 1 })),
        { shared: slots, owner: 'b' },
      )
      const members: Record<string, Scheduler> = { a, b }
      const running: SlotGrant<string>[] = []
      let grants = 0
      let bigReadyAt = -1
      let bigStartedAt = -1
      let toA = 0
      while (!a.done || !b.done) {
        for (let g = slots.take(); g !== undefined; g = slots.take()) {
          running.push(g)
          grants++
          if (g.owner === 'b' && g.node === 1) bigStartedAt = grants
          else if (g.owner === 'a' && bigReadyAt >= 0 && bigStartedAt < 0) toA++
        }
        const g = running.shift()! // finish the oldest
        members[g.owner]!.settle(g.node, true)
        if (g.owner === 'b' && g.node === 0) bigReadyAt = grants
      }
      return { grantsToAWhileBigWaited: toA, bigStartedAt, grants }
    }
    const unfair = scenario(Infinity)
    expect(unfair.bigStartedAt).toBe(unfair.grants) // without the rule B's big node waits for all of A
    for (const limit of [0, 1, 3, 8]) {
      const fair = scenario(limit)
      // the limit, plus at most one grant per member before the pool sees B blocked again
      expect(fair.grantsToAWhileBigWaited).toBeLessThanOrEqual(limit + 2)
      expect(fair.bigStartedAt).toBeLessThan(unfair.bigStartedAt)
    }
  })

  it('close() leaves the pool and returns what the run still held', () => {
    const slots = createSlotPool<string>({ concurrency: 3, pools: { cpu: 2 } })
    const a = new Scheduler(planWith(independent('a', 4), () => ({ cpu: 1 })), { shared: slots, owner: 'a' })
    const b = new Scheduler(planWith(independent('b', 4), () => ({ cpu: 1 })), { shared: slots, owner: 'b' })
    expect(slots.members).toBe(2)
    expect([slots.take()?.owner, slots.take()?.owner, slots.take()]).toEqual(['a', 'b', undefined])
    a.close() // a failed fast: its running node is abandoned
    expect(slots.members).toBe(1)
    expect(slots.running).toBe(1)
    expect(a.take()).toBe(-1)
    a.settle(0, false) // a late settle of the abandoned node frees nothing twice
    expect(slots.running).toBe(1)
    expect(slots.take()?.owner).toBe('b')
    expect(slots.take()).toBeUndefined()
    void b
  })

  it('checks pools and limits against the shared ones too', () => {
    const slots = createSlotPool({ pools: { gpu: 1 } })
    const plan = planWith(independent('g', 1), () => ({ gpu: 2 }))
    expect(() => new Scheduler(plan, { shared: slots })).toThrow(/asks 2 of pool "gpu", which holds 1/)
    // the smaller of the run's own and the shared capacity counts
    expect(() => new Scheduler(planWith(independent('g', 1), () => ({ gpu: 1 })), { shared: createSlotPool({ pools: { gpu: 4 } }), pools: { gpu: 0.5 } })).toThrow(/holds 0.5/)
  })

  it('rejects invalid options with exact messages', () => {
    expect(() => createSlotPool({ concurrency: 0 })).toThrow('Expected `concurrency` to be an integer from 1 and up (or Infinity), got `0` (number)')
    expect(() => createSlotPool({ backfillLimit: -1 })).toThrow('Expected `backfillLimit` to be an integer from 0 and up (or Infinity), got `-1` (number)')
    expect(() => createSlotPool({ pools: { cpu: Number.NaN }, limits: { db: 1.5 } })).toThrow(/pool "cpu" must hold a number ≥ 0, got `NaN` \(number\)\n {2}limit "db" must be an integer ≥ 1 or Infinity, got `1.5` \(number\)/)
    expect(() => new Scheduler(planWith(independent('x', 1)), { shared: {} as never })).toThrow('Expected `shared` to be a pool made by createSlotPool()')
  })
})
