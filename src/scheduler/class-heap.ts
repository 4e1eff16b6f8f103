/**
 * An indexed binary min-heap of demand classes keyed by the rank of each class's best queued
 * node (`key[c]`, set by the caller before `push`/`update`). O(log C) per operation.
 * @internal
 */
export class ClassHeap {
  /** Key of each class: rank of its head node. Write it, then call `push` or `update`. */
  readonly key: Int32Array
  private readonly heap: Int32Array
  private readonly pos: Int32Array
  private count = 0

  constructor(classes: number) {
    this.key = new Int32Array(classes)
    this.heap = new Int32Array(Math.max(1, classes))
    this.pos = new Int32Array(classes).fill(-1)
  }

  get size(): number {
    return this.count
  }

  has(c: number): boolean {
    return this.pos[c]! >= 0
  }

  peek(): number {
    return this.count === 0 ? -1 : this.heap[0]!
  }

  push(c: number): void {
    const i = this.count++
    this.heap[i] = c
    this.pos[c] = i
    this.up(i)
  }

  pop(): number {
    if (this.count === 0) return -1
    const top = this.heap[0]!
    this.removeAt(0)
    return top
  }

  remove(c: number): void {
    const i = this.pos[c]!
    if (i >= 0) this.removeAt(i)
  }

  /** Restores the heap after `key[c]` changed. */
  update(c: number): void {
    const i = this.pos[c]!
    if (i < 0) return
    this.down(this.up(i))
  }

  private removeAt(i: number): void {
    const heap = this.heap
    this.pos[heap[i]!] = -1
    const last = heap[--this.count]!
    if (i === this.count) return
    heap[i] = last
    this.pos[last] = i
    this.down(this.up(i))
  }

  private up(i: number): number {
    const { heap, pos, key } = this
    const c = heap[i]!
    const k = key[c]!
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = heap[parent]!
      if (key[p]! <= k) break
      heap[i] = p
      pos[p] = i
      i = parent
    }
    heap[i] = c
    pos[c] = i
    return i
  }

  private down(i: number): void {
    const { heap, pos, key } = this
    const n = this.count
    const c = heap[i]!
    const k = key[c]!
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      const right = child + 1
      if (right < n && key[heap[right]!]! < key[heap[child]!]!) child = right
      if (key[heap[child]!]! >= k) break
      heap[i] = heap[child]!
      pos[heap[i]!] = i
      i = child
    }
    heap[i] = c
    pos[c] = i
  }
}
