/**
 * The CPU-bound handler of the parallel example: `rounds` rounds of a 32-bit integer mix seeded
 * from a chunk's name (pure computation, so it scales with cores). One function serves every
 * executor: the inline executor calls it as the map step's `run`; the worker-thread and
 * child-process executors import this module and call the export named by `meta.handler`.
 */

/** One chunk of work. */
export interface Chunk {
  readonly seed: string
  readonly rounds: number
}

/** Mixes `chunk.seed` for `chunk.rounds` rounds; returns the final state as 8 hex digits. */
export function digest({ item }: { readonly item: Chunk }): { readonly hex: string } {
  let h = 0x811c9dc5
  for (let i = 0; i < item.seed.length; i++) h = Math.imul(h ^ item.seed.charCodeAt(i), 0x01000193)
  for (let i = 0; i < item.rounds; i++) {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) + i
  }
  return { hex: (h >>> 0).toString(16).padStart(8, '0') }
}
