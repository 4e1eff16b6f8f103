import { WeftError } from '../errors/index.js'

/**
 * A step or run was cancelled: `run.cancel()`, the caller's `signal`, or fail-fast after a
 * sibling failed. It is the `reason` of the step's `ctx.signal`.
 * @public
 */
export class CancelledError extends WeftError<{ readonly runId: string; readonly stepId?: string; readonly reason: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_CANCELLED'
  constructor(data: { readonly runId: string; readonly stepId?: string; readonly reason: string }) {
    super(CancelledError.code, `${data.stepId === undefined ? 'run' : `step "${data.stepId}"`} cancelled: ${data.reason}`, data)
  }
}

/**
 * A run failed because one or more steps failed. `data.failedSteps` lists them; each step's
 * own error is in the run result.
 * @public
 */
export class RunFailedError extends WeftError<{ readonly runId: string; readonly workflowId: string; readonly failedSteps: readonly string[] }> {
  /** Stable code. */
  static readonly code = 'WEFT_RUN_FAILED'
  constructor(data: { readonly runId: string; readonly workflowId: string; readonly failedSteps: readonly string[] }, cause?: unknown) {
    super(RunFailedError.code, `run "${data.runId}" of workflow "${data.workflowId}" failed at step${data.failedSteps.length === 1 ? '' : 's'} ${data.failedSteps.map((s) => `"${s}"`).join(', ')}`, data, { cause })
  }
}

/**
 * An engine option or call argument is invalid.
 * @public
 */
export class InvalidArgumentError extends WeftError<{ readonly argument: string; readonly value: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_INVALID_ARGUMENT'
  constructor(argument: string, expected: string, value: unknown) {
    const shown = `${typeof value === 'string' ? JSON.stringify(value) : String(value)} (${value === null ? 'null' : typeof value})`
    super(InvalidArgumentError.code, `Expected \`${argument}\` to be ${expected}, got \`${shown}\``, { argument, value: shown })
  }
}
