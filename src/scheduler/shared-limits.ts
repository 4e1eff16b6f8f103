import { Capacity } from './capacity.js'
import { optionProblems, problemsMessage } from './check-resources.js'

/**
 * Options of {@link createSlotPool}.
 * @public
 */
export interface SharedLimitsOptions {
  /**
   * Most nodes running at once across every member scheduler (every run of the engine).
   * @defaultValue Infinity
   */
  readonly concurrency?: number
  /**
   * Capacity of each resource pool, shared by every member, e.g. `{ cpu: 8, gpu: 2 }`.
   * @defaultValue `{}`
   */
  readonly pools?: Readonly<Record<string, number>>
  /**
   * Most running nodes per concurrency key across every member, e.g. `{ db: 2 }`.
   * @defaultValue `{}`
   */
  readonly limits?: Readonly<Record<string, number>>
  /**
   * Fairness bound across runs: once a member's best-ranked ready node has waited for shared
   * capacity through this many grants, the pool serves only that member until the node is no
   * longer blocked on shared capacity (usually: until it starts). `0` = strict; `Infinity` =
   * plain round-robin (a large node may wait for a long stream of small ones).
   * @defaultValue 8
   */
  readonly backfillLimit?: number
}

/**
 * A node a {@link SharedLimits} pool granted a slot to: `owner` is the `owner` its scheduler
 * was created with, `node` the node index in that scheduler's plan. The node is already
 * counted as running there.
 * @public
 */
export interface SlotGrant<T> {
  /** Whose node: the `owner` option of the member {@link Scheduler}. */
  readonly owner: T
  /** Node index in the owner's plan. */
  readonly node: number
}

/**
 * Limits shared by several {@link Scheduler}s (several runs of one engine): a global
 * concurrency, resource pools and per-key limits, with round-robin service across members so
 * that one huge run cannot hold back a small one. Pure and deterministic: no timers, no I/O;
 * the same calls in the same order give the same grants.
 *
 * Members join by passing `shared: pool` (and an `owner`) to `new Scheduler(...)` and leave
 * with {@link Scheduler.close}. A member's own `take()` respects the shared limits too, but only
 * {@link SharedLimits.take} applies the round-robin fairness.
 * @public
 */
export interface SharedLimits<T = unknown> {
  /** Most nodes running at once across members. */
  readonly concurrency: number
  /** Pool capacities (a frozen copy). */
  readonly pools: Readonly<Record<string, number>>
  /** Per-key limits (a frozen copy). */
  readonly limits: Readonly<Record<string, number>>
  /** See {@link SharedLimitsOptions.backfillLimit}. */
  readonly backfillLimit: number
  /** Nodes of all members currently holding a slot. */
  readonly running: number
  /** Number of member schedulers. */
  readonly members: number
  /**
   * Grants the next slot, or `undefined` when no member can start a node now. Members are
   * served round-robin in the order they joined, one node per turn, starting after the member
   * served last; within a member, its own order (priority, critical path, declaration, its
   * backfill rule) decides which node. A member whose best node has waited for shared capacity
   * through {@link SharedLimits.backfillLimit} grants is served exclusively until it is no
   * longer blocked. O(M) member checks per call, for M members.
   */
  take(): SlotGrant<T> | undefined
}

/**
 * A member as the pool sees it.
 * @internal
 */
export interface PoolMember {
  readonly owner: unknown
  /** The member's own `take()`: a node (now running) or -1. */
  take(): number
  /** After `take()`: the member's best-ranked ready node fits its own limits but not the shared ones. */
  readonly blockedOnShared: boolean
}

/**
 * The shared accounting members read and write.
 * @internal
 */
export interface PoolState {
  readonly capacity: Capacity
  join(member: PoolMember): void
  leave(member: PoolMember): void
}

const states = new WeakMap<object, PoolState>()

/**
 * The internal state of a pool made by {@link createSlotPool}.
 * @internal
 */
export function poolStateOf(pool: SharedLimits<unknown>): PoolState {
  const state = states.get(pool)
  if (state === undefined) throw new TypeError('Expected `shared` to be a pool made by createSlotPool()')
  return state
}

/**
 * Creates limits shared by several schedulers, served round-robin.
 *
 * How an engine uses it (one pool per engine, one scheduler per run):
 * ```ts
 * const slots = createSlotPool<RunExecution>({ concurrency: 16, pools: { cpu: 8 }, limits: { db: 2 } })
 * // per run, before it starts: report checkResources(plan, slots.pools, slots.limits) as definition errors
 * const scheduler = new Scheduler(plan, { concurrency: perRun, shared: slots, owner: run })
 * // whenever any run settles a node, a run starts, or a run ends (and after each run drained
 * // its own takeBlocked()):
 * for (let g = slots.take(); g !== undefined; g = slots.take()) g.owner.startStep(g.node)
 * // when a run ends (succeeded, failed fast, cancelled): scheduler.close()
 * ```
 * Throws a RangeError listing every invalid capacity or limit.
 * @example
 * ```ts
 * const slots = createSlotPool({ concurrency: 4 })
 * const a = new Scheduler(planA, { shared: slots, owner: 'a' })
 * const b = new Scheduler(planB, { shared: slots, owner: 'b' })
 * slots.take() // { owner: 'a', node: … }, then 'b', then 'a', …
 * ```
 * @public
 */
