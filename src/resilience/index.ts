/**
 * Resilience policies — retry, timeout, circuit breaker, bulkhead, rate limit, fallback and
 * self-healing — each a small factory returning one {@link Policy}, composable with
 * {@link wrap}, usable around any async function with or without a workflow. Time comes
 * from an injected `Clock` and randomness from an injected seeded PRNG, so tests use a
 * `SimulatedClock` and the engine can replay every decision ({@link RetryPolicy.decide},
 * {@link selectRemedy}, breaker snapshots).
 * @packageDocumentation
 */
export type { Policy, PolicyContext, PolicyFunction, PolicyExtra, Unsubscribe } from './policy.js'
export { wrap, type WrappedPolicy } from './wrap.js'
export { matchesError, type ErrorMatcher } from './error-matcher.js'
export {
  NonRetryableError,
  CircuitOpenError,
  BulkheadRejectedError,
  RemedyFailedError,
  StepTimeoutError,
  type CircuitOpenErrorData,
  type BulkheadRejectedErrorData,
  type RemedyFailedErrorData,
} from './resilience-errors.js'
export {
  constantBackoff,
  linearBackoff,
  exponentialBackoff,
  decorrelatedJitter,
  type Backoff,
  type BackoffOptions,
  type ExponentialBackoffOptions,
  type DecorrelatedJitterOptions,
} from './backoff.js'
export {
  retry,
  isNonRetryable,
  type RetryOptions,
  type RetryPolicy,
  type RetryDecision,
  type RetryEvent,
  type GiveUpEvent,
  type BackoffName,
} from './retry.js'
export { timeout, type TimeoutOptions, type TimeoutPolicy, type TimeoutEvent } from './timeout.js'
export {
  consecutiveBreaker,
  samplingBreaker,
  type Breaker,
  type BreakerOutcome,
  type ConsecutiveBreakerState,
  type SamplingBreakerOptions,
  type SamplingBreakerState,
} from './breakers.js'
export {
  circuitBreaker,
  breakerRegistry,
  type CircuitState,
  type CircuitBreakerOptions,
  type CircuitBreakerPolicy,
  type CircuitBreakerSnapshot,
  type BreakerEvent,
  type BreakerRegistry,
  type BreakerRegistryOptions,
} from './circuit-breaker.js'
export { bulkhead, type BulkheadOptions, type BulkheadPolicy } from './bulkhead.js'
export {
  rateLimit,
  rateLimitRegistry,
  type RateLimitOptions,
  type RateLimitPolicy,
  type RateLimitRegistry,
  type RateLimitRegistryOptions,
} from './rate-limit.js'
export { fallback, type FallbackOptions, type FallbackPolicy, type FallbackValue } from './fallback.js'
export {
  heal,
  healing,
  selectRemedy,
  isSkipped,
  Skipped,
  type RemedyRule,
  type RemedyOutcome,
  type RemedyAction,
  type RemedySelection,
  type Remediation,
  type RemedyEvent,
  type HealOptions,
  type HealingPolicy,
} from './healing.js'
