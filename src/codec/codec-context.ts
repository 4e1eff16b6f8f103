import { CodecArgumentError } from './codec-errors.js'
import type { CodecContext } from './port.js'

/** Throws {@link CodecArgumentError} unless `context` is a valid {@link CodecContext}. @internal */
export function checkContext(context: CodecContext): void {
  if (typeof context !== 'object' || context === null) throw new CodecArgumentError('context', 'an object `{ runId, seq }`', context)
  if (typeof context.runId !== 'string' || context.runId === '') throw new CodecArgumentError('context.runId', 'a non-empty string', context.runId)
  if (!Number.isSafeInteger(context.seq) || context.seq < 0) throw new CodecArgumentError('context.seq', 'an integer from 0 and up', context.seq)
}

/** The plaintext as UTF-8 text. @internal */
export function toText(plaintext: Uint8Array | string): string {
  if (typeof plaintext === 'string') return plaintext
  if (plaintext instanceof Uint8Array) return Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength).toString('utf8')
  throw new CodecArgumentError('plaintext', 'a string or a Uint8Array', plaintext)
}
