import { Capacity, within } from './capacity.js'
import { checkResources, problemsMessage } from './check-resources.js'
import { ClassHeap } from './class-heap.js'
import { ReadyQueue } from './ready-queue.js'
import type { PlanResources, SchedulePlan } from './schedule-plan.js'
import { checkBackfillLimit, poolStateOf, type PoolMember, type PoolState, type SharedLimits } from './shared-limits.js'

const WAITING = 0
const QUEUED = 1
const RUNNING = 2
const SETTLED = 3
const NO_LIMIT = 0x7fffffff

/**
 * Options of {@link Scheduler}.
 * @public
 */
export interface SchedulerOptions {
  /**
   * Most nodes of this scheduler running at once. `0` pauses it.
   * @defaultValue Infinity
   */
  readonly concurrency?: number
  /**
   * Capacity of each resource pool for this scheduler alone, e.g. `{ cpu: 8, gpu: 2 }`. A node
   * starts only when every pool it names (plan `resources`) has its amount free, here and in
   * `shared`. Pools named by the plan must exist here or in `shared`.
   * @defaultValue `{}`
   */
  readonly pools?: Readonly<Record<string, number>>
  /**
   * Most running nodes per concurrency key for this scheduler alone, e.g. `{ db: 2 }`. A key
   * with no limit here or in `shared` is unlimited.
   * @defaultValue `{}`
   */
  readonly limits?: Readonly<Record<string, number>>
  /**
   * Starvation bound. When the best-ranked ready node does not fit, lower-ranked nodes that fit
   * may start ahead of it (backfilling); each such start *passes over* it. Once a node has been
   * passed over `backfillLimit` times it is *due*: while any node is due, no node ranked below
   * the best-ranked due node starts, so it starts as soon as the running nodes free enough.
   * `0` = strict order (never backfill); `Infinity` = always backfill (large nodes may starve).
   * @defaultValue 8
   */
  readonly backfillLimit?: number
  /**
   * Limits shared with other schedulers (other runs), from {@link createSlotPool}. The scheduler
   * joins the pool; {@link Scheduler.close} leaves it.
   */
  readonly shared?: SharedLimits<unknown>
  /**
   * What {@link SharedLimits.take} returns as `owner` for this scheduler's nodes (e.g. the run).
   * @defaultValue the scheduler itself
   */
  readonly owner?: unknown
}

/**
 * The deterministic ready queue of one run. Pure: no timers, no I/O, no randomness. The caller
 * takes nodes to run, and reports each node's end; nodes whose needs all succeeded become
 * ready, nodes with a need that did not succeed become *blocked* (to be skipped).
 *
 * Order: the best-ranked ready node (priority, then critical path, then declaration order)
 * that fits the concurrency limit, the resource pools and the key limits, subject to the
 * backfill rule of {@link SchedulerOptions.backfillLimit}.
 *
 * Cost: O(log V) per take and O(out-degree) per settle when nodes declare no resources or keys —
 * O((V+E) log V) per run. With resources, a take that cannot start the best-ranked ready node
 * looks at the head of each demand class (nodes with equal demands) ranked before the one it
 * starts: O(C log V) for C demand classes, independent of how many nodes wait; a repeated
 * take with nothing changed is O(1).
 * @public
 */
export class Scheduler {
  // Declared, then assigned once in the constructor in one order: a run builds its scheduler
  // once, so the constructor runs unoptimized for a process's first runs, where defining a class
  // field costs about 175 ns against 25 ns for an assignment (see RunExecution's fields).
  private declare readonly plan: SchedulePlan
  private declare readonly state: Uint8Array
  private declare readonly remaining: Int32Array
  private declare readonly blockedBy: Int32Array
  private declare readonly blocked: number[]
  private declare blockedHead: number
  private declare runningCount: number
  private declare settledCount: number
  private declare queuedCount: number
  private declare closed: boolean
  /** Most nodes running at once. */
  declare concurrency: number

  // Unconstrained path: one queue.
  private declare ready: ReadyQueue | undefined

