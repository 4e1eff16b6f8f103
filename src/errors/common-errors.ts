import { showValue } from './show-value.js'
import { WeftError } from './weft-error.js'

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
 * An engine option or call argument is invalid.
 * @public
 */
export class InvalidArgumentError extends WeftError<{ readonly argument: string; readonly value: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_INVALID_ARGUMENT'
  constructor(argument: string, expected: string, value: unknown) {
    const shown = `${showValue(value)} (${value === null ? 'null' : typeof value})`
    super(InvalidArgumentError.code, `Expected \`${argument}\` to be ${expected}, got \`${shown}\``, { argument, value: shown })
  }
}

/**
 * A step attempt ran past its `timeout`. The attempt's `ctx.signal` aborts with this error;
 * a body that ignores the signal is abandoned and its late result discarded. Retryable.
 * @public
 */
export class StepTimeoutError extends WeftError<{ readonly runId?: string; readonly stepId?: string; readonly attempt?: number; readonly timeoutMs: number }> {
  /** Stable code. */
  static readonly code = 'WEFT_STEP_TIMEOUT'
  constructor(data: { readonly runId?: string; readonly stepId?: string; readonly attempt?: number; readonly timeoutMs: number }) {
    super(StepTimeoutError.code, `${data.stepId === undefined ? 'operation' : `step "${data.stepId}"${data.attempt === undefined ? '' : ` attempt ${data.attempt}`}`} timed out after ${data.timeoutMs} ms`, data)
  }
}
