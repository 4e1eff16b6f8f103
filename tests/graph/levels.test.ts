import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { indexGraph, levelOf, levels } from '../../src/graph/index.js'
import { dagArb, predsOf } from './helpers.js'

describe('levels', () => {
  it('groups nodes into minimal phases, declaration order within a phase', () => {
    const { graph } = indexGraph([
      { id: 'report', needs: ['clean', 'fetchB'] },
      { id: 'fetchA', needs: [] },
      { id: 'clean', needs: ['fetchA'] },
      { id: 'fetchB', needs: [] },
      { id: 'notify', needs: ['fetchA'] },
    ])
    expect(levels(graph)).toEqual([['fetchA', 'fetchB'], ['clean', 'notify'], ['report']])
    expect(Array.from(levelOf(graph)!)).toEqual([2, 0, 1, 0, 1])
  })

  it('handles the empty graph', () => {
    expect(levels(indexGraph([]).graph)).toEqual([])
    expect(levelOf(indexGraph([]).graph)!.length).toBe(0)
  })

  it('returns undefined on a cycle', () => {
    const { graph } = indexGraph([{ id: 'a', needs: ['a'] }])
    expect(levels(graph)).toBeUndefined()
    expect(levelOf(graph)).toBeUndefined()
  })

  it('property: levels are minimal and consistent with levelOf (large DAGs)', () => {
    fc.assert(
      fc.property(dagArb(3000), (nodes) => {
        const { graph } = indexGraph(nodes)
        const level = levelOf(graph)!
        const phases = levels(graph)!
        const bad: number[] = []
        for (let i = 0; i < graph.size; i++) {
          const needs = predsOf(graph, i)
          const l = level[i]!
          const minimal = l === 0 ? needs.length === 0 : needs.some((p) => level[p] === l - 1)
          if (!minimal || needs.some((p) => level[p]! >= l)) bad.push(i)
        }
        expect(bad).toEqual([])
        // Phases partition the ids, in declaration order within each phase.
        const flat = phases.flat()
        expect(flat.length).toBe(graph.size)
        expect(new Set(flat).size).toBe(graph.size)
        phases.forEach((phase, l) => {
          expect(phase.length).toBeGreaterThan(0)
          const indices = phase.map((id) => graph.indexOf.get(id)!)
          expect(indices).toEqual([...indices].sort((a, b) => a - b))
          expect(indices.every((i) => level[i] === l)).toBe(true)
        })
      }),
      { numRuns: 30 },
    )
  })
})
