import { WeftError, serializeError, type SerializedError } from '../errors/index.js'

// One class per error family: the engine already throws `StepTimeoutError` for step timeouts,
// so the `timeout` policy throws that same class (same code, same `instanceof`).
export { StepTimeoutError } from '../errors/index.js'

/**
 * Thrown by user code to say "retrying cannot help" (bad request, invalid credentials…).
 * `retry` and the engine never retry it, whatever `retryOn` says.
 * @example
 * ```ts
 * if (res.status === 400) throw new NonRetryableError('bad request', { cause: await res.text() })
 * ```
 * @public
 */
export class NonRetryableError<Data = undefined> extends WeftError<Data> {
  /** Stable code. */
  static readonly code = 'WEFT_NON_RETRYABLE'

  /**
   * @param message - what went wrong
   * @param options - optional structured `data` (keep it JSON-serializable) and `cause`
   */
  constructor(message: string, options: { readonly data?: Data; readonly cause?: unknown } = {}) {
    super(NonRetryableError.code, message, options.data as Data, { cause: options.cause })
  }
}

/**
 * Data of a {@link CircuitOpenError}.
 * @public
 */
export interface CircuitOpenErrorData {
  /** Key of the breaker, when it has one (registry breakers always do). */
  readonly key?: string
  /** `open`: failing fast; `half-open`: another call is already probing. */
  readonly state: 'open' | 'half-open'
  /** Milliseconds until the breaker lets a probe through (`open` only). */
  readonly retryAfterMs?: number
}

/**
 * A circuit breaker refused a call without running it: the circuit is open, or it is
 * half-open and its single probe is already running.
 * @public
 */
export class CircuitOpenError extends WeftError<CircuitOpenErrorData> {
  /** Stable code. */
  static readonly code = 'WEFT_CIRCUIT_OPEN'

  constructor(data: CircuitOpenErrorData) {
    const name = data.key === undefined ? 'circuit' : `circuit "${data.key}"`
    const detail = data.state === 'open' ? `is open${data.retryAfterMs === undefined ? '' : `; next probe in ${data.retryAfterMs} ms`}` : 'is half-open and its probe is running'
    super(CircuitOpenError.code, `${name} ${detail}`, data)
  }
}

/**
 * Data of a {@link BulkheadRejectedError}.
 * @public
 */
export interface BulkheadRejectedErrorData {
  /** Key of the bulkhead's call, when given in the context. */
  readonly key?: string
  /** Maximum concurrent executions. */
  readonly limit: number
  /** Maximum queued callers. */
  readonly queue: number
}

/**
 * A bulkhead refused a call: every execution slot and every queue place was taken.
 * @public
 */
export class BulkheadRejectedError extends WeftError<BulkheadRejectedErrorData> {
  /** Stable code. */
  static readonly code = 'WEFT_BULKHEAD_REJECTED'

  constructor(data: BulkheadRejectedErrorData) {
    super(BulkheadRejectedError.code, `bulkhead${data.key === undefined ? '' : ` "${data.key}"`} is full (${data.limit} running, ${data.queue} queued)`, data)
  }
}

/**
 * Data of a {@link RemedyFailedError}.
 * @public
 */
export interface RemedyFailedErrorData {
  /** Index of the remedy rule whose action failed. */
  readonly rule: number
  /** Name of that rule, when it has one. */
  readonly name?: string
  /** The error the remedy was healing. */
  readonly error: SerializedError
}

/**
 * A healing rule's action (`do`) threw. `cause` is the action's error; `data.error` the
 * error it was healing.
 * @public
 */
export class RemedyFailedError extends WeftError<RemedyFailedErrorData> {
  /** Stable code. */
  static readonly code = 'WEFT_REMEDY_FAILED'

  constructor(rule: number, name: string | undefined, healing: unknown, cause: unknown) {
    const data: RemedyFailedErrorData = name === undefined ? { rule, error: serializeError(healing) } : { rule, name, error: serializeError(healing) }
    super(RemedyFailedError.code, `remedy ${name === undefined ? `#${rule}` : `"${name}"`} failed while healing: ${data.error.message}`, data, { cause })
  }
}
