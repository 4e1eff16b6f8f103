/**
 * Where secret values come from. Hosts plug in their own (a vault, a cloud secret manager);
 * Weft ships `envSecrets`, `fileSecrets`, `memorySecrets` and `chainSecrets`.
 *
 * Rules every provider keeps (checked by the shared suite in `tests/secrets/`):
 * - `get` resolves the value, or `undefined` when the provider does not have the name. It never
 *   resolves the empty string (an empty value counts as absent), so a secret can always be
 *   redacted.
 * - `get` rejects only when the provider itself fails (unreadable file, refused permissions,
 *   network). Such errors never contain a secret value.
 * - A provider never looks a name up on `Object.prototype`: `get('toString')` is `undefined`.
 * @example
 * ```ts
 * const vault: SecretProvider = { get: async (name) => (await client.read(`kv/${name}`))?.value }
 * ```
 * @public
 */
export interface SecretProvider {
  /** The value of secret `name`, or `undefined` when this provider does not have it. */
  get(name: string): Promise<string | undefined>
  /**
   * Checks that the provider can serve at all (its file exists with safe permissions, its
   * service answers) and rejects with the error `get` would give otherwise. Hosts and the engine
   * call it at start-up so a misconfiguration fails before any step runs.
   * @defaultValue absent: nothing to check
   */
  verify?(): Promise<void>
}
