import type { IndexedGraph } from './graph-types.js'

const QUEUED = 1
const REACHED = 2

function reach(g: IndexedGraph, seeds: readonly string[], offsets: Int32Array, adjacent: Int32Array, name: string): string[] {
  const n = g.size
  const queue = new Int32Array(n)
  const state = new Uint8Array(n)
  let tail = 0
  for (const id of seeds) {
    const i = g.indexOf.get(id)
    if (i === undefined) throw new RangeError(`${name}: unknown id "${id}"`)
    if (state[i] === 0) {
      state[i] = QUEUED
      queue[tail++] = i
    }
  }
  for (let head = 0; head < tail; head++) {
    const v = queue[head]!
    for (let e = offsets[v]!, end = offsets[v + 1]!; e < end; e++) {
      const w = adjacent[e]!
      const s = state[w]!
      if ((s & REACHED) !== 0) continue
      state[w] = s | REACHED | QUEUED
      if ((s & QUEUED) === 0) queue[tail++] = w
    }
  }
  const ids = g.ids
  const result: string[] = []
  for (let i = 0; i < n; i++) if ((state[i]! & REACHED) !== 0) result.push(ids[i]!)
  return result
}

/**
 * All transitive predecessors (ancestors) of the given ids, as ids in declaration order.
 * A given id is included only if it is reachable from a given id (through a cycle or from
 * another given id). Throws a RangeError naming the first unknown id. O(V + E), iterative.
 * @public
 */
export function ancestors(g: IndexedGraph, ids: readonly string[]): string[] {
  return reach(g, ids, g.predOffsets, g.preds, 'ancestors')
}

/**
 * All transitive successors (descendants) of the given ids, as ids in declaration order.
 * A given id is included only if it is reachable from a given id (through a cycle or from
 * another given id). Throws a RangeError naming the first unknown id. O(V + E), iterative.
 * @public
 */
export function descendants(g: IndexedGraph, ids: readonly string[]): string[] {
  return reach(g, ids, g.succOffsets, g.succs, 'descendants')
}
