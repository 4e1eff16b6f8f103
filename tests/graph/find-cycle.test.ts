import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { criticalPath, findCycle, indexGraph, levelOf, levels, topologicalOrder, type GraphNode, type IndexedGraph } from '../../src/graph/index.js'
import { dagArb, digraphArb, hasEdge, naivePredecessors, naiveReach } from './helpers.js'

function expectRealCycle(g: IndexedGraph, cycle: string[] | undefined): void {
  expect(cycle).toBeDefined()
  const c = cycle!
  expect(c.length).toBeGreaterThanOrEqual(2)
  expect(c[0]).toBe(c[c.length - 1])
  expect(new Set(c.slice(0, -1)).size).toBe(c.length - 1)
  for (let k = 0; k + 1 < c.length; k++) {
    expect(hasEdge(g, g.indexOf.get(c[k]!)!, g.indexOf.get(c[k + 1]!)!)).toBe(true)
  }
}

describe('findCycle', () => {
  it('returns undefined for the empty graph and for DAGs', () => {
    expect(findCycle(indexGraph([]).graph)).toBeUndefined()
    expect(findCycle(indexGraph([{ id: 'a', needs: [] }, { id: 'b', needs: ['a'] }]).graph)).toBeUndefined()
  })

  it('reports a self-dependency as [a, a]', () => {
    expect(findCycle(indexGraph([{ id: 'x', needs: [] }, { id: 'a', needs: ['x', 'a'] }]).graph)).toEqual(['a', 'a'])
  })

  it('follows edges from a need to the node that needs it', () => {
    // b needs a, c needs b, a needs c: a -> b -> c -> a.
    const { graph } = indexGraph([
      { id: 'a', needs: ['c'] },
      { id: 'b', needs: ['a'] },
      { id: 'c', needs: ['b'] },
    ])
    expect(findCycle(graph)).toEqual(['a', 'b', 'c', 'a'])
  })

  it('is deterministic: starts from the lowest index', () => {
    const { graph } = indexGraph([
      { id: 'p', needs: ['q'] },
      { id: 'q', needs: ['p'] },
      { id: 'r', needs: ['s'] },
      { id: 's', needs: ['r'] },
    ])
    expect(findCycle(graph)).toEqual(['p', 'q', 'p'])
  })

  it('property: a back edge to an ancestor always yields a real cycle; ordering algorithms give undefined', () => {
    fc.assert(
      fc.property(
        dagArb(300).filter((nodes) => nodes.some((n) => n.needs.length > 0)),
        fc.nat(),
        fc.nat(),
        (dag, pickNode, pickAncestor) => {
          const withNeeds = dag.filter((n) => n.needs.length > 0)
          const v = withNeeds[pickNode % withNeeds.length]!
          const up = [...naiveReach(naivePredecessors(dag), [v.id])].sort()
          const u = up[pickAncestor % up.length]!
          // Back edge v -> u: the ancestor u now needs v.
          const nodes: GraphNode[] = dag.map((n) => (n.id === u ? { id: n.id, needs: [...n.needs, v.id] } : n))
          const { graph } = indexGraph(nodes)
          expectRealCycle(graph, findCycle(graph))
          expect(topologicalOrder(graph)).toBeUndefined()
          expect(levels(graph)).toBeUndefined()
          expect(levelOf(graph)).toBeUndefined()
          expect(criticalPath(graph, () => 1)).toBeUndefined()
        },
      ),
      { numRuns: 200 },
    )
  })

  it('property: finds a real cycle exactly when the graph is not a DAG (small digraphs)', () => {
    fc.assert(
      fc.property(digraphArb(10), (nodes) => {
        const { graph } = indexGraph(nodes)
        const cycle = findCycle(graph)
        if (topologicalOrder(graph) === undefined) expectRealCycle(graph, cycle)
        else expect(cycle).toBeUndefined()
      }),
      { numRuns: 300 },
    )
  })
})
