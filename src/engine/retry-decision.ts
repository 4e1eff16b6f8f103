import { retry, type RetryPolicy } from '../resilience/index.js'
import { hash32, mulberry32 } from '../runtime/index.js'
import type { StepRetry } from '../workflow/index.js'

const policies = new WeakMap<StepRetry, RetryPolicy>()

/** Failures that another attempt cannot change: never retried. */
const FINAL: ReadonlySet<unknown> = new Set(['WEFT_SECRET_LEAK', 'WEFT_SECRET_NOT_DECLARED', 'WEFT_EXEC_NOT_ALLOWED'])

/**
 * The delay before the next attempt of a step, or `undefined` when the failure is final.
 * Delegates to the resilience module's pure `RetryPolicy.decide`; the jitter comes from a PRNG
 * seeded by the run seed, the step id and the attempt, and decorrelated jitter continues from
 * the previous journaled delay, so a replay (or a resumed run) computes the same delays.
 * @internal
 */
export function retryDelay(options: StepRetry, attempt: number, error: unknown, seed: number, key: string, previousDelayMs: number | undefined): number | undefined {
  if (FINAL.has((error as { code?: unknown } | null)?.code)) return undefined
  let policy = policies.get(options)
  if (policy === undefined) {
    policy = retry(options)
    policies.set(options, policy)
  }
  const decision = policy.decide(attempt, error, mulberry32(hash32(`${key}#${attempt}`, seed)), previousDelayMs)
  return decision.retry ? decision.delayMs : undefined
}
