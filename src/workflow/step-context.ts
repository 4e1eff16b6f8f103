/**
 * Structured log lines a step writes through `ctx.log`; they reach the engine's event bus and
 * telemetry as `step.log` events (they are not journaled).
 * @public
 */
export interface StepLogger {
  /** Debug detail. */
  debug(message: string, data?: Record<string, unknown>): void
  /** Normal progress. */
  info(message: string, data?: Record<string, unknown>): void
  /** Something odd that did not fail the step. */
  warn(message: string, data?: Record<string, unknown>): void
  /** A problem. */
  error(message: string, data?: Record<string, unknown>): void
}

/**
 * What a `when` condition sees: the workflow input and the outputs of the step's `needs`.
 * @public
 */
export interface WhenContext<I, D> {
  /** The workflow input (already checked against the input contract). */
  readonly input: I
  /** Outputs of exactly the steps named in `needs`, typed from their contracts. */
  readonly deps: D
}

/**
 * What a step body receives. Time and randomness come from here (`now()`, `random()`,
 * `sleep()`) so runs are reproducible; `signal` aborts when the run is cancelled or fails fast.
 * @public
 */
export interface StepContext<I, D> extends WhenContext<I, D> {
  /** Id of the run. */
  readonly runId: string
  /** Id of the workflow. */
  readonly workflowId: string
  /** Id of this step. */
  readonly stepId: string
  /** Attempt number, from 1. Continues across resumes. */
  readonly attempt: number
  /** Aborts when the step must stop (run cancelled, fail-fast, timeout). */
  readonly signal: AbortSignal
  /**
   * Stable for this run and step across attempts and resumes: use it to make a side effect
   * happen once (e.g. as an idempotency key of a payment API).
   */
  readonly idempotencyKey: string
  /** Current time from the engine's clock. */
  now(): number
  /** A float in [0, 1) from a PRNG seeded by the run seed and the step id. */
  random(): number
  /** Waits on the engine's clock; rejects when `signal` aborts. */
  sleep(ms: number): Promise<void>
  /** Structured logger. */
  readonly log: StepLogger
  /**
   * Reads a secret the step declares in `secrets` from the engine's secret provider. The value
   * is registered with the run's redactor before it is returned, so whatever the step logs,
   * throws or returns next has it replaced by `[REDACTED:NAME]` (an output containing it fails
   * the step with a `SecretLeakError`). Rejects with `SecretNotDeclaredError` for an undeclared
   * name and `SecretNotFoundError` when the provider has no value.
   */
  secret(name: string): Promise<string>
}
