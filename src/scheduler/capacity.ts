/**
 * Free-capacity accounting of one set of limits (a scheduler's own, or a shared pool's):
 * running count, pool usage and per-key running counts. Internal: the scheduler and the slot
 * pool trust their input here (validated by `checkResources`).
 * @internal
 */
export class Capacity {
  /** Nodes holding a slot. */
  running = 0
  /** Bumped on every release: a cached "nothing fits" is valid while it is unchanged. */
  version = 0
  readonly poolIndex = new Map<string, number>()
  readonly cap: Float64Array
  readonly used: Float64Array
  /** Running nodes holding some of each pool; usage is reset to exactly 0 when it drops to 0. */
  readonly holders: Int32Array
  readonly keyIndex = new Map<string, number>()
  readonly keyLimit: Float64Array
  readonly keyRunning: Int32Array

  constructor(
    public concurrency: number,
    pools: Readonly<Record<string, number>>,
    limits: Readonly<Record<string, number>>,
  ) {
    const poolNames = Object.keys(pools)
    this.cap = new Float64Array(poolNames.length)
    this.used = new Float64Array(poolNames.length)
    this.holders = new Int32Array(poolNames.length)
    poolNames.forEach((name, j) => {
      this.poolIndex.set(name, j)
      this.cap[j] = pools[name]!
    })
    const keyNames = Object.keys(limits)
    this.keyLimit = new Float64Array(keyNames.length)
    this.keyRunning = new Int32Array(keyNames.length)
    keyNames.forEach((name, j) => {
      this.keyIndex.set(name, j)
      this.keyLimit[j] = limits[name]!
    })
  }

  /** Maps plan pool indices to this capacity's pool indices (-1: not limited here). */
  mapPools(names: readonly string[]): Int32Array {
    return Int32Array.from(names, (name) => this.poolIndex.get(name) ?? -1)
  }

  /** Maps plan key indices to this capacity's key indices (-1: not limited here). */
  mapKeys(names: readonly string[]): Int32Array {
    return Int32Array.from(names, (name) => this.keyIndex.get(name) ?? -1)
  }
}

/**
 * `used + amount` fits in `cap`, with a relative tolerance of 1e-9 so fractional amounts
 * (0.1 + 0.2) never lose a slot to rounding.
 * @internal
 */
export function within(total: number, cap: number): boolean {
  return total <= cap + 1e-9 * (cap > 1 ? cap : 1)
}
