import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ancestors, descendants, indexGraph, type GraphNode } from '../../src/graph/index.js'
import { dagArb, digraphArb, naivePredecessors, naiveReach, naiveSuccessors } from './helpers.js'

describe('ancestors / descendants', () => {
  const { graph } = indexGraph([
    { id: 'd', needs: ['b', 'c'] },
    { id: 'a', needs: [] },
    { id: 'b', needs: ['a'] },
    { id: 'c', needs: ['a'] },
    { id: 'e', needs: [] },
  ])

  it('returns transitive neighbours in declaration order, excluding the given ids', () => {
    expect(ancestors(graph, ['d'])).toEqual(['a', 'b', 'c'])
    expect(descendants(graph, ['a'])).toEqual(['d', 'b', 'c'])
    expect(ancestors(graph, ['a'])).toEqual([])
    expect(descendants(graph, ['e', 'd'])).toEqual([])
    expect(ancestors(graph, [])).toEqual([])
  })

  it('includes a given id reachable from another given id', () => {
    expect(ancestors(graph, ['d', 'b'])).toEqual(['a', 'b', 'c'])
  })

  it('includes a given id on a cycle', () => {
    const cyclic = indexGraph([
      { id: 'a', needs: ['b'] },
      { id: 'b', needs: ['a'] },
      { id: 's', needs: ['s'] },
    ]).graph
    expect(ancestors(cyclic, ['a'])).toEqual(['a', 'b'])
    expect(descendants(cyclic, ['s'])).toEqual(['s'])
  })

  it('throws a RangeError naming an unknown id', () => {
    expect(() => ancestors(graph, ['a', 'nope'])).toThrow(RangeError)
    expect(() => ancestors(graph, ['nope'])).toThrow(/"nope"/)
    expect(() => descendants(graph, ['zip'])).toThrow(/"zip"/)
  })

  const matchesNaive = (nodes: readonly GraphNode[], pick: number[]): void => {
    const { graph: g } = indexGraph(nodes)
    const seeds = nodes.length === 0 ? [] : pick.map((k) => nodes[k % nodes.length]!.id)
    const inOrder = (set: Set<string>): string[] => g.ids.filter((id) => set.has(id))
    expect(ancestors(g, seeds)).toEqual(inOrder(naiveReach(naivePredecessors(nodes), seeds)))
    expect(descendants(g, seeds)).toEqual(inOrder(naiveReach(naiveSuccessors(nodes), seeds)))
  }

  it('property: equals a naive BFS on small DAGs', () => {
    fc.assert(fc.property(dagArb(30), fc.array(fc.nat(), { maxLength: 4 }), matchesNaive), { numRuns: 300 })
  })

  it('property: equals a naive BFS on small graphs with cycles', () => {
    fc.assert(fc.property(digraphArb(12), fc.array(fc.nat(), { maxLength: 4 }), matchesNaive), { numRuns: 300 })
  })
})
