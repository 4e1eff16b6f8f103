import { WeftError } from '../errors/index.js'

/**
 * Base of the payload codec errors. None of them carries key material or plaintext.
 * @public
 */
export class CodecError<Data = unknown> extends WeftError<Data> {}

/**
 * What is wrong with a key: `missing`, a record (or `current`) names a key id the codec was
 * not given; `mismatch`, the key given under that id is not the one the record was written
 * with; `invalid`, a key or key id in the options is not usable (not 32 bytes, not base64, bad
 * id).
 * @public
 */
export type CodecKeyProblem = 'missing' | 'mismatch' | 'invalid'

/**
 * A key is missing, wrong or invalid (see {@link CodecKeyProblem}). Raised by the codec factory
 * for bad options and by `decode`/`verify` for a record the configured keys cannot open. A
 * store raises it when it opens a journal, before any step runs; it is a configuration problem,
 * not corruption.
 * @public
 */
export class CodecKeyError extends CodecError<{ readonly keyId?: string; readonly problem: CodecKeyProblem; readonly detail: string; readonly runId?: string; readonly seq?: number }> {
  /** Stable code. */
  static readonly code = 'WEFT_CODEC_KEY'
  constructor(data: { readonly keyId?: string; readonly problem: CodecKeyProblem; readonly detail: string; readonly runId?: string; readonly seq?: number }) {
    const where = data.runId === undefined ? '' : ` (run "${data.runId}", record ${data.seq ?? '?'})`
    super(CodecKeyError.code, `${data.keyId === undefined ? 'codec key' : `key "${data.keyId}"`}: ${data.detail}${where}`, data)
  }
}

/**
 * A record failed authentication: it is malformed, or its bytes, run id or position were
 * changed since it was written (or it belongs to another run or position). A store reports it
 * like corruption (`JournalCorruptError` with this error as `cause`).
 * @public
 */
export class CodecAuthenticationError extends CodecError<{ readonly runId: string; readonly seq: number; readonly keyId?: string; readonly reason: 'malformed' | 'authentication' }> {
  /** Stable code. */
  static readonly code = 'WEFT_CODEC_AUTHENTICATION'
  constructor(data: { readonly runId: string; readonly seq: number; readonly keyId?: string; readonly reason: 'malformed' | 'authentication' }, detail: string) {
    super(CodecAuthenticationError.code, `record ${data.seq} of run "${data.runId}" failed authentication: ${detail}`, data)
  }
}

/**
 * A codec option or call argument is invalid (not a key: those give {@link CodecKeyError}).
 * Shares its code with the engine's `InvalidArgumentError`.
 * @public
 */
export class CodecArgumentError extends CodecError<{ readonly argument: string; readonly value: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_INVALID_ARGUMENT'
  constructor(argument: string, expected: string, value: unknown) {
    let shown: string
    try {
      shown = typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value) : typeof value === 'object' && value !== null ? Array.isArray(value) ? 'an array' : 'an object' : String(value)
    } catch {
      shown = typeof value
    }
    shown = `${shown} (${value === null ? 'null' : typeof value})`
    super(CodecArgumentError.code, `Expected \`${argument}\` to be ${expected}, got \`${shown}\``, { argument, value: shown })
  }
}
