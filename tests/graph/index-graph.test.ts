import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { indexGraph } from '../../src/graph/index.js'
import { digraphArb, predsOf, succsOf } from './helpers.js'

describe('indexGraph', () => {
  it('indexes nodes in declaration order with CSR preds and succs', () => {
    const { graph, unknown, duplicates } = indexGraph([
      { id: 'a', needs: [] },
      { id: 'b', needs: ['a'] },
      { id: 'c', needs: ['b', 'a'] },
      { id: 'd', needs: ['c'] },
    ])
    expect(unknown).toEqual([])
    expect(duplicates).toEqual([])
    expect(graph.size).toBe(4)
    expect(graph.ids).toEqual(['a', 'b', 'c', 'd'])
    expect([...graph.indexOf]).toEqual([['a', 0], ['b', 1], ['c', 2], ['d', 3]])
    expect(Array.from(graph.predOffsets)).toEqual([0, 0, 1, 3, 4])
    expect(Array.from(graph.preds)).toEqual([0, 1, 0, 2])
    expect(Array.from(graph.succOffsets)).toEqual([0, 2, 3, 4, 4])
    expect(Array.from(graph.succs)).toEqual([1, 2, 2, 3])
  })

  it('handles the empty graph', () => {
    const { graph, unknown, duplicates } = indexGraph([])
    expect(graph.size).toBe(0)
    expect(graph.ids).toEqual([])
    expect(graph.indexOf.size).toBe(0)
    expect(Array.from(graph.predOffsets)).toEqual([0])
    expect(Array.from(graph.succOffsets)).toEqual([0])
    expect(graph.preds.length).toBe(0)
    expect(graph.succs.length).toBe(0)
    expect(unknown).toEqual([])
    expect(duplicates).toEqual([])
  })

  it('drops later duplicates entirely and reports their input position', () => {
    const { graph, unknown, duplicates } = indexGraph([
      { id: 'a', needs: [] },
      { id: 'b', needs: ['a'] },
      { id: 'a', needs: ['b', 'zzz'] },
      { id: 'c', needs: ['a'] },
      { id: 'b', needs: [] },
    ])
    expect(duplicates).toEqual([
      { id: 'a', index: 2 },
      { id: 'b', index: 4 },
    ])
    expect(graph.ids).toEqual(['a', 'b', 'c'])
    expect(graph.indexOf.get('c')).toBe(2)
    // The dropped 'a' contributes no edges and its unknown need is not reported.
    expect(unknown).toEqual([])
    expect(predsOf(graph, 0)).toEqual([])
    expect(predsOf(graph, 2)).toEqual([0])
    expect(succsOf(graph, 0)).toEqual([1, 2])
  })

  it('leaves unknown needs out of the edges and reports each (id, need) once', () => {
    const { graph, unknown } = indexGraph([
      { id: 'a', needs: ['x'] },
      { id: 'b', needs: ['y', 'a', 'x', 'y'] },
      { id: 'c', needs: ['x'] },
    ])
    expect(unknown).toEqual([
      { id: 'a', need: 'x' },
      { id: 'b', need: 'y' },
      { id: 'b', need: 'x' },
      { id: 'c', need: 'x' },
    ])
    expect(predsOf(graph, 1)).toEqual([0])
    expect(graph.preds.length).toBe(1)
  })

  it('collapses repeated needs into one edge, keeping first-occurrence order', () => {
    const { graph } = indexGraph([
      { id: 'a', needs: [] },
      { id: 'b', needs: [] },
      { id: 'c', needs: ['b', 'a', 'b', 'a', 'b'] },
    ])
    expect(predsOf(graph, 2)).toEqual([1, 0])
    expect(succsOf(graph, 0)).toEqual([2])
    expect(succsOf(graph, 1)).toEqual([2])
  })

  it('keeps a self-dependency as a self-edge', () => {
    const { graph, unknown } = indexGraph([{ id: 'a', needs: ['a'] }])
    expect(unknown).toEqual([])
    expect(predsOf(graph, 0)).toEqual([0])
    expect(succsOf(graph, 0)).toEqual([0])
  })

  it('property: preds follow needs order, succs are sorted and are exactly the reverse edges', () => {
    fc.assert(
      fc.property(digraphArb(20), (nodes) => {
        const { graph } = indexGraph(nodes)
        const n = graph.size
        expect(graph.predOffsets.length).toBe(n + 1)
        expect(graph.succOffsets.length).toBe(n + 1)
        const reverse: number[][] = Array.from({ length: n }, () => [])
        for (let i = 0; i < n; i++) {
          const expected = [...new Set(nodes[i]!.needs)].map((id) => graph.indexOf.get(id)!)
          expect(predsOf(graph, i)).toEqual(expected)
          for (const p of expected) reverse[p]!.push(i)
        }
        for (let i = 0; i < n; i++) expect(succsOf(graph, i)).toEqual(reverse[i])
      }),
    )
  })
})
