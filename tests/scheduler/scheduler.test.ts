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
