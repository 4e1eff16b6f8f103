import type { IndexedGraph } from './graph-types.js'

/**
 * Some topological order (Kahn's algorithm with a FIFO queue), or undefined if the graph
 * has a cycle. O(V + E). Internal helper for algorithms that need any valid order; use
 * {@link topologicalOrder} for the stable one.
 * @internal
 */
export function kahnOrder(g: IndexedGraph): Int32Array | undefined {
  const n = g.size
  const { predOffsets, succOffsets, succs } = g
  const indegree = new Int32Array(n)
  const order = new Int32Array(n)
  let tail = 0
  for (let i = 0; i < n; i++) {
    const d = predOffsets[i + 1]! - predOffsets[i]!
    indegree[i] = d
    if (d === 0) order[tail++] = i
  }
  for (let head = 0; head < tail; head++) {
    const v = order[head]!
    for (let e = succOffsets[v]!, end = succOffsets[v + 1]!; e < end; e++) {
      const s = succs[e]!
      if (--indegree[s] === 0) order[tail++] = s
    }
  }
  return tail === n ? order : undefined
}
