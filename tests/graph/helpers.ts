import fc from 'fast-check'
import type { GraphNode, IndexedGraph } from '../../src/graph/index.js'

/** Small seeded PRNG so large graphs are cheap to generate from one fast-check integer. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Random DAG: nodes get a random topological rank (a random permutation of declaration
 * positions); edges only go from a lower rank to a higher rank. Needs lists may repeat an id.
 */
export function randomDag(n: number, avgNeeds: number, seed: number): GraphNode[] {
  const rand = prng(seed)
  const perm = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[perm[i], perm[j]] = [perm[j]!, perm[i]!]
  }
  const nodes: GraphNode[] = new Array(n)
  for (let r = 0; r < n; r++) {
    const needs: string[] = []
    if (r > 0) {
      const m = Math.floor(rand() * (2 * avgNeeds + 1))
      for (let k = 0; k < m; k++) {
        // Half uniform, half close by (long chains).
        const a = rand() < 0.5 ? Math.floor(rand() * r) : Math.max(0, r - 1 - Math.floor(rand() * 3))
        needs.push(`n${perm[a]}`)
      }
    }
    nodes[perm[r]!] = { id: `n${perm[r]}`, needs }
  }
  return nodes
}

/** Arbitrary random DAG (see {@link randomDag}). */
export function dagArb(maxNodes: number, maxAvgNeeds = 3): fc.Arbitrary<GraphNode[]> {
  return fc
    .record({ n: fc.integer({ min: 0, max: maxNodes }), avg: fc.integer({ min: 0, max: maxAvgNeeds * 4 }), seed: fc.integer() })
    .map(({ n, avg, seed }) => randomDag(n, avg / 4, seed))
}

/** Arbitrary small directed graph, cycles and self-dependencies allowed. */
export function digraphArb(maxNodes: number): fc.Arbitrary<GraphNode[]> {
  return fc.integer({ min: 0, max: maxNodes }).chain((n) =>
    n === 0
      ? fc.constant([])
      : fc.array(fc.array(fc.nat(n - 1), { maxLength: 4 }), { minLength: n, maxLength: n }).map((needs) =>
          needs.map((list, i) => ({ id: `n${i}`, needs: list.map((j) => `n${j}`) })),
        ),
  )
}

/** Successor lists (ids) straight from the declared nodes, for naive references. */
export function naiveSuccessors(nodes: readonly GraphNode[]): Map<string, Set<string>> {
  const succ = new Map<string, Set<string>>(nodes.map((n) => [n.id, new Set()]))
  for (const n of nodes) for (const need of n.needs) succ.get(need)?.add(n.id)
  return succ
}

/** Predecessor lists (ids) straight from the declared nodes. */
export function naivePredecessors(nodes: readonly GraphNode[]): Map<string, Set<string>> {
  return new Map(nodes.map((n) => [n.id, new Set(n.needs)]))
}

/** Naive stable order: repeatedly pick the lowest-index node whose needs are all placed. O(V^2). */
export function naiveStableOrder(nodes: readonly GraphNode[]): number[] | undefined {
  const placed = new Set<string>()
  const done = new Array<boolean>(nodes.length).fill(false)
  const order: number[] = []
  while (order.length < nodes.length) {
    let picked = -1
    for (let i = 0; i < nodes.length; i++) {
      if (!done[i] && nodes[i]!.needs.every((need) => placed.has(need))) {
        picked = i
        break
      }
    }
    if (picked < 0) return undefined
    done[picked] = true
    placed.add(nodes[picked]!.id)
    order.push(picked)
  }
  return order
}

/** Naive BFS from a set of ids (not including them unless reached). */
export function naiveReach(adjacency: Map<string, Set<string>>, from: readonly string[]): Set<string> {
  const reached = new Set<string>()
  const queue = [...from]
  while (queue.length > 0) {
    const v = queue.shift()!
    for (const w of adjacency.get(v) ?? []) {
      if (!reached.has(w)) {
        reached.add(w)
        queue.push(w)
      }
    }
  }
  return reached
}

/** True when `x -> y` is an edge of g, i.e. y needs x. */
export function hasEdge(g: IndexedGraph, x: number, y: number): boolean {
  for (let e = g.succOffsets[x]!; e < g.succOffsets[x + 1]!; e++) if (g.succs[e] === y) return true
  return false
}

/** Needs (indices) of node i. */
export function predsOf(g: IndexedGraph, i: number): number[] {
  return Array.from(g.preds.subarray(g.predOffsets[i], g.predOffsets[i + 1]))
}

/** Successors (indices) of node i. */
export function succsOf(g: IndexedGraph, i: number): number[] {
  return Array.from(g.succs.subarray(g.succOffsets[i], g.succOffsets[i + 1]))
}
