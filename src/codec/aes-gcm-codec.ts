import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import { checkContext } from './codec-context.js'
import { CodecArgumentError, CodecAuthenticationError, CodecKeyError } from './codec-errors.js'
import type { CodecContext, PayloadCodec } from './port.js'

/** Format tag of a record, and the start of every encoded record. @internal */
export const AES_GCM_PREFIX = 'wgcm1.'
const FORMAT = 'wgcm1'
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/
const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
/** Bytes of the key check value: 6 bytes, 8 base64url characters. */
const CHECK_BYTES = 6
const CHECK = /^[A-Za-z0-9_-]{8}$/
const PAYLOAD = /^[A-Za-z0-9_-]+$/

/** True when `id` can name a key: 1 to 64 letters, digits, `_` or `-`. @internal */
export function isKeyId(id: string): boolean {
  return typeof id === 'string' && KEY_ID.test(id)
}

/**
 * Options of {@link aesGcmCodec}.
 * @public
 */
export interface AesGcmCodecOptions {
  /**
   * Every key that may have written a record, by key id (1 to 64 letters, digits, `_` or `-`).
   * A key is 32 bytes: a `Buffer`/`Uint8Array`, or a string of base64 (standard or URL-safe,
   * padding optional), e.g. from `openssl rand -base64 32`. Keys are copied. Keep old keys here
   * for as long as journals written with them are read.
   * @example `{ '2024-06': process.env.WEFT_KEY_2024_06!, '2025-01': process.env.WEFT_KEY_2025_01! }`
   */
  readonly keys: Readonly<Record<string, Uint8Array | string>>
  /**
   * Id of the key that encrypts new records; must be one of `keys`. Rotate by adding a new key
   * and making it current: records written before still decrypt with their own key.
   */
  readonly current: string
}

/**
 * A {@link PayloadCodec} that encrypts records with AES-256-GCM.
 * @public
 */
export interface AesGcmCodec extends PayloadCodec {
  /** `aes-256-gcm`. */
  readonly id: 'aes-256-gcm'
  /** Id of the key that encrypts new records. */
  readonly currentKeyId: string
  /** Checks `sample` as `decode` would, without returning the plaintext. */
  verify(sample: string, context: CodecContext): void
  /**
   * Id of the key a record was written with, read from the record without decrypting it;
   * `undefined` when `encoded` is not a record of this codec. Lets a tool find the journals
   * that still need an old key before it is dropped.
   */
  keyIdOf(encoded: string): string | undefined
}

interface Key {
  readonly key: KeyObject
  /** Key check value: identifies the key material without revealing it. */
  readonly check: string
}

function keyCheck(bytes: Uint8Array): string {
  return createHmac('sha256', bytes).update('weft/aes-256-gcm/key-check/v1').digest().subarray(0, CHECK_BYTES).toString('base64url')
}

function keyBytes(keyId: string, value: unknown): Buffer {
  if (value instanceof Uint8Array) {
    if (value.byteLength !== KEY_BYTES) throw new CodecKeyError({ keyId, problem: 'invalid', detail: `must be ${KEY_BYTES} bytes for AES-256, got ${value.byteLength} bytes` })
    return Buffer.from(value)
  }
  if (typeof value !== 'string') throw new CodecKeyError({ keyId, problem: 'invalid', detail: `must be a Buffer, a Uint8Array or a base64 string, got ${value === null ? 'null' : typeof value}` })
  const text = value.trim()
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) throw new CodecKeyError({ keyId, problem: 'invalid', detail: `must be base64 (standard or URL-safe) of ${KEY_BYTES} bytes; the string has other characters` })
  const bytes = Buffer.from(text, 'base64')
  // Only canonical base64 is accepted, so that a mistyped key cannot decode to other bytes silently.
  if (bytes.toString('base64').replace(/=+$/, '') !== text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/')) {
    throw new CodecKeyError({ keyId, problem: 'invalid', detail: `must be base64 (standard or URL-safe) of ${KEY_BYTES} bytes; the string is not canonical base64` })
  }
  if (bytes.length !== KEY_BYTES) throw new CodecKeyError({ keyId, problem: 'invalid', detail: `must be ${KEY_BYTES} bytes for AES-256, got ${bytes.length} bytes from base64 (hex is not accepted)` })
  return bytes
}

/** The additional authenticated data of a record: its format, key, run and position. */
function aad(keyId: string, check: string, context: CodecContext): Buffer {
  return Buffer.from(JSON.stringify([FORMAT, keyId, check, context.runId, context.seq]), 'utf8')
}

/**
 * Encrypts each record with AES-256-GCM (node:crypto) under the `current` key, with a fresh
 * random 12-byte IV, and binds it to its run id and sequence number as additional
 * authenticated data, so a record moved to another run or position fails authentication. The
 * record keeps the id of its key and a 6-byte key check value, so that any key in `keys`
 * decrypts it (rotation) and a wrong key is told apart from a damaged record.
 *
 * An encoded record is printable ASCII: `wgcm1.<key id>.<key check>.<base64url(iv ‖ ciphertext ‖ tag)>`.
 * `decode` throws {@link CodecKeyError} when the key id is not in `keys` (`missing`) or the key
 * given under that id is not the one that wrote the record (`mismatch`), and
 * {@link CodecAuthenticationError} for anything else: a malformed record or a failed GCM tag
 * (changed IV, ciphertext or tag, or another run id or position). Changing a record's key id or
 * key check therefore reads as a key problem; every other change as an authentication failure.
 * Either way nothing is decrypted.
 *
 * Throws {@link CodecKeyError} (`invalid`) for a key that is not 32 bytes or a bad key id, and
 * (`missing`) when `current` is not in `keys`. With random IVs, encrypt at most 2^32 records
 * per key: rotate long before that.
 * @example
 * ```ts
 * const codec = aesGcmCodec({ keys: { k2: process.env.WEFT_KEY_K2!, k1: process.env.WEFT_KEY_K1! }, current: 'k2' })
 * const record = codec.encode(JSON.stringify(event), { runId: event.runId, seq: event.seq })
 * codec.decode(record, { runId: event.runId, seq: event.seq })
 * ```
 * @public
 */
