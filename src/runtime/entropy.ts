import { randomFillSync, randomUUID } from 'node:crypto'

/**
 * Where fresh run ids and seeds come from when the caller gives none. The only source of
 * non-reproducible values the engine uses; inject a fixed one to make ids reproducible.
 * @public
 */
export interface Entropy {
  /** A new unique run id. */
  runId(): string
  /** A new 32-bit run seed. */
  seed(): number
}

/**
 * Cryptographic entropy from `node:crypto`. The engine's default.
 * @public
 */
export const systemEntropy: Entropy = {
  runId: () => randomUUID(),
  seed: () => nextSeed(),
}

// Seeds come from a pool refilled 256 at a time (as `randomUUID` does): one call into the CSPRNG
// per 256 runs instead of one per run.
const seedPool = new Uint32Array(256)
let seedsLeft = 0

function nextSeed(): number {
  if (seedsLeft === 0) {
    randomFillSync(seedPool)
    seedsLeft = seedPool.length
  }
  return seedPool[--seedsLeft]!
}

/**
 * Reproducible entropy for tests: run ids `run-1`, `run-2`, … and seeds from a counter.
 * @public
 */
export function sequentialEntropy(prefix = 'run', firstSeed = 1): Entropy {
  let n = 0
  return { runId: () => `${prefix}-${++n}`, seed: () => firstSeed + n }
}
