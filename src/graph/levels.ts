import type { IndexedGraph } from './graph-types.js'
import { kahnOrder } from './kahn-order.js'

/**
 * Level of each node: 0 for nodes with no needs, else 1 + the maximum level of its needs
 * (the minimal valid layering). Undefined if the graph has a cycle. O(V + E), iterative.
 * @public
 */
export function levelOf(g: IndexedGraph): Int32Array | undefined {
  const order = kahnOrder(g)
  if (order === undefined) return undefined
  const { predOffsets, preds } = g
  const level = new Int32Array(g.size)
  for (let k = 0; k < order.length; k++) {
    const v = order[k]!
    let l = 0
    for (let e = predOffsets[v]!, end = predOffsets[v + 1]!; e < end; e++) {
      const pl = level[preds[e]!]! + 1
      if (pl > l) l = pl
    }
    level[v] = l
  }
  return level
}

/**
 * Phases of the graph: the ids at each level of {@link levelOf} (level 0 first), ids
 * within a level in declaration order. Nodes of one level never depend on each other.
 * Undefined if the graph has a cycle; `[]` for the empty graph. O(V + E), iterative.
 * @public
 */
export function levels(g: IndexedGraph): string[][] | undefined {
  const level = levelOf(g)
  if (level === undefined) return undefined
  let max = -1
  for (let i = 0; i < level.length; i++) if (level[i]! > max) max = level[i]!
  const count = new Int32Array(max + 1)
  for (let i = 0; i < level.length; i++) count[level[i]!]++
  const result: string[][] = new Array(max + 1)
  for (let l = 0; l <= max; l++) result[l] = new Array<string>(count[l]!)
  count.fill(0)
  const ids = g.ids
  for (let i = 0; i < level.length; i++) {
    const l = level[i]!
    result[l]![count[l]!++] = ids[i]!
  }
  return result
}
