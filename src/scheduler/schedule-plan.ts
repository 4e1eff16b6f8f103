import { criticalPath, type IndexedGraph } from '../graph/index.js'

/**
 * Resource demands and concurrency keys of a plan's nodes, interned once per definition.
 *
 * Nodes with the same demand (same amounts of the same pools and the same key) form one
 * *demand class*: at any moment either every node of a class fits the free capacity or none
 * does, which is what lets the {@link Scheduler} find the best-ranked node that fits without
 * looking at each waiting node.
 * @public
 */
export interface PlanResources {
  /** Pool names, in order of first use. Index `p` in {@link PlanResources.pool} names `pools[p]`. */
  readonly pools: readonly string[]
  /** Concurrency keys, in order of first use. */
  readonly keys: readonly string[]
  /** CSR offsets into `pool`/`amount`; length `size + 1`. Entries of node i are sorted by pool index. */
  readonly offsets: Int32Array
  /** Pool index of each demand entry. */
  readonly pool: Int32Array
  /** Amount of each demand entry (as given; {@link checkResources} reports invalid ones). */
  readonly amount: Float64Array
  /** Concurrency key index of each node, or -1. */
  readonly key: Int32Array
  /** Demand class of each node; class 0 is "no resources, no key". */
  readonly demandClass: Int32Array
  /** Number of nodes in each demand class. */
  readonly classSize: Int32Array
}

/**
 * Everything the scheduler needs about a workflow, computed once per definition:
 * successor lists, dependency counts, the static service rank of each node and, when any
 * node declares them, resource demands and concurrency keys.
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
  /** Resource demands and keys; absent when no node declares any (the fast path). */
  readonly resources?: PlanResources
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
  /**
   * Resources node i holds while it runs, by pool name, e.g. `{ cpu: 2, gpu: 1 }`. Amounts must
   * be finite and non-negative (fractions allowed); zero amounts are ignored. A node starts only
   * when every pool it names has that much free (see {@link SchedulerOptions.pools}).
   * @defaultValue no resources
   */
  readonly resources?: (index: number) => Readonly<Record<string, number>> | undefined
  /**
   * Concurrency key of node i: nodes sharing a key run at most `limits[key]` at once
   * (see {@link SchedulerOptions.limits}). A key without a limit is unlimited.
   * @defaultValue no key
   */
  readonly concurrencyKey?: (index: number) => string | undefined
}

/**
 * Ranks nodes for service: priority (descending), then critical-path weight to a sink
 * (descending, so long chains start early), then declaration order. Interns resource demands
 * and concurrency keys into demand classes. O(V log V + E + R) for R demand entries.
 * Throws a RangeError when the graph has a cycle.
 * @example
 * ```ts
 * const plan = schedulePlan(graph, {
 *   estimate: (i) => steps[i].estimate ?? 1,
 *   resources: (i) => steps[i].resources,          // e.g. { gpu: 1 }
 *   concurrencyKey: (i) => steps[i].concurrencyKey, // e.g. 'db'
 * })
 * ```
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
  const resources = planResources(n, options.resources, options.concurrencyKey)
  return resources === undefined ? { graph, indegree, rank, bottom } : { graph, indegree, rank, bottom, resources }
}

function planResources(
  n: number,
  getResources: SchedulePlanOptions['resources'],
  getKey: SchedulePlanOptions['concurrencyKey'],
): PlanResources | undefined {
  if (getResources === undefined && getKey === undefined) return undefined
  const pools: string[] = []
  const poolIndex = new Map<string, number>()
  const keys: string[] = []
  const keyIndex = new Map<string, number>()
  const offsets = new Int32Array(n + 1)
  const poolList: number[] = []
  const amountList: number[] = []
  const key = new Int32Array(n).fill(-1)
  const demandClass = new Int32Array(n)
  const classOf = new Map<string, number>([['', 0]])
  const sizes: number[] = [0]
  let any = false
  const entries: [number, number][] = []
  for (let i = 0; i < n; i++) {
    entries.length = 0
    const demand = getResources?.(i)
    if (demand !== undefined && demand !== null) {
      for (const name of Object.keys(demand)) {
        const amount = demand[name]!
        if (amount === 0) continue
        let p = poolIndex.get(name)
        if (p === undefined) {
          p = pools.length
          pools.push(name)
          poolIndex.set(name, p)
        }
        entries.push([p, amount])
      }
    }
    entries.sort((a, b) => a[0] - b[0])
    const keyName = getKey?.(i)
    let signature = ''
    if (typeof keyName === 'string' && keyName.length > 0) {
      let k = keyIndex.get(keyName)
      if (k === undefined) {
        k = keys.length
        keys.push(keyName)
        keyIndex.set(keyName, k)
      }
      key[i] = k
      signature = `k${k}`
    }
    for (const [p, amount] of entries) {
      poolList.push(p)
      amountList.push(amount)
      signature += `|${p}:${amount}`
    }
    offsets[i + 1] = poolList.length
    let c = classOf.get(signature)
    if (c === undefined) {
      c = sizes.length
      classOf.set(signature, c)
      sizes.push(0)
    }
    if (c !== 0) any = true
    demandClass[i] = c
    sizes[c]!++
  }
  if (!any) return undefined
  return {
    pools,
    keys,
    offsets,
    pool: Int32Array.from(poolList),
    amount: Float64Array.from(amountList),
    key,
    demandClass,
    classSize: Int32Array.from(sizes),
  }
}
