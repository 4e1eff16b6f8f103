/** Letters, digits, `_`, `.`, `-`, `/`; first a letter or `_`; at most 128 characters. */
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_./-]{0,127}$/

/** The pattern of a secret name as a string, for JSON Schemas of declarative files. @internal */
export const SECRET_NAME_PATTERN = SECRET_NAME.source

/**
 * True when `name` can name a secret: it starts with a letter or `_`, continues with letters,
 * digits, `_`, `.`, `-` or `/`, and has at most 128 characters (`NPM_TOKEN`, `prod/db-password`).
 * Names appear in redaction markers (`[REDACTED:NPM_TOKEN]`) and error messages; values never do.
 * @example
 * ```ts
 * isSecretName('NPM_TOKEN') // true
 * isSecretName('a b')       // false
 * ```
 * @public
 */
export function isSecretName(name: unknown): name is string {
  return typeof name === 'string' && SECRET_NAME.test(name)
}

/** What a secret name must look like, for error messages. @internal */
export const SECRET_NAME_RULE = 'a secret name (a letter or `_`, then letters, digits, `_`, `.`, `-` or `/`; at most 128 characters)'
