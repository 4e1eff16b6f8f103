import type { SecretProvider } from './port.js'
import { SecretArgumentError, showPlain } from './secret-errors.js'
import { isSecretName, SECRET_NAME_RULE } from './secret-name.js'

/**
 * Options of {@link envSecrets}.
 * @public
 */
export interface EnvSecretsOptions {
  /**
   * Prepended to a secret's name to form the variable name: with `'WEFT_SECRET_'`, secret
   * `NPM_TOKEN` is read from `WEFT_SECRET_NPM_TOKEN`. A prefix keeps workflows from reading
   * unrelated variables such as `HOME` or `AWS_SECRET_ACCESS_KEY` under their own names.
   * @defaultValue `''` (the name itself)
   * @example `envSecrets({ prefix: 'WEFT_SECRET_' })`
   */
  readonly prefix?: string
  /**
   * Only these secret names are served; any other name resolves `undefined` without looking at
   * the environment.
   * @defaultValue every name
   * @example `envSecrets({ allow: ['NPM_TOKEN', 'GH_TOKEN'] })`
   */
  readonly allow?: readonly string[]
  /**
   * The environment to read, looked up at every `get` (so later changes are seen).
   * @defaultValue `process.env`
   */
  readonly env?: Readonly<Record<string, string | undefined>>
}

/**
 * Secrets from environment variables: `get(name)` reads `env[prefix + name]`. An unset or
 * empty variable resolves `undefined`; so does a name outside `allow`, and a name found only on
 * `Object.prototype`. Throws {@link SecretArgumentError} for invalid options.
 * @example
 * ```ts
 * const engine = createEngine({ secrets: envSecrets({ prefix: 'WEFT_SECRET_', allow: ['NPM_TOKEN'] }) })
 * ```
 * @public
 */
export function envSecrets(options: EnvSecretsOptions = {}): SecretProvider {
  if (typeof options !== 'object' || options === null) throw new SecretArgumentError('options', 'an object', showPlain(options))
  const prefix = options.prefix ?? ''
  if (typeof prefix !== 'string') throw new SecretArgumentError('prefix', 'a string', showPlain(prefix))
  let allow: ReadonlySet<string> | undefined
  if (options.allow !== undefined) {
    if (!Array.isArray(options.allow)) throw new SecretArgumentError('allow', 'an array of secret names', showPlain(options.allow))
    options.allow.forEach((name, i) => {
      if (!isSecretName(name)) throw new SecretArgumentError(`allow[${i}]`, SECRET_NAME_RULE, showPlain(name))
    })
    allow = new Set(options.allow)
  }
  const env = options.env
  if (env !== undefined && (typeof env !== 'object' || env === null)) throw new SecretArgumentError('env', 'an object', showPlain(env))
  return {
    get(name) {
      if (!isSecretName(name)) return Promise.reject(new SecretArgumentError('name', SECRET_NAME_RULE, showPlain(name)))
      if (allow !== undefined && !allow.has(name)) return Promise.resolve(undefined)
      const source = env ?? process.env
      const key = prefix + name
      const value = Object.hasOwn(source, key) ? source[key] : undefined
      return Promise.resolve(typeof value === 'string' && value !== '' ? value : undefined)
    },
  }
}
