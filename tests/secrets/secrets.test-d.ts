import { describe, expectTypeOf, it } from 'vitest'
import type { SerializedError } from '../../src/errors/index.js'
import {
  chainSecrets,
  createRedactor,
  envSecrets,
  fileSecrets,
  memorySecrets,
  SecretError,
  SecretLeakError,
  type SecretLeak,
  type SecretProvider,
} from '../../src/secrets/index.js'
import { aesGcmCodec, identityCodec, type AesGcmCodec, type PayloadCodec } from '../../src/codec/index.js'

describe('public types', () => {
  it('providers are SecretProviders and a host can write its own', () => {
    expectTypeOf(envSecrets()).toEqualTypeOf<SecretProvider>()
    expectTypeOf(fileSecrets('x')).toEqualTypeOf<SecretProvider>()
    expectTypeOf(memorySecrets({ A: 'b' })).toEqualTypeOf<SecretProvider>()
    const vault: SecretProvider = { get: async (name: string) => (name === 'A' ? 'value' : undefined) }
    expectTypeOf(chainSecrets(vault, envSecrets())).toEqualTypeOf<SecretProvider>()
    // @ts-expect-error a provider resolves strings
    const wrong: SecretProvider = { get: async () => 42 }
    void wrong
  })

  it('the redactor has the shapes the engine relies on', () => {
    const redactor = createRedactor()
    expectTypeOf(redactor.add).returns.toEqualTypeOf<boolean>()
    expectTypeOf(redactor.redact).returns.toEqualTypeOf<string>()
    expectTypeOf(redactor.redactError).returns.toEqualTypeOf<SerializedError>()
    expectTypeOf(redactor.findLeaks).returns.toEqualTypeOf<SecretLeak[]>()
    expectTypeOf(new SecretLeakError({ leaks: redactor.findLeaks({}) })).toMatchTypeOf<SecretError>()
    expectTypeOf<SecretLeakError['data']>().toEqualTypeOf<{ readonly stepId?: string; readonly leaks: readonly SecretLeak[] }>()
  })

  it('codecs are PayloadCodecs', () => {
    expectTypeOf(identityCodec()).toEqualTypeOf<PayloadCodec>()
    expectTypeOf(aesGcmCodec({ keys: { k: Buffer.alloc(32) }, current: 'k' })).toEqualTypeOf<AesGcmCodec>()
    expectTypeOf<AesGcmCodec>().toMatchTypeOf<PayloadCodec>()
    expectTypeOf<PayloadCodec['decode']>().returns.toEqualTypeOf<string>()
  })
})
