/**
 * A min-priority queue of node indices ordered by a fixed, unique integer rank per node
 * (lower rank = served first). O(log n) push and pop, no allocation after construction.
 *
 * Nodes usually become ready in rank order (a fan-out releases its branches in declaration
 * order, which is their rank order among equals), so the queue keeps two parts: a FIFO of nodes
 * pushed in increasing rank, served in O(1), and a binary heap for the nodes pushed out of
 * order. `pop` takes the lower-ranked of the two heads, so the order served is exactly that of
 * a single heap.
 * @public
 */
export class ReadyQueue {
  // Declared, then assigned in the constructor (see Scheduler's fields).
  private declare readonly rank: Int32Array
  private declare readonly heap: Int32Array
  private declare count: number
  // The in-order part: a ring buffer of increasing ranks.
  private declare readonly fifo: Int32Array
  private declare head: number
  private declare length: number

  /**
   * @param rank - rank of each node; must be unique per node.
   * @param capacity - most nodes queued at once.
   *   @defaultValue `rank.length` (every node)
   */
  constructor(rank: Int32Array, capacity: number = rank.length) {
    this.rank = rank
    this.heap = new Int32Array(Math.max(1, capacity))
    this.count = 0
    this.fifo = new Int32Array(Math.max(1, capacity))
    this.head = 0
    this.length = 0
  }

  /** Number of queued nodes. */
  get size(): number {
    return this.count + this.length
  }

  /** Adds a node. */
  push(node: number): void {
    const rank = this.rank
    const fifo = this.fifo
    const length = this.length
    // Ring-buffer index arithmetic written out (push and pop run once per step of every run,
    // also before the JIT has inlined anything).
    const capacity = fifo.length
    const tail = this.head + length
    if (length === 0 || rank[node]! > rank[fifo[tail - 1 >= capacity ? tail - 1 - capacity : tail - 1]!]!) {
      fifo[tail >= capacity ? tail - capacity : tail] = node
      this.length = length + 1
      return
    }
    const heap = this.heap
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

  /** The lowest-ranked node without removing it, or -1 when empty. */
  peek(): number {
    return this.fifoLeads() ? this.fifo[this.head]! : this.count === 0 ? -1 : this.heap[0]!
  }

  /** Removes and returns the lowest-ranked node, or -1 when empty. */
  pop(): number {
    const count = this.count
    // fifoLeads(), written out (see push).
    if (this.length > 0 && (count === 0 || this.rank[this.fifo[this.head]!]! < this.rank[this.heap[0]!]!)) {
      const first = this.fifo[this.head]!
      const next = this.head + 1
      this.head = next === this.fifo.length ? 0 : next
      this.length--
      return first
    }
    if (count === 0) return -1
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

  /** The FIFO holds the lowest-ranked node (it is not empty, and the heap is empty or ranks after it). */
  private fifoLeads(): boolean {
    return this.length > 0 && (this.count === 0 || this.rank[this.fifo[this.head]!]! < this.rank[this.heap[0]!]!)
  }
}
