import { toText } from './codec-context.js'
import { CodecKeyError } from './codec-errors.js'
import type { PayloadCodec } from './port.js'
import { AES_GCM_PREFIX, isKeyId } from './aes-gcm-codec.js'

/**
 * The codec that changes nothing: records are stored as their plaintext (bytes given to
 * `encode` are read as UTF-8), and the context is not used. Stores use it when no codec is
 * configured. `decode` and `verify` refuse a record written by {@link aesGcmCodec} with a
 * {@link CodecKeyError} (`missing`), so an encrypted journal opened without its keys fails
 * clearly instead of as corrupt JSON.
 * @example
 * ```ts
 * identityCodec().encode('{"seq":1}', { runId: 'r1', seq: 1 }) // '{"seq":1}'
 * ```
 * @public
 */
export function identityCodec(): PayloadCodec {
  const refuseEncrypted = (encoded: string): void => {
    if (typeof encoded === 'string' && encoded.startsWith(AES_GCM_PREFIX)) {
      const keyId = encoded.slice(AES_GCM_PREFIX.length).split('.', 1)[0]!
      throw new CodecKeyError({ ...(isKeyId(keyId) ? { keyId } : {}), problem: 'missing', detail: 'the record is encrypted (aes-256-gcm); open the store with `aesGcmCodec` and its keys' })
    }
  }
  return {
    id: 'identity',
    encode: (plaintext) => toText(plaintext),
    decode(encoded) {
      refuseEncrypted(encoded)
      return encoded
    },
    verify(sample) {
      refuseEncrypted(sample)
    },
  }
}
