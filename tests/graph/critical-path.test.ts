import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { criticalPath, indexGraph, type IndexedGraph } from '../../src/graph/index.js'
import { dagArb, hasEdge, succsOf } from './helpers.js'

/** Heaviest path starting at each node, by enumerating every path (small graphs only). */
function bruteForceFrom(g: IndexedGraph, w: readonly number[]): number[] {
  const best = new Array<number>(g.size).fill(0)
  const walk = (start: number, v: number, sum: number): void => {
    const total = sum + w[v]!
    if (total > best[start]!) best[start] = total
    for (const s of succsOf(g, v)) walk(start, s, total)
  }
  for (let i = 0; i < g.size; i++) walk(i, i, 0)
  return best
}

describe('criticalPath', () => {
  it('handles the empty graph', () => {
    const cp = criticalPath(indexGraph([]).graph, () => 1)!
    expect(cp.steps).toEqual([])
    expect(cp.total).toBe(0)
    expect(cp.bottom).toBeInstanceOf(Float64Array)
    expect(cp.bottom.length).toBe(0)
  })

  it('finds the heaviest path and bottom weights', () => {
    const { graph } = indexGraph([
      { id: 'a', needs: [] },
      { id: 'b', needs: ['a'] },
      { id: 'c', needs: ['a'] },
      { id: 'd', needs: ['b', 'c'] },
      { id: 'e', needs: [] },
    ])
    const w = [1, 2, 5, 1, 7]
    const cp = criticalPath(graph, (i) => w[i]!)!
    expect(cp.steps).toEqual(['a', 'c', 'd'])
    expect(cp.total).toBe(7)
    expect(Array.from(cp.bottom)).toEqual([7, 3, 6, 1, 7])
  })

  it('breaks ties by lowest declaration index', () => {
    const { graph } = indexGraph([
      { id: 's2', needs: [] },
      { id: 'x', needs: ['s1', 's2'] },
      { id: 's1', needs: [] },
      { id: 'y', needs: ['s1'] },
      { id: 'z', needs: ['s1'] },
    ])
    // All weights 1: s2 -> x, s1 -> x, s1 -> y, s1 -> z all weigh 2.
    expect(criticalPath(graph, () => 1)!.steps).toEqual(['s2', 'x'])
    const w = [1, 1, 2, 1, 1]
    // s1 (index 2) now leads with 3; among successors x, y, z (all 1) x has the lowest index.
    expect(criticalPath(graph, (i) => w[i]!)!.steps).toEqual(['s1', 'x'])
  })

  it('walks through zero-weight nodes to a sink', () => {
    const { graph } = indexGraph([
      { id: 'a', needs: [] },
      { id: 'b', needs: ['a'] },
    ])
    expect(criticalPath(graph, () => 0)).toMatchObject({ steps: ['a', 'b'], total: 0 })
  })

  it('returns undefined on a cycle', () => {
    expect(criticalPath(indexGraph([{ id: 'a', needs: ['a'] }]).graph, () => 1)).toBeUndefined()
  })

  it('rejects negative or non-finite estimates', () => {
    const { graph } = indexGraph([{ id: 'a', needs: [] }])
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => criticalPath(graph, () => bad)).toThrow(RangeError)
    }
  })

  it('property: total equals the brute-force longest path; steps is a real source-to-sink path', () => {
    fc.assert(
      fc.property(
        dagArb(10, 4),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 10, maxLength: 10 }),
        (nodes, weights) => {
          const { graph } = indexGraph(nodes)
          const cp = criticalPath(graph, (i) => weights[i]!)!
          const brute = bruteForceFrom(graph, weights)
          expect(Array.from(cp.bottom)).toEqual(brute)
          expect(cp.total).toBe(Math.max(0, ...brute))
          const steps = cp.steps.map((id) => graph.indexOf.get(id)!)
          expect(steps.length > 0).toBe(graph.size > 0)
          if (steps.length === 0) return
          expect(graph.predOffsets[steps[0]! + 1]).toBe(graph.predOffsets[steps[0]!])
          const last = steps[steps.length - 1]!
          expect(graph.succOffsets[last + 1]).toBe(graph.succOffsets[last])
          for (let k = 0; k + 1 < steps.length; k++) expect(hasEdge(graph, steps[k]!, steps[k + 1]!)).toBe(true)
          expect(steps.reduce((sum, i) => sum + weights[i]!, 0)).toBe(cp.total)
        },
      ),
      { numRuns: 500 },
    )
  })
})
