import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { indexGraph, topologicalOrder } from '../../src/graph/index.js'
import { dagArb, digraphArb, naiveStableOrder, predsOf } from './helpers.js'

describe('topologicalOrder', () => {
  it('orders the empty graph', () => {
    expect(Array.from(topologicalOrder(indexGraph([]).graph)!)).toEqual([])
  })

  it('prefers the lowest declaration index among ready nodes', () => {
    const { graph } = indexGraph([
      { id: 'late', needs: ['root'] },
      { id: 'other', needs: [] },
      { id: 'root', needs: [] },
      { id: 'leaf', needs: ['late', 'other'] },
    ])
    expect(Array.from(topologicalOrder(graph)!)).toEqual([1, 2, 0, 3])
  })

  it('returns undefined for a cycle or a self-dependency', () => {
    expect(topologicalOrder(indexGraph([{ id: 'a', needs: ['a'] }]).graph)).toBeUndefined()
    expect(
      topologicalOrder(
        indexGraph([
          { id: 'a', needs: ['c'] },
          { id: 'b', needs: ['a'] },
          { id: 'c', needs: ['b'] },
          { id: 'd', needs: [] },
        ]).graph,
      ),
    ).toBeUndefined()
  })

  it('property: a permutation that respects every edge (large DAGs)', () => {
    fc.assert(
      fc.property(dagArb(3000), (nodes) => {
        const { graph } = indexGraph(nodes)
        const order = topologicalOrder(graph)!
        expect(order).toBeInstanceOf(Int32Array)
        expect(order.length).toBe(graph.size)
        const position = new Int32Array(graph.size).fill(-1)
        let isPermutation = true
        order.forEach((v, k) => {
          if (position[v] !== -1) isPermutation = false
          position[v] = k
        })
        expect(isPermutation).toBe(true)
        const violations: [number, number][] = []
        for (let i = 0; i < graph.size; i++) for (const p of predsOf(graph, i)) if (position[p]! >= position[i]!) violations.push([p, i])
        expect(violations).toEqual([])
      }),
      { numRuns: 30 },
    )
  })

  it('property: equals the naive stable reference (small DAGs)', () => {
    fc.assert(
      fc.property(dagArb(40), (nodes) => {
        expect(Array.from(topologicalOrder(indexGraph(nodes).graph)!)).toEqual(naiveStableOrder(nodes))
      }),
      { numRuns: 300 },
    )
  })

  it('property: undefined exactly when the naive reference gets stuck (small digraphs)', () => {
    fc.assert(
      fc.property(digraphArb(10), (nodes) => {
        const order = topologicalOrder(indexGraph(nodes).graph)
        const naive = naiveStableOrder(nodes)
        expect(order === undefined ? undefined : Array.from(order)).toEqual(naive)
      }),
      { numRuns: 300 },
    )
  })
})
