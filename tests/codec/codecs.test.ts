import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isWeftError } from '../../src/errors/index.js'
import {
  aesGcmCodec,
  CodecArgumentError,
  CodecAuthenticationError,
  CodecError,
  CodecKeyError,
  identityCodec,
  type CodecContext,
} from '../../src/codec/index.js'
import { payloadCodecConformance } from './payload-codec-conformance.js'

const K1 = randomBytes(32)
const K2 = randomBytes(32)
const K3 = randomBytes(32)
const ctx: CodecContext = { runId: 'run-42', seq: 3 }
const EVENT = '{"type":"step.succeeded","seq":3,"output":{"token":"plain-text-payload"}}'

function caught(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

payloadCodecConformance('identityCodec', () => identityCodec())
payloadCodecConformance('aesGcmCodec', () => aesGcmCodec({ keys: { k1: K1, k2: K2 }, current: 'k2' }))

describe('identityCodec', () => {
  it('stores the plaintext unchanged and ignores the context', () => {
    const codec = identityCodec()
    expect(codec.id).toBe('identity')
    expect(codec.encode(EVENT, ctx)).toBe(EVENT)
    expect(codec.decode(EVENT, { runId: 'other', seq: 99 })).toBe(EVENT)
  })

  it('refuses an encrypted record as a missing key, not as corrupt JSON', () => {
    const record = aesGcmCodec({ keys: { k1: K1 }, current: 'k1' }).encode(EVENT, ctx)
    const error = caught(() => identityCodec().decode(record, ctx))
    expect(error).toBeInstanceOf(CodecKeyError)
    expect(error).toMatchObject({ code: 'WEFT_CODEC_KEY', data: { keyId: 'k1', problem: 'missing' } })
    expect(() => identityCodec().verify!(record, ctx)).toThrow(CodecKeyError)
  })
})

describe('aesGcmCodec', () => {
  const codec = aesGcmCodec({ keys: { k1: K1 }, current: 'k1' })

  it('writes printable ASCII that holds the key id, never the plaintext', () => {
    const record = codec.encode(EVENT, ctx)
    expect(record).toMatch(/^wgcm1\.k1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+$/)
    expect(record).not.toContain('plain-text-payload')
    expect(Buffer.from(record.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('plain-text')
    expect(codec.keyIdOf(record)).toBe('k1')
    expect(codec.keyIdOf(EVENT)).toBeUndefined()
    expect(codec.id).toBe('aes-256-gcm')
    expect(codec.currentKeyId).toBe('k1')
  })

  it('uses a fresh IV for every record', () => {
    const records = new Set(Array.from({ length: 50 }, () => codec.encode(EVENT, ctx)))
    expect(records.size).toBe(50)
    const ivs = new Set([...records].map((r) => Buffer.from(r.split('.')[3]!, 'base64url').subarray(0, 12).toString('hex')))
    expect(ivs.size).toBe(50)
  })

  describe('rotation', () => {
    it('decodes records written with an old key after `current` changes, and encrypts with the new one', () => {
      const before = aesGcmCodec({ keys: { k1: K1 }, current: 'k1' })
      const old = Array.from({ length: 5 }, (_, seq) => before.encode(`{"seq":${seq}}`, { runId: 'r', seq }))
      const after = aesGcmCodec({ keys: { k1: K1, k2: K2 }, current: 'k2' })
      old.forEach((record, seq) => expect(after.decode(record, { runId: 'r', seq })).toBe(`{"seq":${seq}}`))
      const fresh = after.encode('{"seq":5}', { runId: 'r', seq: 5 })
      expect(after.keyIdOf(fresh)).toBe('k2')
      const later = aesGcmCodec({ keys: { k2: K2, k3: K3 }, current: 'k3' })
      expect(later.decode(fresh, { runId: 'r', seq: 5 })).toBe('{"seq":5}')
      // k1 was dropped: its records now need a key the codec does not have.
      const error = caught(() => later.decode(old[0]!, { runId: 'r', seq: 0 }))
      expect(error).toBeInstanceOf(CodecKeyError)
      expect(error).toMatchObject({ data: { keyId: 'k1', problem: 'missing', runId: 'r', seq: 0 } })
    })

    it('accepts keys as base64, base64url, padded or not, Buffer or Uint8Array', () => {
      const record = codec.encode(EVENT, ctx)
      for (const key of [K1.toString('base64'), K1.toString('base64url'), K1.toString('base64').replace(/=+$/, ''), ` ${K1.toString('base64')}\n`, new Uint8Array(K1), K1]) {
        expect(aesGcmCodec({ keys: { k1: key }, current: 'k1' }).decode(record, ctx)).toBe(EVENT)
      }
    })
  })

  describe('tampering', () => {
    const record = codec.encode(EVENT, ctx)
    const keyFieldsEnd = 'wgcm1.k1.'.length + 8 // key id and key check
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ '

    it('detects a change of any character: key fields as a key problem, everything else as authentication', () => {
      for (let i = 0; i < record.length; i++) {
        for (const replacement of [alphabet[(alphabet.indexOf(record[i]!) + 1) % alphabet.length]!, '.']) {
          if (replacement === record[i]) continue
          const tampered = record.slice(0, i) + replacement + record.slice(i + 1)
          const error = caught(() => codec.decode(tampered, ctx))
          const inKeyFields = (i >= 'wgcm1.'.length && i < 'wgcm1.k1'.length) || (i > 'wgcm1.k1'.length && i < keyFieldsEnd)
          if (inKeyFields && /^[A-Za-z0-9_-]$/.test(replacement)) expect(error, `position ${i} → ${replacement}`).toBeInstanceOf(CodecKeyError)
          else expect(error, `position ${i} → ${replacement}`).toBeInstanceOf(CodecAuthenticationError)
        }
      }
    })

    it('detects a change of any byte of the sealed payload (property)', () => {
      const [head, payload] = [record.slice(0, keyFieldsEnd + 1), record.slice(keyFieldsEnd + 1)]
      const bytes = Buffer.from(payload, 'base64url')
      fc.assert(
        fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
          const changed = Buffer.from(bytes)
          changed[at]! ^= flip
          const error = caught(() => codec.decode(head + changed.toString('base64url'), ctx))
          expect(error).toBeInstanceOf(CodecAuthenticationError)
          expect(error).toMatchObject({ code: 'WEFT_CODEC_AUTHENTICATION', data: { runId: 'run-42', seq: 3, keyId: 'k1', reason: 'authentication' } })
        }),
        { numRuns: 300 },
      )
    })

    it('detects truncation, extension and records that are not records', () => {
      for (const bad of [record.slice(0, -1), `${record}A`, `${record}.x`, record.slice(0, keyFieldsEnd + 5), EVENT, '', 'wgcm1.', 'wgcm1.k1.AAAAAAAA.', `${record.slice(0, keyFieldsEnd + 1)}${'A'.repeat(20)}`]) {
        expect(caught(() => codec.decode(bad, ctx)), JSON.stringify(bad)).toBeInstanceOf(CodecAuthenticationError)
      }
    })

    it('binds a record to its run id and position', () => {
      const other = (c: CodecContext): unknown => caught(() => codec.decode(record, c))
      expect(other({ runId: 'run-43', seq: 3 })).toBeInstanceOf(CodecAuthenticationError)
      expect(other({ runId: 'run-42', seq: 4 })).toBeInstanceOf(CodecAuthenticationError)
      expect(other({ runId: 'run-4', seq: 23 })).toBeInstanceOf(CodecAuthenticationError)
      const [a, b] = [codec.encode('{"seq":1}', { runId: 'r', seq: 1 }), codec.encode('{"seq":2}', { runId: 'r', seq: 2 })]
      expect(caught(() => codec.decode(b, { runId: 'r', seq: 1 }))).toBeInstanceOf(CodecAuthenticationError)
      expect(caught(() => codec.decode(a, { runId: 'r', seq: 2 }))).toBeInstanceOf(CodecAuthenticationError)
    })

    it('reports authentication failures like corruption data, without plaintext', () => {
      const error = caught(() => codec.decode(record, { runId: 'run-42', seq: 9 })) as CodecAuthenticationError
      expect(error.message).toBe('record 9 of run "run-42" failed authentication: the record was changed, or belongs to another run or position')
      expect(error).toBeInstanceOf(CodecError)
      expect(JSON.stringify(error.toJSON())).not.toContain('plain-text')
    })
  })

  describe('keys', () => {
    it('refuses a wrong key under the right id as a mismatch, before decrypting', () => {
      const record = codec.encode(EVENT, ctx)
      const wrong = aesGcmCodec({ keys: { k1: K2 }, current: 'k1' })
      const error = caught(() => wrong.decode(record, ctx))
      expect(error).toBeInstanceOf(CodecKeyError)
      expect(error).toMatchObject({ code: 'WEFT_CODEC_KEY', data: { keyId: 'k1', problem: 'mismatch' } })
      expect(isWeftError(error, CodecKeyError.code)).toBe(true)
    })

    it('verify checks a journal sample before anything runs, without returning plaintext', () => {
      const sample = codec.encode(EVENT, { runId: 'r', seq: 0 })
      expect(codec.verify(sample, { runId: 'r', seq: 0 })).toBeUndefined()
      expect(() => aesGcmCodec({ keys: { k1: K2 }, current: 'k1' }).verify(sample, { runId: 'r', seq: 0 })).toThrow(CodecKeyError)
      expect(() => aesGcmCodec({ keys: { k9: K1 }, current: 'k9' }).verify(sample, { runId: 'r', seq: 0 })).toThrow(CodecKeyError)
      expect(() => codec.verify(sample, { runId: 'r', seq: 1 })).toThrow(CodecAuthenticationError)
    })

    it.each([
      ['31 bytes', randomBytes(31), 'must be 32 bytes for AES-256, got 31 bytes'],
      ['33 bytes', randomBytes(33), 'must be 32 bytes for AES-256, got 33 bytes'],
      ['16 bytes of base64', randomBytes(16).toString('base64'), 'got 16 bytes from base64'],
      ['hex', K1.toString('hex'), 'got 48 bytes from base64 (hex is not accepted)'],
      ['not base64', `${K1.toString('base64').slice(0, 40)}!!!`, 'the string has other characters'],
      ['non-canonical base64', `${K1.toString('base64').slice(0, 42)}B=`, 'not canonical base64'],
      ['a number', 42, 'must be a Buffer, a Uint8Array or a base64 string, got number'],
    ])('refuses a key of %s without showing it', (_, key, detail) => {
      const error = caught(() => aesGcmCodec({ keys: { bad: key as string }, current: 'bad' }))
      expect(error).toBeInstanceOf(CodecKeyError)
      expect(error).toMatchObject({ data: { keyId: 'bad', problem: 'invalid' } })
      expect((error as Error).message).toBe(`key "bad": ${(error as CodecKeyError).data.detail}`)
      expect((error as Error).message).toContain(detail)
      const shown = JSON.stringify((error as CodecKeyError).toJSON())
      if (typeof key === 'string') expect(shown).not.toContain(key.slice(0, 12))
      else if (key instanceof Uint8Array) expect(shown).not.toContain(Buffer.from(key).toString('base64').slice(0, 12))
    })

    it('refuses a bad key id and a current key that is not given', () => {
      expect(caught(() => aesGcmCodec({ keys: { 'bad id': K1 }, current: 'bad id' }))).toMatchObject({ code: 'WEFT_CODEC_KEY', data: { problem: 'invalid' } })
      expect(caught(() => aesGcmCodec({ keys: { k1: K1 }, current: 'k2' }))).toMatchObject({
        data: { keyId: 'k2', problem: 'missing' },
        message: 'key "k2": `current` names a key that is not in `keys` ("k1")',
      })
      expect(caught(() => aesGcmCodec({ keys: {}, current: 'k1' }))).toMatchObject({ data: { problem: 'missing' } })
    })

    it('refuses invalid options and contexts with argument errors', () => {
      expect(() => aesGcmCodec(null as never)).toThrow(CodecArgumentError)
      expect(() => aesGcmCodec({ keys: [] as never, current: 'k' })).toThrow('Expected `keys` to be an object of keys by key id, got `an array (object)`')
      expect(() => aesGcmCodec({ keys: { k1: K1 }, current: 1 as never })).toThrow('Expected `current` to be a key id (a string), got `1 (number)`')
      expect(() => codec.encode(EVENT, { runId: '', seq: 1 })).toThrow('Expected `context.runId` to be a non-empty string, got `"" (string)`')
      expect(() => codec.encode(EVENT, { runId: 'r', seq: -1 })).toThrow('Expected `context.seq` to be an integer from 0 and up, got `-1 (number)`')
      expect(() => codec.decode('x', { runId: 'r', seq: 1.5 })).toThrow(CodecArgumentError)
      expect(() => codec.encode(42 as never, ctx)).toThrow('Expected `plaintext` to be a string or a Uint8Array, got `42 (number)`')
    })
  })
})