  // Constrained path: one queue per demand class, classes ordered by their best node.
  private declare res: PlanResources | undefined
  private declare readonly queues: ReadyQueue[]
  private declare classes: ClassHeap | undefined
  private declare passes: Int32Array | undefined
  private declare dueMark: Uint8Array | undefined
  private declare due: ReadyQueue | undefined
  private declare readonly backfillLimit: number
  private declare readonly scratch: number[]
  private declare local: Capacity | undefined
  private declare localPool: Int32Array | undefined
  private declare localKey: Int32Array | undefined
  /** Bumped on every push and release: a cached "nothing fits" is valid while it is unchanged. */
  private declare version: number
  private declare stallVersion: number
  private declare stallShared: number
  private declare sharedBlocked: boolean

  // Shared limits.
  private declare pool: PoolState | undefined
  private declare sharedCap: Capacity | undefined
  private declare sharedPool: Int32Array | undefined
  private declare sharedKey: Int32Array | undefined
  private declare member: PoolMember | undefined

  /**
   * Throws a RangeError listing every problem {@link checkResources} finds with the plan under
   * the effective pools and limits (the smaller of this scheduler's and the shared ones): a
   * node that could never start would otherwise deadlock the run.
   */
  constructor(plan: SchedulePlan, options: SchedulerOptions = {}) {
    const n = plan.graph.size
    this.plan = plan
    this.state = new Uint8Array(n)
    this.remaining = plan.indegree.slice()
    this.blockedBy = new Int32Array(n).fill(-1)
    this.blocked = []
    this.blockedHead = 0
    this.runningCount = 0
    this.settledCount = 0
    this.queuedCount = 0
    this.closed = false
    this.concurrency = options.concurrency ?? Infinity
    this.ready = undefined
    this.res = undefined
    this.queues = []
    this.classes = undefined
    this.passes = undefined
    this.dueMark = undefined
    this.due = undefined
    this.backfillLimit = options.backfillLimit ?? 8
    this.scratch = []
    this.local = undefined
    this.localPool = undefined
    this.localKey = undefined
    this.version = 0
    this.stallVersion = -1
    this.stallShared = -1
    this.sharedBlocked = false
    this.pool = undefined
    this.sharedCap = undefined
    this.sharedPool = undefined
    this.sharedKey = undefined
    this.member = undefined
    if (this.backfillLimit !== 8) checkBackfillLimit(this.backfillLimit)
    // The common case (no resources, no limits, nothing shared) in a few lines: a run builds its
    // scheduler once, so this runs unoptimized for a process's first runs, and V8 compiles a
    // function whole (see RunExecution.begin).
    if (plan.resources === undefined && options.shared === undefined && isEmpty(options.pools) && isEmpty(options.limits)) {
      this.ready = new ReadyQueue(plan.rank)
    } else {
      this.setUpLimits(options)
    }
    const roots = rootsOf(plan)
    for (let k = 0; k < roots.length; k++) {
      this.state[roots[k]!] = QUEUED
      this.enqueue(roots[k]!)
    }
    if (this.pool !== undefined) this.joinPool(options)
  }

  /** The constructor's part for resources, limits and shared limits (checked here, see the constructor's doc). */
  private setUpLimits(options: SchedulerOptions): void {
    const plan = this.plan
    const pools = options.pools ?? NONE
    const limits = options.limits ?? NONE
    const shared = options.shared
    if (shared !== undefined) {
      this.pool = poolStateOf(shared)
      this.sharedCap = this.pool.capacity
    }
    const res = plan.resources
    const problems = checkResources(plan, merge(pools, shared?.pools, Math.min), merge(limits, shared?.limits, Math.min))
    if (problems.length > 0) throw new RangeError(problemsMessage('Scheduler', problems))
    if (res === undefined) {
      this.ready = new ReadyQueue(plan.rank)
      return
    }
    const n = plan.graph.size
    this.res = res
    const classCount = res.classSize.length
    for (let c = 0; c < classCount; c++) this.queues.push(new ReadyQueue(plan.rank, res.classSize[c]!))
    this.classes = new ClassHeap(classCount)
    this.passes = new Int32Array(n)
    this.dueMark = new Uint8Array(n)
    if (Object.keys(pools).length > 0 || Object.keys(limits).length > 0) {
      this.local = new Capacity(Infinity, pools, limits)
      this.localPool = this.local.mapPools(res.pools)
      this.localKey = this.local.mapKeys(res.keys)
    }
    if (this.sharedCap !== undefined) {
      this.sharedPool = this.sharedCap.mapPools(res.pools)
      this.sharedKey = this.sharedCap.mapKeys(res.keys)
    }
  }

