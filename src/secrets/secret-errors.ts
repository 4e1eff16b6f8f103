import { WeftError } from '../errors/index.js'
import { showValue } from '../errors/show-value.js'

/**
 * Base of the errors about secrets. None of them ever carries a secret value: messages and
 * `data` name secrets, files and JSON pointers only.
 * @public
 */
export class SecretError<Data = unknown> extends WeftError<Data> {}

/**
 * A step asked for a secret it did not declare in its `secrets` list. Thrown by the engine's
 * `ctx.secret(name)`; never retried.
 * @public
 */
export class SecretNotDeclaredError extends SecretError<{ readonly name: string; readonly stepId?: string; readonly declared: readonly string[] }> {
  /** Stable code. */
  static readonly code = 'WEFT_SECRET_NOT_DECLARED'
  constructor(data: { readonly name: string; readonly stepId?: string; readonly declared: readonly string[] }) {
    const who = data.stepId === undefined ? 'a step' : `step "${data.stepId}"`
    const declared = data.declared.length === 0 ? 'it declares none' : `it declares ${data.declared.map((n) => `"${n}"`).join(', ')}`
    super(SecretNotDeclaredError.code, `${who} asked for secret "${data.name}" without declaring it (${declared}); add it to the step's \`secrets\``, data)
  }
}

/**
 * No secret provider had a declared secret. Thrown by the engine when a step reads it (or, when
 * the engine resolves declared secrets up front, before the step starts).
 * @public
 */
export class SecretNotFoundError extends SecretError<{ readonly name: string; readonly stepId?: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_SECRET_NOT_FOUND'
  constructor(data: { readonly name: string; readonly stepId?: string }) {
    super(SecretNotFoundError.code, `secret "${data.name}" was not found by the secret provider${data.stepId === undefined ? '' : ` (needed by step "${data.stepId}")`}`, data)
  }
}

/**
 * A secrets file is readable or writable by its group or by others (`mode & 0o077` is not
 * zero). `fileSecrets` refuses it without reading it; `chmod 600` fixes it.
 * @public
 */
export class SecretFileModeError extends SecretError<{ readonly path: string; readonly mode: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_SECRET_FILE_MODE'
  constructor(path: string, mode: number) {
    const octal = `0${(mode & 0o777).toString(8).padStart(3, '0')}`
    super(SecretFileModeError.code, `secrets file "${path}" is accessible by group or others (mode ${octal}); restrict it with \`chmod 600\``, { path, mode: octal })
  }
}

/**
 * Why a secrets file could not be used. `not-found`, `unreadable`: the file could not be opened;
 * `not-a-file`: a directory, FIFO or device; `symlink`: a symbolic link while
 * `followSymlinks` is false; `too-large`: larger than `maxBytes`; `malformed`: not a JSON object of
 * strings nor `NAME=value` lines.
 * @public
 */
export type SecretFileProblem = 'not-found' | 'unreadable' | 'not-a-file' | 'symlink' | 'too-large' | 'malformed'

/**
 * A secrets file cannot be used (see {@link SecretFileProblem}). Messages give line or entry
 * numbers, never the file's content.
 * @public
 */
export class SecretFileError extends SecretError<{ readonly path: string; readonly problem: SecretFileProblem; readonly detail: string; readonly line?: number }> {
  /** Stable code. */
  static readonly code = 'WEFT_SECRET_FILE'
  constructor(data: { readonly path: string; readonly problem: SecretFileProblem; readonly detail: string; readonly line?: number }, cause?: unknown) {
    super(SecretFileError.code, `secrets file "${data.path}" ${data.line === undefined ? '' : `line ${data.line} `}cannot be used: ${data.detail}`, data, { cause })
  }
}

/**
 * Where a secret value was found in a value: a JSON pointer and the secret's name.
 * @public
 */
export interface SecretLeak {
  /**
   * JSON pointer (RFC 6901) of the string holding the secret; `''` is the value itself. A
   * pointer segment that itself contains a secret is given redacted (`/headers/[REDACTED:TOKEN]`),
   * so a leak report never holds a secret.
   */
  readonly path: string
  /** Name of the secret. */
  readonly name: string
  /** Whether the secret is in the member's key or in its (string) value. */
  readonly where: 'key' | 'value'
}

/**
 * A value that is about to leave the engine (a step output, by default) contains a registered
 * secret value, raw or encoded. `data.leaks` says where, by JSON pointer and secret name; the
 * value itself is never part of the error.
 * @public
 */
export class SecretLeakError extends SecretError<{ readonly stepId?: string; readonly leaks: readonly SecretLeak[] }> {
  /** Stable code. */
  static readonly code = 'WEFT_SECRET_LEAK'
  constructor(data: { readonly stepId?: string; readonly leaks: readonly SecretLeak[] }) {
    const shown = data.leaks.slice(0, 5).map((l) => `${l.name} at ${l.path === '' ? '/' : l.path}${l.where === 'key' ? ' (key)' : ''}`)
    if (data.leaks.length > 5) shown.push(`${data.leaks.length - 5} more`)
    super(SecretLeakError.code, `${data.stepId === undefined ? 'value' : `output of step "${data.stepId}"`} contains secret values: ${shown.join(', ')}`, data)
  }
}

/**
 * An option or argument of the secrets API is invalid. Shares its code with the engine's
 * `InvalidArgumentError`. Secret values are described by type and length only.
 * @public
 */
export class SecretArgumentError extends SecretError<{ readonly argument: string; readonly value: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_INVALID_ARGUMENT'
  constructor(argument: string, expected: string, shown: string) {
    super(SecretArgumentError.code, `Expected \`${argument}\` to be ${expected}, got \`${shown}\``, { argument, value: shown })
  }
}

/** Shows a value that is not secret (a name, an option): its JSON and type. @internal */
export function showPlain(value: unknown): string {
  return `${showValue(value, 80)} (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`
}

/** Shows a value that may be secret: its type, and a string's length only. @internal */
export function showSecret(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters`
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
}
