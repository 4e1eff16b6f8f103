import type { GraphNode, IndexedGraph } from './graph-types.js'

/**
 * A need naming an id that no node declares, as reported by {@link indexGraph}.
 * @public
 */
export interface UnknownNeed {
  /** Id of the node whose needs list names the unknown id. */
  id: string
  /** The unknown id. */
  need: string
}

/**
 * A node dropped by {@link indexGraph} because an earlier node has the same id.
 * @public
 */
export interface DuplicateNode {
  /** The repeated id. */
  id: string
  /** Position of the dropped node in the input array. */
  index: number
}

/**
 * Result of {@link indexGraph}.
 * @public
 */
export interface IndexGraphResult {
  /** The indexed graph. */
  graph: IndexedGraph
  /** Needs naming unknown ids (left out of the edges), in node order then needs order; each pair once. */
  unknown: UnknownNeed[]
  /** Nodes dropped because their id was already declared, in input order. */
  duplicates: DuplicateNode[]
}

/**
 * Builds the {@link IndexedGraph} of a list of declared nodes. O(V + E).
 *
 * - Duplicate ids: the first declaration wins; later ones are dropped from the graph
 *   entirely (they get no index and their needs are ignored) and reported in `duplicates`
 *   with their position in the input array.
 * - Needs naming unknown ids are left out of the edges and reported in `unknown`.
 * - Repeated entries in one node's needs list are collapsed to one edge (first occurrence
 *   keeps its position in the predecessor order).
 * - A node needing itself yields a self-edge (a cycle).
 * @public
 */
export function indexGraph(nodes: readonly GraphNode[]): IndexGraphResult {
  const total = nodes.length
  const indexOf = new Map<string, number>()
  const ids: string[] = []
  const kept: number[] = []
  const duplicates: DuplicateNode[] = []
  let needCount = 0
  for (let p = 0; p < total; p++) {
    const node = nodes[p]!
    const id = node.id
    if (indexOf.has(id)) {
      duplicates.push({ id, index: p })
      continue
    }
    indexOf.set(id, ids.length)
    ids.push(id)
    kept.push(p)
    needCount += node.needs.length
  }
  const n = ids.length

  const predOffsets = new Int32Array(n + 1)
  let preds = new Int32Array(needCount)
  const unknown: UnknownNeed[] = []
  // stamp[j] === i + 1 while j has already been recorded as a predecessor of i.
  const stamp = new Int32Array(n)
  const outDegree = new Int32Array(n)
  let k = 0
  for (let i = 0; i < n; i++) {
    const needs = nodes[kept[i]!]!.needs
    let unknownSeen: Set<string> | undefined
    for (let q = 0; q < needs.length; q++) {
      const need = needs[q]!
      const j = indexOf.get(need)
      if (j === undefined) {
        if (unknownSeen === undefined) unknownSeen = new Set()
        else if (unknownSeen.has(need)) continue
        unknownSeen.add(need)
        unknown.push({ id: ids[i]!, need })
      } else if (stamp[j] !== i + 1) {
        stamp[j] = i + 1
        preds[k++] = j
        outDegree[j]++
      }
    }
    predOffsets[i + 1] = k
  }
  if (k < preds.length) preds = preds.slice(0, k)

  const succOffsets = new Int32Array(n + 1)
  for (let i = 0; i < n; i++) succOffsets[i + 1] = succOffsets[i]! + outDegree[i]!
  const succs = new Int32Array(k)
  const cursor = outDegree // reuse: next free slot of each successor list
  for (let i = 0; i < n; i++) cursor[i] = succOffsets[i]!
  // Visiting successors i in increasing order keeps every successor list sorted.
  for (let i = 0; i < n; i++) {
    for (let e = predOffsets[i]!, end = predOffsets[i + 1]!; e < end; e++) succs[cursor[preds[e]!]!++] = i
  }

  const graph: IndexedGraph = Object.freeze({
    size: n,
    ids: Object.freeze(ids),
    indexOf,
    predOffsets,
    preds,
    succOffsets,
    succs,
  })
  return { graph, unknown, duplicates }
}