  /** Joins the shared limits' pool (after the roots are queued: the pool may take them at once). */
  private joinPool(options: SchedulerOptions): void {
    const self = this
    this.member = {
      owner: options.owner === undefined ? this : options.owner,
      take: () => self.take(),
      get blockedOnShared() {
        return self.sharedBlocked
      },
    }
    this.pool!.join(this.member)
  }

  /** Nodes currently running. */
  get running(): number {
    return this.runningCount
  }

  /** Nodes that have ended (succeeded, failed, skipped). */
  get settled(): number {
    return this.settledCount
  }

  /** True when every node has ended. */
  get done(): boolean {
    return this.settledCount === this.plan.graph.size
  }

  /** True while a blocked node waits to be taken with {@link Scheduler.takeBlocked}. */
  get hasBlocked(): boolean {
    return this.blockedHead < this.blocked.length
  }

  /** Ready nodes waiting for a slot. */
  get queued(): number {
    return this.queuedCount
  }

  /**
   * True when, at the last {@link Scheduler.take}, the best-ranked ready node fitted this
   * scheduler's own limits but not the shared ones (it waits for other runs).
   */
  get blockedOnShared(): boolean {
    return this.sharedBlocked
  }

  /**
   * The next node to run (now counted as running and holding its resources), or -1 when none
   * is ready or none that may start fits the free capacity.
   */
  take(): number {
    if (this.runningCount >= this.concurrency || this.closed) {
      this.sharedBlocked = false
      return -1
    }
    const shared = this.sharedCap
    if (shared !== undefined && shared.running >= shared.concurrency) return -1
    if (this.res !== undefined) return this.takeConstrained()
    // The unconstrained take, written out (one call less per step, also before the JIT optimizes this).
    const ready = this.ready!
    let node = ready.pop()
    while (node >= 0 && this.state[node] !== QUEUED) node = ready.pop() // settled while queued (restored)
    if (node < 0) return -1
    this.queuedCount--
    // start(), written out for the unconstrained case (no resources to acquire).
    this.state[node] = RUNNING
    this.runningCount++
    if (shared !== undefined) shared.running++
    return node
  }

  /** The next blocked node (a need did not succeed), or -1. The caller must {@link Scheduler.settle} it. */
  takeBlocked(): number {
    while (this.blockedHead < this.blocked.length) {
      const node = this.blocked[this.blockedHead++]!
      if (this.state[node] === QUEUED) return node
    }
    return -1
  }

  /** The first need of `node` that did not succeed, or -1. */
  blocker(node: number): number {
    return this.blockedBy[node]!
  }

  /**
   * Records that `node` ended and frees what it held. `ok` false (failed or skipped) blocks
   * every node that needs it. Works for running nodes and for nodes that never ran (skipped,
   * or restored from a journal).
   * @returns true when the caller has more to handle than {@link Scheduler.take}: a blocked node
   *   ({@link Scheduler.hasBlocked}) or every node ended ({@link Scheduler.done}).
   */
  settle(node: number, ok: boolean): boolean {
    const state = this.state[node]
    if (state === SETTLED) return this.hasBlocked || this.done
    this.state[node] = SETTLED
    this.settledCount++
    if (state === RUNNING) {
      this.runningCount--
      if (this.res !== undefined || this.sharedCap !== undefined) this.release(node)
      else if (!this.closed) this.version++ // release() of an unconstrained node, written out
    } else if (state === QUEUED && this.blockedBy[node] === -1) {
      this.unqueue(node)
    }
    const { succOffsets, succs } = this.plan.graph
    const remaining = this.remaining
    for (let k = succOffsets[node]!, end = succOffsets[node + 1]!; k < end; k++) {
      const next = succs[k]!
      if (!ok && this.blockedBy[next] === -1) this.blockedBy[next] = node
      if (--remaining[next] === 0 && this.state[next] === WAITING) {
        this.state[next] = QUEUED
        if (this.blockedBy[next] !== -1) {
          this.blocked.push(next)
        } else if (this.res === undefined) {
          this.queuedCount++ // enqueue() of an unconstrained node, written out
          this.version++
          this.ready!.push(next)
        } else {
          this.enqueue(next)
        }
      }
    }
    // hasBlocked || done, written out (this runs once per step of every run).
    return this.blockedHead < this.blocked.length || this.settledCount === this.plan.graph.size
  }

  /** True while `node` is running. */
  isRunning(node: number): boolean {
    return this.state[node] === RUNNING
  }

