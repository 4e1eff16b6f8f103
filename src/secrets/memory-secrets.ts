import type { SecretProvider } from './port.js'
import { SecretArgumentError, showPlain, showSecret } from './secret-errors.js'
import { isSecretName, SECRET_NAME_RULE } from './secret-name.js'

/**
 * Secret values by name, as accepted by {@link memorySecrets}.
 * @public
 */
export type SecretEntries = Readonly<Record<string, string>> | ReadonlyMap<string, string> | Iterable<readonly [string, string]>

/**
 * Secrets held in memory, for tests and for hosts that fetched them already. The entries are
 * copied: later changes to `entries` are not seen. Throws {@link SecretArgumentError} for an
 * invalid name or a value that is not a non-empty string (the message never shows the value).
 * @example
 * ```ts
 * const secrets = memorySecrets({ NPM_TOKEN: 'npm_abc123' })
 * await secrets.get('NPM_TOKEN') // 'npm_abc123'
 * ```
 * @public
 */
export function memorySecrets(entries: SecretEntries): SecretProvider {
  if (typeof entries !== 'object' || entries === null) throw new SecretArgumentError('entries', 'an object, a Map or an iterable of [name, value] pairs', showPlain(entries))
  const pairs: Iterable<readonly [string, string]> =
    entries instanceof Map || Symbol.iterator in entries ? (entries as Iterable<readonly [string, string]>) : Object.entries(entries)
  const values = new Map<string, string>()
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new SecretArgumentError('entries', 'an iterable of [name, value] pairs', 'an entry that is not a pair')
    const [name, value] = pair as readonly [unknown, unknown]
    if (!isSecretName(name)) throw new SecretArgumentError('entries', `keyed by ${SECRET_NAME_RULE}`, showPlain(name))
    if (typeof value !== 'string' || value === '') throw new SecretArgumentError(`entries.${name}`, 'a non-empty string', showSecret(value))
    values.set(name, value)
  }
  return {
    get(name) {
      if (!isSecretName(name)) return Promise.reject(new SecretArgumentError('name', SECRET_NAME_RULE, showPlain(name)))
      return Promise.resolve(values.get(name))
    },
  }
}
