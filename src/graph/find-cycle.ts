import type { IndexedGraph } from './graph-types.js'

/**
 * Finds one dependency cycle, or returns undefined when the graph is acyclic.
 *
 * The cycle is a path of ids that starts and ends with the same id, e.g.
 * `['a', 'b', 'c', 'a']`; each consecutive pair `(x, y)` is an edge `x -> y` where `y`
 * needs `x` (`x` is a predecessor of `y`). A self-dependency gives `['a', 'a']`. Apart
 * from the repeated endpoint, ids are distinct.
 *
 * Iterative depth-first search along successor edges, starting from the lowest index and
 * visiting successors in increasing index order, so the result is deterministic. O(V + E).
 * @public
 */
export function findCycle(g: IndexedGraph): string[] | undefined {
  const n = g.size
  const { succOffsets, succs, ids } = g
  // 0 = unvisited, 1 = on the DFS stack, 2 = finished.
  const state = new Uint8Array(n)
  const stack = new Int32Array(n)
  const depth = new Int32Array(n)
  const next = new Int32Array(n)
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue
    let top = 0
    stack[top++] = root
    state[root] = 1
    depth[root] = 0
    next[root] = succOffsets[root]!
    while (top > 0) {
      const v = stack[top - 1]!
      const e = next[v]!
      if (e < succOffsets[v + 1]!) {
        next[v] = e + 1
        const w = succs[e]!
        const sw = state[w]
        if (sw === 0) {
          state[w] = 1
          depth[w] = top
          next[w] = succOffsets[w]!
          stack[top++] = w
        } else if (sw === 1) {
          const from = depth[w]!
          const cycle = new Array<string>(top - from + 1)
          for (let d = from; d < top; d++) cycle[d - from] = ids[stack[d]!]!
          cycle[top - from] = ids[w]!
          return cycle
        }
      } else {
        state[v] = 2
        top--
      }
    }
  }
  return undefined
}
