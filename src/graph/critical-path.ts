import type { IndexedGraph } from './graph-types.js'
import { kahnOrder } from './kahn-order.js'

/**
 * Result of {@link criticalPath}.
 * @public
 */
export interface CriticalPath {
  /** Ids of one heaviest path, from a source (no needs) to a sink (no successors). */
  steps: string[]
  /** Weight of `steps`: the sum of its nodes' estimates. */
  total: number
  /** `bottom[i]`: weight of the heaviest path from node i to a sink, including i's own weight. */
  bottom: Float64Array
}

/**
 * Longest weighted path, where node i weighs `estimate(i)` (must be non-negative and
 * finite, else a RangeError is thrown; called once per node, in index order).
 *
 * `bottom[i]` is the weight of the heaviest path starting at i and ending at a sink,
 * including i's own weight (the scheduler's critical-path rank). `steps` is one heaviest
 * path source→sink: it starts at the lowest-index source with maximal `bottom` and, at
 * each step, moves to the successor with the largest `bottom`, preferring the lower
 * declaration index on ties. `total` is its weight (`bottom` of its first node).
 *
 * Undefined if the graph has a cycle. Empty graph: `{ steps: [], total: 0, bottom: empty }`.
 * O(V + E), iterative.
 * @public
 */
export function criticalPath(g: IndexedGraph, estimate: (index: number) => number): CriticalPath | undefined {
  const n = g.size
  const weight = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const w = estimate(i)
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new RangeError(`criticalPath: estimate of node "${g.ids[i]}" (index ${i}) must be a non-negative finite number, got ${String(w)}`)
    }
    weight[i] = w
  }
  const order = kahnOrder(g)
  if (order === undefined) return undefined
  const { predOffsets, succOffsets, succs, ids } = g
  const bottom = new Float64Array(n)
  for (let k = n - 1; k >= 0; k--) {
    const v = order[k]!
    let best = 0
    for (let e = succOffsets[v]!, end = succOffsets[v + 1]!; e < end; e++) {
      const b = bottom[succs[e]!]!
      if (b > best) best = b
    }
    bottom[v] = weight[v]! + best
  }
  if (n === 0) return { steps: [], total: 0, bottom }

  let start = -1
  for (let i = 0; i < n; i++) {
    if (predOffsets[i + 1] === predOffsets[i] && (start < 0 || bottom[i]! > bottom[start]!)) start = i
  }
  const steps: string[] = []
  for (let v = start; v >= 0; ) {
    steps.push(ids[v]!)
    let nextNode = -1
    for (let e = succOffsets[v]!, end = succOffsets[v + 1]!; e < end; e++) {
      const s = succs[e]!
      if (nextNode < 0 || bottom[s]! > bottom[nextNode]!) nextNode = s
    }
    v = nextNode
  }
  return { steps, total: bottom[start]!, bottom }
}
