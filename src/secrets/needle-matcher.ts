/** `childChar` of a state with several children: they are in the edge table at `childState`. */
const MULTI = -2
/** `childChar` of a state without children. */
const NONE = -1
/** Fan-out from which an edge list is searched by bisection rather than scanned. */
const BISECT = 8

/**
 * Finds many fixed strings ("needles") in one pass over a text: an Aho–Corasick automaton over
 * UTF-16 code units. Building costs O(total needle length); scanning a text costs O(text
 * length) whatever the number of needles. The root has a dense transition table (so code units
 * that start no needle are skipped in a tight loop), a state with one child stores it inline,
 * and a state with several children has a sorted edge list.
 * @internal
 */
export class NeedleMatcher {
  /** Shortest needle; texts shorter than it cannot match. */
  readonly minLength: number
  private readonly lengths: Int32Array
  /** Root transitions by code unit; 0 when none (no edge leads back to the root). */
  private readonly root: Int32Array
  /** The only child's code unit, {@link NONE} or {@link MULTI}. */
  private readonly childChar: Int32Array
  /** The only child's state, or for {@link MULTI} the start of the state's edge list. */
  private readonly childState: Int32Array
  /** Edge lists: at a list's start its length k, then k code units; targets at the same indices. */
  private readonly edgeChars: Int32Array
  private readonly edgeTargets: Int32Array
  private readonly fail: Int32Array
  /** Longest needle ending at a state (its own, else along failure links), or -1. */
  private readonly longest: Int32Array
  /** Needle that ends exactly at a state, or -1. */
  private readonly terminal: Int32Array
  /** Nearest state along failure links where a needle ends, or 0. */
  private readonly dictionary: Int32Array

  /** `needles` must be non-empty strings; for equal needles the first index is reported. */
  constructor(needles: readonly string[]) {
    const lengths = Int32Array.from(needles, (n) => n.length)
    let min = Infinity
    let capacity = 1
    for (const length of lengths) {
      if (length < min) min = length
      capacity += length
    }
    this.lengths = lengths
    this.minLength = min

    // 1. The trie, built from the needles in sorted order: each needle shares its prefix with the
    //    one before it, and a state's children are created in increasing code-unit order, so
    //    sibling lists come out sorted and no lookup structure is needed.
    const order = Array.from(needles.keys()).sort((a, b) => (needles[a]! < needles[b]! ? -1 : needles[a]! > needles[b]! ? 1 : a - b))
    const root = new Int32Array(0x10000)
    const unit = new Int32Array(capacity)
    const firstChild = new Int32Array(capacity)
    const lastChild = new Int32Array(capacity)
    const nextSibling = new Int32Array(capacity)
    const children = new Int32Array(capacity)
    const terminal = new Int32Array(capacity).fill(-1)
    const path = new Int32Array(capacity)
    let count = 1
    let previous = ''
    for (const k of order) {
      const needle = needles[k]!
      const limit = Math.min(needle.length, previous.length)
      let common = 0
      while (common < limit && needle.charCodeAt(common) === previous.charCodeAt(common)) common++
      let s = path[common]!
      for (let i = common; i < needle.length; i++) {
        const c = needle.charCodeAt(i)
        const t = count++
        unit[t] = c
        if (firstChild[s] === 0) firstChild[s] = t
        else nextSibling[lastChild[s]!] = t
        lastChild[s] = t
        children[s]!++
        if (s === 0) root[c] = t
        path[i + 1] = t
        s = t
      }
      if (terminal[s] === -1) terminal[s] = k
      previous = needle
    }

    // 2. Child tables: one child inline, several in a sorted edge list.
    const childChar = new Int32Array(count).fill(NONE)
    const childState = new Int32Array(count)
    let edges = 0
    for (let s = 1; s < count; s++) if (children[s]! > 1) edges += children[s]! + 1
    const edgeChars = new Int32Array(edges)
    const edgeTargets = new Int32Array(edges)
    let at = 0
    for (let s = 1; s < count; s++) {
      const k = children[s]!
      if (k === 0) continue
      if (k === 1) {
        childChar[s] = unit[firstChild[s]!]!
        childState[s] = firstChild[s]!
        continue
      }
      childChar[s] = MULTI
      childState[s] = at
      edgeChars[at++] = k
      for (let t = firstChild[s]!; t !== 0; t = nextSibling[t]!) {
        edgeChars[at] = unit[t]!
        edgeTargets[at++] = t
      }
    }
    this.root = root
    this.childChar = childChar
    this.childState = childState
    this.edgeChars = edgeChars
    this.edgeTargets = edgeTargets
    this.terminal = terminal.subarray(0, count)

    // 3. Failure links, breadth first so a state's failure target is complete before it.
    const fail = new Int32Array(count)
    const longest = new Int32Array(count).fill(-1)
    const dictionary = new Int32Array(count)
    const queue = new Int32Array(count)
    let head = 0
    let tail = 0
    for (let t = firstChild[0]!; t !== 0; t = nextSibling[t]!) {
      longest[t] = terminal[t]!
      queue[tail++] = t
    }
    const link = (s: number, t: number): void => {
      const c = unit[t]!
      let f = fail[s]!
      let target: number
      for (;;) {
        target = this.step(f, c)
        if (target !== 0 || f === 0) break
        f = fail[f]!
      }
      fail[t] = target
      dictionary[t] = terminal[target] !== -1 ? target : dictionary[target]!
      longest[t] = terminal[t] !== -1 ? terminal[t]! : longest[target]!
      queue[tail++] = t
    }
    while (head < tail) {
      const s = queue[head++]!
      for (let t = firstChild[s]!; t !== 0; t = nextSibling[t]!) link(s, t)
    }
    this.fail = fail
    this.longest = longest
    this.dictionary = dictionary
  }