export function createSlotPool<T = unknown>(options: SharedLimitsOptions = {}): SharedLimits<T> {
  const concurrency = options.concurrency ?? Infinity
  if (typeof concurrency !== 'number' || !(concurrency === Infinity || (Number.isInteger(concurrency) && concurrency >= 1))) {
    throw new RangeError(`Expected \`concurrency\` to be an integer from 1 and up (or Infinity), got \`${String(concurrency)}\` (${typeof concurrency})`)
  }
  const backfillLimit = options.backfillLimit ?? 8
  checkBackfillLimit(backfillLimit)
  const pools = Object.freeze({ ...options.pools })
  const limits = Object.freeze({ ...options.limits })
  const problems = optionProblems(pools, limits)
  if (problems.length > 0) throw new RangeError(problemsMessage('createSlotPool', problems))
  const pool = new SlotPool<T>(new Capacity(concurrency, pools, limits), pools, limits, backfillLimit)
  return pool
}

class SlotPool<T> implements SharedLimits<T>, PoolState {
  private readonly ring: PoolMember[] = []
  /** Ring position after the member served last (taken modulo the ring size). */
  private cursor = 0
  /** Grants so far: the clock of the fairness rule. */
  private grants = 0
  /** Grant count when each member was first seen blocked on shared capacity. */
  private readonly waitingSince = new Map<PoolMember, number>()
  /** Members served exclusively, in the order they became due. */
  private readonly due: PoolMember[] = []

  constructor(
    readonly capacity: Capacity,
    readonly pools: Readonly<Record<string, number>>,
    readonly limits: Readonly<Record<string, number>>,
    readonly backfillLimit: number,
  ) {
    states.set(this, this)
  }

  get concurrency(): number {
    return this.capacity.concurrency
  }

  get running(): number {
    return this.capacity.running
  }

  get members(): number {
    return this.ring.length
  }

  join(member: PoolMember): void {
    if (!this.ring.includes(member)) this.ring.push(member)
  }

  leave(member: PoolMember): void {
    const i = this.ring.indexOf(member)
    if (i < 0) return
    this.ring.splice(i, 1)
    if (i < this.cursor) this.cursor--
    this.waitingSince.delete(member)
    const d = this.due.indexOf(member)
    if (d >= 0) this.due.splice(d, 1)
  }

  take(): SlotGrant<T> | undefined {
    const ring = this.ring
    if (ring.length === 0 || this.capacity.running >= this.capacity.concurrency) return undefined
    // A due member is served alone until its best node no longer waits for shared capacity.
    while (this.due.length > 0) {
      const member = this.due[0]!
      const node = member.take()
      if (node >= 0) {
        if (!member.blockedOnShared) this.settleWait(member)
        return this.grant(member, node)
      }
      if (member.blockedOnShared) return undefined
      this.settleWait(member)
    }
    const n = ring.length
    for (let k = 0; k < n; k++) {
      const index = (this.cursor + k) % n
      const member = ring[index]!
      const node = member.take()
      const becameDue = this.track(member)
      if (node >= 0) {
        this.cursor = index + 1 // not reduced: a member joining now is next
        return this.grant(member, node)
      }
      if (becameDue) return undefined
    }
    return undefined
  }

  private grant(member: PoolMember, node: number): SlotGrant<T> {
    this.grants++
    return { owner: member.owner as T, node }
  }

  /** Updates a member's wait after a visit; true when it just became due. */
  private track(member: PoolMember): boolean {
    if (!member.blockedOnShared) {
      this.settleWait(member)
      return false
    }
    const since = this.waitingSince.get(member)
    if (since === undefined) {
      this.waitingSince.set(member, this.grants)
      if (this.backfillLimit > 0) return false
    } else if (this.grants - since < this.backfillLimit || this.due.includes(member)) {
      return false
    }
    this.due.push(member)
    return true
  }

  private settleWait(member: PoolMember): void {
    this.waitingSince.delete(member)
    const d = this.due.indexOf(member)
    if (d >= 0) this.due.splice(d, 1)
  }
}

/**
 * Throws a RangeError unless `limit` is an integer from 0 (or Infinity): the starvation bound of
 * `backfillLimit` of a scheduler and of a slot pool.
 * @internal
 */
export function checkBackfillLimit(limit: unknown): void {
  if (typeof limit !== 'number' || !(limit === Infinity || (Number.isInteger(limit) && limit >= 0))) {
    throw new RangeError(`Expected \`backfillLimit\` to be an integer from 0 and up (or Infinity), got \`${String(limit)}\` (${typeof limit})`)
  }
}
