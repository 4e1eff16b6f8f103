/**
 * A binary min-heap of node indices ordered by a fixed, unique integer rank per node
 * (lower rank = served first). O(log n) push and pop, no allocation after construction.
 * @public
 */
export class ReadyQueue {
  private readonly heap: Int32Array
  private count = 0

  /**
   * @param rank - rank of each node; must be unique per node.
   * @param capacity - most nodes queued at once.
   *   @defaultValue `rank.length` (every node)
   */
  constructor(
    private readonly rank: Int32Array,
    capacity: number = rank.length,
  ) {
    this.heap = new Int32Array(Math.max(1, capacity))
  }

  /** Number of queued nodes. */
  get size(): number {
    return this.count
  }

  /** Adds a node (each node at most once). */
  push(node: number): void {
    const heap = this.heap
    const rank = this.rank
    const r = rank[node]!
    let i = this.count++
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = heap[parent]!
      if (rank[p]! <= r) break
      heap[i] = p
      i = parent
    }
    heap[i] = node
  }

  /** The best-ranked node without removing it, or -1. */
  peek(): number {
    return this.count === 0 ? -1 : this.heap[0]!
  }

  /** Removes and returns the best-ranked node, or -1 when empty. */
  pop(): number {
    if (this.count === 0) return -1
    const heap = this.heap
    const rank = this.rank
    const top = heap[0]!
    const last = heap[--this.count]!
    const n = this.count
    if (n > 0) {
      const r = rank[last]!
      let i = 0
      for (;;) {
        let child = 2 * i + 1
        if (child >= n) break
        const right = child + 1
        if (right < n && rank[heap[right]!]! < rank[heap[child]!]!) child = right
        if (rank[heap[child]!]! >= r) break
        heap[i] = heap[child]!
        i = child
      }
      heap[i] = last
    }
    return top
  }
}
