import { criticalPath, type IndexedGraph } from '../graph/index.js'

/**
 * Everything the scheduler needs about a workflow, computed once per definition:
 * successor lists, dependency counts and the static service rank of each node.
 * @public
 */
export interface SchedulePlan {
  /** The dependency graph. */
  readonly graph: IndexedGraph
  /** Number of needs of each node. */
  readonly indegree: Int32Array
  /** Service order: lower runs first. A permutation of 0..size-1. */
  readonly rank: Int32Array
  /** Critical-path weight from each node to a sink, including its own estimate. */
  readonly bottom: Float64Array
}

/**
 * Options of {@link schedulePlan}.
 * @public
 */
export interface SchedulePlanOptions {
  /** Priority of node i (higher first). @defaultValue 0 */
  readonly priority?: (index: number) => number
  /** Estimated duration of node i (ms). @defaultValue 1 */
  readonly estimate?: (index: number) => number
}

/**
 * Ranks nodes for service: priority (descending), then critical-path weight to a sink
 * (descending, so long chains start early), then declaration order. O(V log V + E).
 * Throws a RangeError when the graph has a cycle.
 * @public
 */
export function schedulePlan(graph: IndexedGraph, options: SchedulePlanOptions = {}): SchedulePlan {
  const n = graph.size
  const priority = new Float64Array(n)
  const getPriority = options.priority
  if (getPriority !== undefined) for (let i = 0; i < n; i++) priority[i] = getPriority(i)
  const estimate = options.estimate ?? (() => 1)
  const cp = criticalPath(graph, estimate)
  if (cp === undefined) throw new RangeError('schedulePlan: the graph has a cycle')
  const bottom = cp.bottom
  const order = Array.from({ length: n }, (_, i) => i)
  order.sort((a, b) => priority[b]! - priority[a]! || bottom[b]! - bottom[a]! || a - b)
  const rank = new Int32Array(n)
  for (let r = 0; r < n; r++) rank[order[r]!] = r
  const indegree = new Int32Array(n)
  for (let i = 0; i < n; i++) indegree[i] = graph.predOffsets[i + 1]! - graph.predOffsets[i]!
  return { graph, indegree, rank, bottom }
}
