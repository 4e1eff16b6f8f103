import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { indexGraph, ReadyQueue, Scheduler, schedulePlan, type GraphNode } from '../../src/index.js'

function randomDag(n: number, density: number, seed: number): GraphNode[] {
  let s = seed
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  return Array.from({ length: n }, (_, i) => ({ id: `n${i}`, needs: Array.from({ length: i }, (_, j) => j).filter(() => rnd() < density).map((j) => `n${j}`) }))
}

describe('ReadyQueue', () => {
  it('pops in rank order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(1000), { minLength: 1, maxLength: 200 }), (ranks) => {
        const rank = Int32Array.from(ranks)
        const q = new ReadyQueue(rank)
        ranks.forEach((_, i) => q.push(i))
        const out: number[] = []
        for (let x = q.pop(); x >= 0; x = q.pop()) out.push(rank[x]!)
        expect(out).toEqual([...ranks].sort((a, b) => a - b))
      }),
    )
  })

  it('serves like a single heap under any mix of pushes (in and out of rank order), peeks and pops, at full capacity', () => {
    // Ops: a node index to push (each at most once), or -1 to pop. Sorted runs exercise the FIFO
    // part, descending ranks the heap part, and the ring buffer wraps when pops interleave.
    const scenario = fc.integer({ min: 1, max: 60 }).chain((n) =>
      fc.record({
        ranks: fc.uniqueArray(fc.nat(10_000), { minLength: n, maxLength: n }),
        order: fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }),
        sortRuns: fc.boolean(),
        pops: fc.array(fc.nat(n), { maxLength: n }),
        capacity: fc.integer({ min: 0, max: n }),
      }),
    )
    fc.assert(
      fc.property(scenario, ({ ranks, order, sortRuns, pops, capacity }) => {
        const rank = Int32Array.from(ranks)
        const pushes = sortRuns ? [...order].sort((a, b) => rank[a]! - rank[b]!) : order
        const q = new ReadyQueue(rank, Math.max(1, capacity))
        const model: number[] = []
        const popBoth = (): void => {
          const want = model.length === 0 ? -1 : model.reduce((best, x) => (rank[x]! < rank[best]! ? x : best))
          expect(q.peek()).toBe(want)
          expect(q.pop()).toBe(want)
          if (want >= 0) model.splice(model.indexOf(want), 1)
          expect(q.size).toBe(model.length)
        }
        let p = 0
        for (const node of pushes) {
          if (model.length === Math.max(1, capacity)) popBoth() // never more than `capacity` queued
          q.push(node)
          model.push(node)
          expect(q.size).toBe(model.length)
          while (p < pops.length && pops[p]! % 3 === 0) {
            popBoth()
            p++
          }
          p++
        }
        while (model.length > 0) popBoth()
        expect(q.pop()).toBe(-1)
        expect(q.peek()).toBe(-1)
      }),
    )
  })
})

describe('Scheduler', () => {
  it('orders ready steps by priority, then critical path, then declaration', () => {
    const nodes: GraphNode[] = [
      { id: 'short', needs: [] },
      { id: 'long', needs: [] },
      { id: 'long2', needs: ['long'] },
      { id: 'urgent', needs: [] },
    ]
    const { graph } = indexGraph(nodes)
    const plan = schedulePlan(graph, { priority: (i) => (i === 3 ? 10 : 0) })
    const s = new Scheduler(plan, { concurrency: 1 })
    const order: string[] = []
    for (let i = s.take(); i >= 0; i = s.take()) {
      order.push(nodes[i]!.id)
      s.settle(i, true)
    }
    expect(order).toEqual(['urgent', 'long', 'short', 'long2'])
  })

  it('respects the concurrency limit and every dependency (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.double({ min: 0, max: 0.3, noNaN: true }), fc.integer(), fc.integer({ min: 1, max: 8 }), fc.integer(), (n, density, seed, limit, order) => {
        const nodes = randomDag(n, density, seed)
        const { graph } = indexGraph(nodes)
        const s = new Scheduler(schedulePlan(graph), { concurrency: limit })
        const done = new Set<number>()
        const running: number[] = []
        let pick = order
        while (!s.done) {
          for (let i = s.take(); i >= 0; i = s.take()) {
            for (const need of nodes[i]!.needs) expect(done.has(Number(need.slice(1)))).toBe(true)
            running.push(i)
            expect(running.length).toBeLessThanOrEqual(limit)
          }
          expect(running.length).toBeGreaterThan(0) // no deadlock
          pick = (pick * 31 + 7) >>> 0
          const [finished] = running.splice(pick % running.length, 1)
          done.add(finished!)
          s.settle(finished!, true)
        }
        expect(done.size).toBe(n)
      }),
      { numRuns: 200 },
    )
  })

  it('blocks the dependents of a failed step', () => {
    const nodes: GraphNode[] = [
      { id: 'a', needs: [] },
      { id: 'b', needs: ['a'] },
      { id: 'c', needs: ['b'] },
      { id: 'd', needs: [] },
    ]
    const s = new Scheduler(schedulePlan(indexGraph(nodes).graph))
    const a = s.take()
    const d = s.take()
    expect([a, d]).toEqual([0, 3])
    s.settle(a, false)
    expect(s.take()).toBe(-1)
    const b = s.takeBlocked()
    expect(b).toBe(1)
    expect(s.blocker(b)).toBe(0)
    s.settle(b, false)
    expect(s.takeBlocked()).toBe(2)
    s.settle(2, false)
    s.settle(d, true)
    expect(s.done).toBe(true)
  })
})
