/**
 * A plain-JSON description of an error, safe to store in a journal or send over a wire.
 * @public
 */
export interface SerializedError {
  /** Class name, e.g. `ContractViolation` or `TypeError`. */
  readonly name: string
  /** Human-readable message. */
  readonly message: string
  /** Stable machine-readable code for Weft errors (`WEFT_…`); absent for foreign errors. */
  readonly code?: string
  /** Structured data carried by the error. */
  readonly data?: unknown
  /** Stack trace, when one was available. */
  readonly stack?: string
  /** The serialized cause chain. */
  readonly cause?: SerializedError
}

/**
 * Base class of every error Weft throws. Match on {@link WeftError.code} (stable across
 * versions) or with {@link isWeftError}, never on the message text.
 * @public
 */
export class WeftError<Data = unknown> extends Error {
  /** Stable machine-readable code, e.g. `WEFT_CONTRACT_VIOLATION`. */
  readonly code: string
  /** Structured details; always JSON-serializable. */
  readonly data: Data

  constructor(code: string, message: string, data: Data, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.data = data
  }

  /** A JSON form with name, code, message, data and the serialized cause chain. */
  toJSON(): SerializedError {
    return serializeError(this)
  }
}

/**
 * True when `value` is a {@link WeftError}, optionally with the given `code`.
 * @example
 * ```ts
 * if (isWeftError(err, 'WEFT_CONTRACT_VIOLATION')) console.log(err.data.issues)
 * ```
 * @public
 */
export function isWeftError(value: unknown, code?: string): value is WeftError {
  return value instanceof WeftError && (code === undefined || value.code === code)
}

/**
 * Turns any thrown value into a {@link SerializedError}. Never throws; cause chains are cut
 * after 8 levels.
 * @public
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (error instanceof Error) {
    const out: { -readonly [K in keyof SerializedError]: SerializedError[K] } = {
      name: error.name,
      message: error.message,
    }
    if (error instanceof WeftError) {
      out.code = error.code
      if (error.data !== undefined) out.data = error.data
    } else if (typeof (error as { code?: unknown }).code === 'string') {
      out.code = (error as unknown as { code: string }).code
    }
    if (error.stack !== undefined) out.stack = error.stack
    if (error.cause !== undefined && depth < 8) out.cause = serializeError(error.cause, depth + 1)
    return out
  }
  let message: string
  try {
    message = typeof error === 'string' ? error : JSON.stringify(error) ?? String(error)
  } catch {
    message = String(error)
  }
  return { name: 'NonError', message }
}
