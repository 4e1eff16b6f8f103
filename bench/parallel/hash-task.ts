/**
 * The CPU-bound step of the fan-out benchmark: `rounds` chained SHA-256 hashes. Runs in worker
 * threads (referenced by module and export), and in the main thread for calibration.
 */
import { createHash } from 'node:crypto'
import type { WorkerHandler } from '../../src/executor/index.js'

export function hashRounds(seed: string, rounds: number): string {
  let digest = seed
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest('hex')
  return digest
}

export const hashTask: WorkerHandler<{ seed: string; rounds: number }, unknown, string> = ({ input }) => hashRounds(input.seed, input.rounds)
