/**
 * A node as declared: its id and the ids it depends on (its predecessors).
 * @public
 */
export interface GraphNode {
  /** Unique id of the node. */
  readonly id: string
  /** Ids of the nodes this node depends on (its predecessors). */
  readonly needs: readonly string[]
}

/**
 * Compact indexed form of a dependency graph, built by {@link indexGraph}.
 *
 * Node `i` is the `i`-th kept node in declaration order (nodes dropped as duplicates
 * take no index). Edges go from a need (predecessor) to the node that needs it
 * (successor). Adjacency is stored in CSR form: the predecessors of `i` are
 * `preds[predOffsets[i] .. predOffsets[i + 1])` and its successors are
 * `succs[succOffsets[i] .. succOffsets[i + 1])`.
 * @public
 */
export interface IndexedGraph {
  /** Number of nodes. */
  readonly size: number
  /** Id of each node, by index. */
  readonly ids: readonly string[]
  /** Index of each id. */
  readonly indexOf: ReadonlyMap<string, number>
  /** CSR offsets into {@link IndexedGraph.preds}; length `size + 1`. */
  readonly predOffsets: Int32Array
  /** Predecessors of each node, in the order of the node's needs list (repeats collapsed). */
  readonly preds: Int32Array
  /** CSR offsets into {@link IndexedGraph.succs}; length `size + 1`. */
  readonly succOffsets: Int32Array
  /** Successors of each node, in increasing index order. */
  readonly succs: Int32Array
}