  /** True once `node` has ended. */
  isSettled(node: number): boolean {
    return this.state[node] === SETTLED
  }

  /**
   * Ends this scheduler's use of shared limits: leaves the pool and returns what its running
   * nodes hold (their bodies are abandoned). Call when the run ends however it ends. Later
   * takes return -1; later settles only update the graph state. Idempotent.
   */
  close(): void {
    if (this.closed) return
    for (let i = 0; i < this.state.length; i++) if (this.state[i] === RUNNING) this.release(i)
    this.closed = true
    if (this.member !== undefined) this.pool!.leave(this.member)
  }

  // ---------------------------------------------------------------- queues

  private enqueue(node: number): void {
    this.queuedCount++
    this.version++
    const res = this.res
    if (res === undefined) {
      this.ready!.push(node)
      return
    }
    const c = res.demandClass[node]!
    const queue = this.queues[c]!
    const classes = this.classes!
    queue.push(node)
    if (!classes.has(c)) {
      classes.key[c] = this.plan.rank[node]!
      classes.push(c)
    } else if (queue.peek() === node) {
      classes.key[c] = this.plan.rank[node]!
      classes.update(c)
    }
  }

  /** A queued ready node settled without running (restored from a journal). */
  private unqueue(node: number): void {
    this.queuedCount--
    const res = this.res
    if (res === undefined) return // dropped lazily by take
    const c = res.demandClass[node]!
    if (this.queues[c]!.peek() === node) this.popClass(c) // class heads are never stale
  }

  /** Pops the head of class c, drops stale nodes behind it and re-sorts the class. */
  private popClass(c: number): number {
    const queue = this.queues[c]!
    const node = queue.pop()
    while (queue.size > 0 && this.state[queue.peek()]! !== QUEUED) queue.pop()
    const classes = this.classes!
    if (queue.size === 0) {
      classes.remove(c)
    } else {
      classes.key[c] = this.plan.rank[queue.peek()]!
      classes.update(c)
    }
    return node
  }

  private takeConstrained(): number {
    const shared = this.sharedCap
    if (this.stallVersion === this.version && (shared === undefined || this.stallShared === shared.version)) return -1
    const classes = this.classes!
    const top = classes.peek()
    if (top < 0) {
      this.sharedBlocked = false
      return -1
    }
    const rank = this.plan.rank
    const head = this.queues[top]!.peek()
    const fitsLocal = this.fits(head, this.local, this.localPool, this.localKey)
    if (fitsLocal && this.fits(head, shared, this.sharedPool, this.sharedKey)) {
      this.sharedBlocked = false
      return this.startClass(top)
    }
    this.sharedBlocked = shared !== undefined && fitsLocal
    const passes = this.passes!
    if (passes[head]! >= this.backfillLimit) this.markDue(head)
    const limit = this.dueLimit()
    // Backfill: the best-ranked class head that fits and is not ranked below the best due node.
    const popped = this.scratch
    popped.push(classes.pop())
    let found = -1
    while (classes.size > 0) {
      const c = classes.peek()
      const x = this.queues[c]!.peek()
      if (rank[x]! > limit) break
      if (this.fits(x, this.local, this.localPool, this.localKey) && this.fits(x, shared, this.sharedPool, this.sharedKey)) {
        found = c
        break
      }
      popped.push(classes.pop())
    }
    for (let k = 0; k < popped.length; k++) classes.push(popped[k]!)
    popped.length = 0
    if (found < 0) {
      this.stallVersion = this.version
      this.stallShared = shared === undefined ? 0 : shared.version
      return -1
    }
    const node = this.startClass(found)
    if (++passes[head]! >= this.backfillLimit) this.markDue(head)
    return node
  }

  private startClass(c: number): number {
    const node = this.popClass(c)
    this.queuedCount--
    this.start(node)
    return node
  }

  private markDue(node: number): void {
    const mark = this.dueMark!
    if (mark[node] === 1) return
    mark[node] = 1
    ;(this.due ??= new ReadyQueue(this.plan.rank)).push(node)
  }

  /** Rank of the best-ranked due node still waiting, or NO_LIMIT. */
  private dueLimit(): number {
    const due = this.due
    if (due === undefined) return NO_LIMIT
    let d = due.peek()
    while (d >= 0 && this.state[d] !== QUEUED) {
      due.pop()
      d = due.peek()
    }
    return d < 0 ? NO_LIMIT : this.plan.rank[d]!
  }

