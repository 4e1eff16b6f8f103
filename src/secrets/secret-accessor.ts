import type { SecretProvider } from './port.js'
import type { Redactor } from './redactor.js'
import { SecretArgumentError, SecretNotDeclaredError, SecretNotFoundError, showPlain } from './secret-errors.js'
import { isSecretName, SECRET_NAME_RULE } from './secret-name.js'

/**
 * Options of {@link secretAccessor}.
 * @public
 */
export interface SecretAccessorOptions {
  /** Where values come from. */
  readonly provider: SecretProvider
  /** The run's redactor: every value read is registered with it before it is returned. */
  readonly redactor: Redactor
  /** The secrets the step declares; any other name is refused. */
  readonly declared: readonly string[]
  /**
   * The step, for error messages and data.
   * @defaultValue none
   */
  readonly stepId?: string
  /**
   * Called with the name of a secret whose value the redactor would not register (shorter than
   * its `minLength`), so the host can warn that it will not be redacted. The value is still
   * returned.
   * @defaultValue none
   */
  readonly onUnredacted?: (name: string) => void
}

/**
 * The engine's `ctx.secret`: returns a function that reads a declared secret, registers its value
 * with the run's redactor (before the step can see it, so whatever the step logs or throws next
 * is redacted), and resolves it. Rejects with {@link SecretNotDeclaredError} for a name the step
 * did not declare (without asking the provider) and with {@link SecretNotFoundError} when the
 * provider does not have it; a provider's own error passes through.
 * @example
 * ```ts
 * const secret = secretAccessor({ provider, redactor, declared: step.secrets ?? [], stepId: step.id })
 * const token = await secret('NPM_TOKEN')
 * ```
 * @public
 */
export function secretAccessor(options: SecretAccessorOptions): (name: string) => Promise<string> {
  const { provider, redactor, declared, stepId, onUnredacted } = options
  if (typeof provider?.get !== 'function') throw new SecretArgumentError('provider', 'a SecretProvider (an object with a `get` method)', showPlain(provider))
  if (typeof redactor?.add !== 'function') throw new SecretArgumentError('redactor', 'a Redactor', showPlain(redactor))
  if (!Array.isArray(declared)) throw new SecretArgumentError('declared', 'an array of secret names', showPlain(declared))
  declared.forEach((name, i) => {
    if (!isSecretName(name)) throw new SecretArgumentError(`declared[${i}]`, SECRET_NAME_RULE, showPlain(name))
  })
  const allowed = new Set(declared)
  const list = [...declared]
  const where = stepId === undefined ? {} : { stepId }
  return async (name) => {
    if (!allowed.has(name)) throw new SecretNotDeclaredError({ name: String(name), ...where, declared: list })
    const value = await provider.get(name)
    if (value === undefined || value === '') throw new SecretNotFoundError({ name, ...where })
    if (!redactor.add(name, value)) onUnredacted?.(name)
    return value
  }
}
