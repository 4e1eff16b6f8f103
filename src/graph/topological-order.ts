import type { IndexedGraph } from './graph-types.js'

/**
 * Stable topological order: Kahn's algorithm where, among ready nodes, the lowest
 * declaration index goes first. Returns node indices, or undefined if the graph has a
 * cycle. O((V + E) log V), iterative.
 * @public
 */
export function topologicalOrder(g: IndexedGraph): Int32Array | undefined {
  const n = g.size
  const { predOffsets, succOffsets, succs } = g
  const indegree = new Int32Array(n)
  const heap = new Int32Array(n)
  let size = 0
  // Indices pushed in increasing order form a valid min-heap as they are.
  for (let i = 0; i < n; i++) {
    const d = predOffsets[i + 1]! - predOffsets[i]!
    indegree[i] = d
    if (d === 0) heap[size++] = i
  }
  const order = new Int32Array(n)
  let placed = 0
  while (size > 0) {
    const v = heap[0]!
    order[placed++] = v
    // Pop: sift the last element down from the root.
    const last = heap[--size]!
    let i = 0
    for (;;) {
      let c = 2 * i + 1
      if (c >= size) break
      if (c + 1 < size && heap[c + 1]! < heap[c]!) c++
      if (heap[c]! >= last) break
      heap[i] = heap[c]!
      i = c
    }
    heap[i] = last
    for (let e = succOffsets[v]!, end = succOffsets[v + 1]!; e < end; e++) {
      const s = succs[e]!
      if (--indegree[s] !== 0) continue
      // Push: sift up.
      let j = size++
      while (j > 0) {
        const parent = (j - 1) >> 1
        const p = heap[parent]!
        if (p <= s) break
        heap[j] = p
        j = parent
      }
      heap[j] = s
    }
  }
  return placed === n ? order : undefined
}