  // ---------------------------------------------------------------- capacity

  private fits(node: number, cap: Capacity | undefined, poolMap: Int32Array | undefined, keyMap: Int32Array | undefined): boolean {
    if (cap === undefined) return true
    const res = this.res!
    const k = res.key[node]!
    if (k >= 0) {
      const j = keyMap![k]!
      if (j >= 0 && cap.keyRunning[j]! >= cap.keyLimit[j]!) return false
    }
    for (let e = res.offsets[node]!, end = res.offsets[node + 1]!; e < end; e++) {
      const j = poolMap![res.pool[e]!]!
      if (j >= 0 && !within(cap.used[j]! + res.amount[e]!, cap.cap[j]!)) return false
    }
    return true
  }

  private start(node: number): void {
    this.state[node] = RUNNING
    this.runningCount++
    const shared = this.sharedCap
    if (shared !== undefined) shared.running++
    const res = this.res
    if (res === undefined) return
    acquire(res, node, this.local, this.localPool, this.localKey)
    acquire(res, node, shared, this.sharedPool, this.sharedKey)
  }

  private release(node: number): void {
    if (this.closed) return
    this.version++
    const shared = this.sharedCap
    if (shared !== undefined) {
      shared.running--
      shared.version++
    }
    const res = this.res
    if (res === undefined) return
    release(res, node, this.local, this.localPool, this.localKey)
    release(res, node, shared, this.sharedPool, this.sharedKey)
  }
}

function acquire(res: PlanResources, node: number, cap: Capacity | undefined, poolMap: Int32Array | undefined, keyMap: Int32Array | undefined): void {
  if (cap === undefined) return
  const k = res.key[node]!
  if (k >= 0 && keyMap![k]! >= 0) cap.keyRunning[keyMap![k]!]!++
  for (let e = res.offsets[node]!, end = res.offsets[node + 1]!; e < end; e++) {
    const j = poolMap![res.pool[e]!]!
    if (j < 0) continue
    cap.used[j] += res.amount[e]!
    cap.holders[j]!++
  }
}

function release(res: PlanResources, node: number, cap: Capacity | undefined, poolMap: Int32Array | undefined, keyMap: Int32Array | undefined): void {
  if (cap === undefined) return
  const k = res.key[node]!
  if (k >= 0 && keyMap![k]! >= 0) cap.keyRunning[keyMap![k]!]!--
  for (let e = res.offsets[node]!, end = res.offsets[node + 1]!; e < end; e++) {
    const j = poolMap![res.pool[e]!]!
    if (j < 0) continue
    // Exactly 0 when nothing holds the pool: fractional amounts never accumulate drift.
    cap.used[j] = --cap.holders[j]! === 0 ? 0 : cap.used[j]! - res.amount[e]!
  }
}

/** No pools, or no limits. */
const NONE: Readonly<Record<string, number>> = Object.freeze({})

/**
 * True when `record` is absent or an object with no own enumerable key (no array built, as
 * `Object.keys` would). Anything else goes to the checks of {@link checkResources}.
 */
function isEmpty(record: Readonly<Record<string, number>> | undefined): boolean {
  if (record === undefined) return true
  if (typeof record !== 'object' || record === null) return false
  for (const name in record) if (Object.hasOwn(record, name)) return false
  return true
}

/** The nodes of a plan that need none, in index order; computed once per plan. */
const planRoots = new WeakMap<SchedulePlan, Int32Array>()

function rootsOf(plan: SchedulePlan): Int32Array {
  let roots = planRoots.get(plan)
  if (roots === undefined) {
    const found: number[] = []
    const indegree = plan.indegree
    for (let i = 0; i < indegree.length; i++) if (indegree[i] === 0) found.push(i)
    roots = Int32Array.from(found)
    planRoots.set(plan, roots)
  }
  return roots
}

/** Per-name combination of two records (names of either; `pick` where both have one); `a` itself without `b`. */
function merge(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>> | undefined, pick: (x: number, y: number) => number): Readonly<Record<string, number>> {
  if (b === undefined) return a
  const out: Record<string, number> = { ...b }
  for (const name of Object.keys(a)) out[name] = Object.hasOwn(b, name) ? pick(a[name]!, b[name]!) : a[name]!
  return out
}
