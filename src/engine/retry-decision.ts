import { hash32, mulberry32, parseDuration } from '../runtime/index.js'
import type { StepRetry } from '../workflow/index.js'

const neverRetried = new Set(['WEFT_CONTRACT_VIOLATION', 'WEFT_CANCELLED', 'WEFT_NON_RETRYABLE', 'WEFT_SECRET_LEAK'])

/**
 * The delay before the next attempt of a step, or `undefined` when the failure is final.
 * Pure: the jitter of `decorrelated-jitter` comes from a PRNG seeded by the run seed, the step
 * id and the attempt, so a replay computes the same delays.
 * @internal
 */
export function retryDelay(retry: StepRetry, attempt: number, error: unknown, seed: number, stepId: string): number | undefined {
  if (attempt >= retry.attempts) return undefined
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && neverRetried.has(code)) return undefined
  if (retry.retryOn !== undefined && !retry.retryOn(error)) return undefined
  const base = parseDuration(retry.base ?? '1s')!
  const max = parseDuration(retry.max ?? '5m')!
  switch (retry.backoff ?? 'exponential') {
    case 'constant':
      return Math.min(max, base)
    case 'linear':
      return Math.min(max, base * attempt)
    case 'exponential':
      return Math.min(max, base * 2 ** (attempt - 1))
    case 'decorrelated-jitter': {
      // AWS "decorrelated jitter": d(n) = min(max, uniform(base, 3 * d(n-1))), d(0) = base.
      const random = mulberry32(hash32(`${stepId}#retry`, seed))
      let delay = base
      for (let n = 1; n <= attempt; n++) delay = Math.min(max, base + random() * (delay * 3 - base))
      return Math.round(delay)
    }
  }
}
