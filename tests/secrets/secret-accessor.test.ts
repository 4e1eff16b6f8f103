import { describe, expect, it } from 'vitest'
import { createRedactor, memorySecrets, secretAccessor, SecretNotDeclaredError, SecretNotFoundError, type SecretProvider } from '../../src/secrets/index.js'

describe('secretAccessor', () => {
  it('reads a declared secret and registers it before returning it', async () => {
    const redactor = createRedactor()
    const secret = secretAccessor({ provider: memorySecrets({ NPM_TOKEN: 'npm_abcdef123' }), redactor, declared: ['NPM_TOKEN'], stepId: 'publish' })
    expect(redactor.redact('npm_abcdef123')).toBe('npm_abcdef123')
    await expect(secret('NPM_TOKEN')).resolves.toBe('npm_abcdef123')
    expect(redactor.redact('token npm_abcdef123')).toBe('token [REDACTED:NPM_TOKEN]')
  })

  it('refuses an undeclared secret without asking the provider', async () => {
    const asked: string[] = []
    const provider: SecretProvider = { get: async (name) => (asked.push(name), 'value-123') }
    const secret = secretAccessor({ provider, redactor: createRedactor(), declared: ['A_TOKEN'], stepId: 'build' })
    const error = await secret('B_TOKEN').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SecretNotDeclaredError)
    expect(error).toMatchObject({ data: { name: 'B_TOKEN', stepId: 'build', declared: ['A_TOKEN'] } })
    expect(asked).toEqual([])
  })

  it('rejects with SecretNotFoundError when the provider does not have it', async () => {
    const secret = secretAccessor({ provider: memorySecrets({}), redactor: createRedactor(), declared: ['A_TOKEN'] })
    await expect(secret('A_TOKEN')).rejects.toBeInstanceOf(SecretNotFoundError)
    await expect(secret('A_TOKEN')).rejects.toThrow('secret "A_TOKEN" was not found by the secret provider')
  })

  it('reports a value too short to be redacted, and still returns it', async () => {
    const short: string[] = []
    const secret = secretAccessor({ provider: memorySecrets({ PIN: '123' }), redactor: createRedactor(), declared: ['PIN'], onUnredacted: (name) => short.push(name) })
    await expect(secret('PIN')).resolves.toBe('123')
    expect(short).toEqual(['PIN'])
  })

  it('refuses invalid declarations', () => {
    expect(() => secretAccessor({ provider: memorySecrets({}), redactor: createRedactor(), declared: ['ok', 'not ok'] })).toThrow(/^Expected `declared\[1\]` to be a secret name/)
  })
})