export function aesGcmCodec(options: AesGcmCodecOptions): AesGcmCodec {
  if (typeof options !== 'object' || options === null) throw new CodecArgumentError('options', 'an object `{ keys, current }`', options)
  const { keys: given, current } = options
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new CodecArgumentError('keys', 'an object of keys by key id', given)
  const keys = new Map<string, Key>()
  for (const keyId of Object.keys(given)) {
    if (!isKeyId(keyId)) throw new CodecKeyError({ problem: 'invalid', detail: `key id ${JSON.stringify(keyId.slice(0, 80))} must be 1 to 64 letters, digits, \`_\` or \`-\`` })
    const bytes = keyBytes(keyId, given[keyId])
    keys.set(keyId, { key: createSecretKey(bytes), check: keyCheck(bytes) })
    bytes.fill(0)
  }
  if (typeof current !== 'string') throw new CodecArgumentError('current', 'a key id (a string)', current)
  const currentKey = keys.get(current)
  if (currentKey === undefined) throw new CodecKeyError({ keyId: current, problem: 'missing', detail: `\`current\` names a key that is not in \`keys\` (${keys.size === 0 ? 'none given' : [...keys.keys()].map((k) => `"${k}"`).join(', ')})` })

  const open = (encoded: string, context: CodecContext): Buffer => {
    checkContext(context)
    const malformed = (detail: string, keyId?: string): CodecAuthenticationError =>
      new CodecAuthenticationError({ runId: context.runId, seq: context.seq, ...(keyId === undefined ? {} : { keyId }), reason: 'malformed' }, detail)
    if (typeof encoded !== 'string' || !encoded.startsWith(AES_GCM_PREFIX)) throw malformed('not an aes-256-gcm record')
    const parts = encoded.split('.')
    if (parts.length !== 4) throw malformed('wrong number of fields')
    const [, keyId, check, payload] = parts as [string, string, string, string]
    if (!isKeyId(keyId)) throw malformed('invalid key id field')
    if (!CHECK.test(check)) throw malformed('invalid key check field', keyId)
    if (!PAYLOAD.test(payload)) throw malformed('invalid payload field', keyId)
    const bytes = Buffer.from(payload, 'base64url')
    // Canonical base64url only: every change of the text is a change of the bytes.
    if (bytes.length < IV_BYTES + TAG_BYTES || bytes.toString('base64url') !== payload) throw malformed('invalid payload field', keyId)
    const key = keys.get(keyId)
    if (key === undefined) {
      throw new CodecKeyError({ keyId, problem: 'missing', detail: 'the record was encrypted with a key that is not in `keys` (add it back to read this journal)', runId: context.runId, seq: context.seq })
    }
    if (key.check !== check) {
      throw new CodecKeyError({ keyId, problem: 'mismatch', detail: 'the key given under this id is not the key that encrypted the record', runId: context.runId, seq: context.seq })
    }
    const decipher = createDecipheriv('aes-256-gcm', key.key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES })
    decipher.setAAD(aad(keyId, check, context))
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
    const body = decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES))
    try {
      return Buffer.concat([body, decipher.final()])
    } catch {
      body.fill(0)
      throw new CodecAuthenticationError({ runId: context.runId, seq: context.seq, keyId, reason: 'authentication' }, 'the record was changed, or belongs to another run or position')
    }
  }

  return {
    id: 'aes-256-gcm',
    currentKeyId: current,
    encode(plaintext, context) {
      checkContext(context)
      let data: Uint8Array
      if (typeof plaintext === 'string') data = Buffer.from(plaintext, 'utf8')
      else if (plaintext instanceof Uint8Array) data = plaintext
      else throw new CodecArgumentError('plaintext', 'a string or a Uint8Array', plaintext)
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', currentKey.key, iv, { authTagLength: TAG_BYTES })
      cipher.setAAD(aad(current, currentKey.check, context))
      const body = Buffer.concat([iv, cipher.update(data), cipher.final(), cipher.getAuthTag()])
      return `${AES_GCM_PREFIX}${current}.${currentKey.check}.${body.toString('base64url')}`
    },
    decode(encoded, context) {
      return open(encoded, context).toString('utf8')
    },
    verify(sample, context) {
      open(sample, context).fill(0)
    },
    keyIdOf(encoded) {
      if (typeof encoded !== 'string' || !encoded.startsWith(AES_GCM_PREFIX)) return undefined
      const keyId = encoded.slice(AES_GCM_PREFIX.length).split('.', 1)[0]
      return isKeyId(keyId) ? keyId : undefined
    },
  }
}
