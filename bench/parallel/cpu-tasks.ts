/**
 * The CPU-bound steps of the fan-out benchmark. They run in worker threads (referenced by module
 * and export), in the main thread for calibration, and — as source text — in the bare-thread
 * control, so that both sides run the same code.
 *
 * - `spin`: 30-bit integer mixing (an LCG step and an xorshift) in a loop: pure computation, no allocation, no
 *   native calls. What "CPU-bound" means; the 1.7× target applies to it.
 * - `sha256`: chained SHA-256 digests through `node:crypto`, one hash object and one hex string
 *   per round: native calls and garbage as well as computation (its scaling on this VM's two
 *   vCPUs is bounded by more than the executor; reported, not the target).
 */
import { createHash } from 'node:crypto'
import type { WorkerHandler } from '../../src/executor/index.js'

/**
 * 1,000 rounds of mixing from state `a` (an LCG step and an xorshift, kept to 30 bits so that
 * every value is a small integer). A small function called many times, so that V8 optimizes it
 * as a whole; one long loop of mulberry32's round ran at one speed in some processes and half of
 * it in others, depending on the feedback its on-stack replacement saw.
 */
export function mix1000(a: number): number {
  for (let i = 0; i < 1000; i++) {
    a = (Math.imul(a, 1103515245) + 12345) & 0x3fffffff
    a ^= a >> 7
    a = (a + (a << 3)) & 0x3fffffff
  }
  return a
}

/** `rounds` (rounded up to a multiple of 1,000) rounds of 32-bit integer mixing from `seed`; returns the final state. */
export function spinRounds(seed: number, rounds: number): number {
  let a = seed | 0
  for (let k = 0; k < rounds; k += 1000) a = mix1000(a)
  return a
}

/** `rounds` chained SHA-256 hex digests from `seed`. */
export function hashRounds(seed: number, rounds: number): number {
  let digest = String(seed)
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest('hex')
  return Number.parseInt(digest.slice(0, 8), 16)
}

/** The task kinds, by name. */
export const kernels = { spin: spinRounds, sha256: hashRounds } as const

/** A task kind's name. */
export type Kernel = keyof typeof kernels

/** Worker handler: {@link spinRounds}. */
export const spinTask: WorkerHandler<{ seed: number; rounds: number }, unknown, number> = ({ input }) => spinRounds(input.seed, input.rounds)

/** Worker handler: {@link hashRounds}. */
export const sha256Task: WorkerHandler<{ seed: number; rounds: number }, unknown, number> = ({ input }) => hashRounds(input.seed, input.rounds)
