import type { SecretProvider } from './port.js'
import { SecretArgumentError, showPlain } from './secret-errors.js'

/**
 * Asks `providers` in order and resolves the first value found. A provider that rejects stops
 * the chain with its error (a broken file provider does not silently fall through to the
 * environment). `verify` verifies every provider that can be verified, in order.
 * @example
 * ```ts
 * const secrets = chainSecrets(fileSecrets('/run/secrets/weft.env'), envSecrets({ prefix: 'WEFT_SECRET_' }))
 * ```
 * @public
 */
export function chainSecrets(...providers: readonly SecretProvider[]): SecretProvider {
  providers.forEach((provider, i) => {
    if (typeof provider !== 'object' || provider === null || typeof provider.get !== 'function') {
      throw new SecretArgumentError(`providers[${i}]`, 'a SecretProvider (an object with a `get` method)', showPlain(provider))
    }
  })
  const list = [...providers]
  return {
    async get(name) {
      for (const provider of list) {
        const value = await provider.get(name)
        if (value !== undefined && value !== '') return value
      }
      return undefined
    },
    async verify() {
      for (const provider of list) await provider.verify?.()
    },
  }
}
