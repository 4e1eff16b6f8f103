/**
 * Pure graph algorithms over the workflow dependency graph: indexing, stable topological
 * order, cycle detection, levels, critical path and reachability. No I/O; iterative and
 * O(V + E) or O((V + E) log V).
 * @packageDocumentation
 */
export type { GraphNode, IndexedGraph } from './graph-types.js'
export { indexGraph, type IndexGraphResult, type UnknownNeed, type DuplicateNode } from './index-graph.js'
export { topologicalOrder } from './topological-order.js'
export { findCycle } from './find-cycle.js'
export { levels, levelOf } from './levels.js'
export { criticalPath, type CriticalPath } from './critical-path.js'
export { ancestors, descendants } from './reachability.js'
