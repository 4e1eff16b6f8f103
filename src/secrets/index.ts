/**
 * Secrets: the {@link SecretProvider} port and its providers (`envSecrets`, `fileSecrets`,
 * `memorySecrets`, `chainSecrets`), the {@link Redactor} that keeps secret values out of
 * everything that leaves the engine, {@link secretAccessor} (the engine's `ctx.secret`), and the
 * secret errors.
 * @packageDocumentation
 */
export type { SecretProvider } from './port.js'
export { isSecretName } from './secret-name.js'
export { envSecrets, type EnvSecretsOptions } from './env-secrets.js'
export { fileSecrets, type FileSecretsOptions } from './file-secrets.js'
export { memorySecrets, type SecretEntries } from './memory-secrets.js'
export { chainSecrets } from './chain-secrets.js'
export { createRedactor, redactionMarker, type Redactor, type RedactorOptions } from './redactor.js'
export { secretForms, type SecretFormsOptions } from './secret-forms.js'
export { secretAccessor, type SecretAccessorOptions } from './secret-accessor.js'
export {
  SecretError,
  SecretNotDeclaredError,
  SecretNotFoundError,
  SecretFileModeError,
  SecretFileError,
  SecretLeakError,
  SecretArgumentError,
  type SecretFileProblem,
  type SecretLeak,
} from './secret-errors.js'
