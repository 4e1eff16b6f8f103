import { describe, expect, it } from 'vitest'
import type { SecretProvider } from '../../src/secrets/index.js'

/**
 * The rules of the `SecretProvider` port, run by every implementation: `make` returns a
 * provider that serves exactly `entries`.
 */
export function secretProviderConformance(name: string, make: (entries: Readonly<Record<string, string>>) => SecretProvider | Promise<SecretProvider>): void {
  const entries = { NPM_TOKEN: 'npm_4f9c2b7e1a', 'prod/db-password': 'hunter2-but-longer', _X: ' padded value ' }

  describe(`SecretProvider conformance: ${name}`, () => {
    it('resolves the value of every name it has', async () => {
      const provider = await make(entries)
      for (const [key, value] of Object.entries(entries)) await expect(provider.get(key)).resolves.toBe(value)
    })

    it('resolves undefined for a name it does not have', async () => {
      const provider = await make(entries)
      await expect(provider.get('MISSING')).resolves.toBeUndefined()
      await expect(provider.get('npm_token')).resolves.toBeUndefined()
    })

    it('never finds names on Object.prototype', async () => {
      const provider = await make(entries)
      for (const key of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) await expect(provider.get(key)).resolves.toBeUndefined()
    })

    it('answers the same way every time, and concurrently', async () => {
      const provider = await make(entries)
      const values = await Promise.all(Array.from({ length: 8 }, () => provider.get('NPM_TOKEN')))
      expect(new Set(values)).toEqual(new Set(['npm_4f9c2b7e1a']))
    })

    it('verifies, when it can, without error', async () => {
      const provider = await make(entries)
      await expect(Promise.resolve(provider.verify?.())).resolves.toBeUndefined()
    })

    it('rejects a name that is not a secret name', async () => {
      const provider = await make(entries)
      await expect(provider.get('a b')).rejects.toMatchObject({ code: 'WEFT_INVALID_ARGUMENT' })
      await expect(provider.get(42 as unknown as string)).rejects.toMatchObject({ code: 'WEFT_INVALID_ARGUMENT' })
    })
  })
}
