import { describe, expect, it } from 'vitest'
import { ancestors, criticalPath, descendants, findCycle, indexGraph, levelOf, levels, topologicalOrder, type GraphNode, type IndexedGraph } from '../../src/graph/index.js'

describe('a 1,000,000-node chain', () => {
  const N = 1_000_000
  const nodes: GraphNode[] = new Array(N)
  for (let i = 0; i < N; i++) nodes[i] = { id: `s${i}`, needs: i === 0 ? [] : [`s${i - 1}`] }
  const { graph, unknown, duplicates } = indexGraph(nodes)

  it('runs every algorithm without overflowing the stack', () => {
    expect(unknown).toEqual([])
    expect(duplicates).toEqual([])
    expect(graph.size).toBe(N)

    const order = topologicalOrder(graph)!
    expect(order.length).toBe(N)
    expect(order[0]).toBe(0)
    expect(order[N - 1]).toBe(N - 1)

    expect(findCycle(graph)).toBeUndefined()

    const level = levelOf(graph)!
    expect(level[N - 1]).toBe(N - 1)
    const phases = levels(graph)!
    expect(phases.length).toBe(N)
    expect(phases[N - 1]).toEqual([`s${N - 1}`])

    const cp = criticalPath(graph, () => 1)!
    expect(cp.total).toBe(N)
    expect(cp.steps.length).toBe(N)
    expect(cp.bottom[0]).toBe(N)

    expect(ancestors(graph, [`s${N - 1}`]).length).toBe(N - 1)
    expect(descendants(graph, ['s0']).length).toBe(N - 1)
  })

  it('finds the cycle closed by a back edge at the far end (deep DFS)', () => {
    // Same ids, plus the edge s(N-1) -> s0 (s0 needs the last node): a single N-node ring.
    const ring = new Int32Array(N + 1).map((_, i) => i)
    const g: IndexedGraph = {
      ...graph,
      predOffsets: ring,
      preds: new Int32Array(N).map((_, i) => (i === 0 ? N - 1 : i - 1)),
      succOffsets: ring,
      succs: new Int32Array(N).map((_, i) => (i === N - 1 ? 0 : i + 1)),
    }
    const cycle = findCycle(g)!
    expect(cycle.length).toBe(N + 1)
    expect(cycle[0]).toBe('s0')
    expect(cycle[N - 1]).toBe(`s${N - 1}`)
    expect(cycle[N]).toBe('s0')
    expect(topologicalOrder(g)).toBeUndefined()
    expect(levels(g)).toBeUndefined()
    expect(criticalPath(g, () => 1)).toBeUndefined()
  })
})
