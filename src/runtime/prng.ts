/**
 * A seeded pseudo-random generator returning floats in [0, 1).
 * @public
 */
export type Random = () => number

/**
 * mulberry32: a small, fast, seeded 32-bit PRNG. Same seed, same sequence, on every platform.
 * @public
 */
export function mulberry32(seed: number): Random {
  let a = seed | 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * FNV-1a 32-bit hash of a string, mixed with an optional 32-bit seed. Used to derive
 * independent, stable per-step seeds from a run seed.
 * @public
 */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