  /** The child of `s` by code unit `c`, or 0. */
  private step(s: number, c: number): number {
    if (s === 0) return this.root[c]!
    const cc = this.childChar[s]!
    if (cc === c) return this.childState[s]!
    if (cc !== MULTI) return 0
    const chars = this.edgeChars
    const start = this.childState[s]!
    const k = chars[start]!
    if (k < BISECT) {
      for (let e = start + 1; e <= start + k; e++) if (chars[e] === c) return this.edgeTargets[e]!
      return 0
    }
    let lo = start + 1
    let hi = start + k
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const m = chars[mid]!
      if (m === c) return this.edgeTargets[mid]!
      if (m < c) lo = mid + 1
      else hi = mid - 1
    }
    return 0
  }

  /** The state after `s` reads code unit `c`. */
  private advance(s: number, c: number): number {
    for (;;) {
      const t = this.step(s, c)
      if (t !== 0 || s === 0) return t
      s = this.fail[s]!
    }
  }

  /** Length of needle `k`. */
  length(k: number): number {
    return this.lengths[k]!
  }

  /**
   * Calls `onMatch(end, needle)` for every position where a needle ends, with the longest needle
   * ending there, in increasing `end` order. Stops early when `onMatch` returns true.
   */
  scan(text: string, onMatch: (end: number, needle: number) => boolean | void): void {
    const n = text.length
    if (n < this.minLength) return
    const { root, longest } = this
    let s = 0
    for (let i = 0; i < n; i++) {
      let c = text.charCodeAt(i)
      if (s === 0) {
        // Fast path: skip code units that start no needle.
        while (root[c] === 0) {
          if (++i === n) return
          c = text.charCodeAt(i)
        }
        s = root[c]!
      } else s = this.advance(s, c)
      const found = longest[s]!
      if (found !== -1 && onMatch(i + 1, found) === true) return
    }
  }

  /** Adds to `into` every needle that occurs in `text` (every one, not only the longest per end). */
  collect(text: string, into: Set<number>): void {
    const n = text.length
    if (n < this.minLength) return
    const { terminal, dictionary } = this
    let s = 0
    for (let i = 0; i < n; i++) {
      s = this.advance(s, text.charCodeAt(i))
      for (let d = terminal[s] !== -1 ? s : dictionary[s]!; d !== 0; d = dictionary[d]!) into.add(terminal[d]!)
    }
  }
}
