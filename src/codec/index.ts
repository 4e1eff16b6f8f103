/**
 * Payload codecs: how a store turns each journal record into what it writes. The
 * {@link PayloadCodec} port, {@link identityCodec} (no change) and {@link aesGcmCodec}
 * (AES-256-GCM, authenticated, bound to run and position, with key rotation).
 * @packageDocumentation
 */
export type { PayloadCodec, CodecContext } from './port.js'
export { identityCodec } from './identity-codec.js'
export { aesGcmCodec, type AesGcmCodec, type AesGcmCodecOptions } from './aes-gcm-codec.js'
export { CodecError, CodecKeyError, CodecAuthenticationError, CodecArgumentError, type CodecKeyProblem } from './codec-errors.js'
