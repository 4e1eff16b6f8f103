import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { SecretProvider } from './port.js'
import { SecretArgumentError, SecretFileError, SecretFileModeError, type SecretFileProblem, showPlain } from './secret-errors.js'
import { isSecretName, SECRET_NAME_RULE } from './secret-name.js'

/**
 * Options of {@link fileSecrets}.
 * @public
 */
export interface FileSecretsOptions {
  /**
   * Largest file accepted, in bytes; a larger file is refused (`too-large`).
   * @defaultValue `1048576` (1 MiB)
   */
  readonly maxBytes?: number
  /**
   * Whether a symbolic link is followed. When true (the default, which mounted secret volumes such
   * as Kubernetes' rely on), the checks apply to the file the link leads to, read through the same
   * descriptor that was checked. When false, a path whose last component is a symbolic link is
   * refused (`symlink`).
   * @defaultValue `true`
   */
  readonly followSymlinks?: boolean
  /**
   * Whether the file is read once (on the first `get` or `verify`) and kept. When false, every
   * `get` reads and checks the file again, so a rotated secret is seen at once.
   * @defaultValue `true`
   */
  readonly cache?: boolean
}

/**
 * Secrets from a file only its owner can access, in one of two formats:
 *
 * - a JSON object of strings: `{ "NPM_TOKEN": "npm_abc123" }`;
 * - `NAME=value` lines: blank lines and lines starting with `#` are skipped, `export ` before a
 *   name is allowed, an unquoted value is trimmed (a `#` in it is part of the value), a value in
 *   single quotes is taken literally, a value in double quotes is read as a JSON string (`\n`,
 *   `\"`, `\u00e9`).
 *
 * A name that appears twice takes its last value; an empty value counts as absent. The file is
 * opened once per read and checked through that descriptor: it must be a regular file of at most
 * `maxBytes`, and on POSIX systems its mode must give nothing to group and others
 * (`mode & 0o077 === 0`, e.g. `0600` or `0400`), else {@link SecretFileModeError}; on Windows,
 * which has no such mode bits, the mode is not checked. Other problems reject with
 * {@link SecretFileError}, whose message never quotes the file. The file is read lazily: call
 * `verify()` at start-up to fail early. A relative `path` is resolved against the current
 * directory now.
 * @example
 * ```ts
 * const secrets = fileSecrets('/run/secrets/weft.env')
 * await secrets.verify?.()  // SecretFileModeError when the file is 0644
 * ```
 * @public
 */
export function fileSecrets(path: string, options: FileSecretsOptions = {}): SecretProvider {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) throw new SecretArgumentError('path', 'a non-empty file path without NUL', showPlain(path))
  if (typeof options !== 'object' || options === null) throw new SecretArgumentError('options', 'an object', showPlain(options))
  const maxBytes = options.maxBytes ?? 1024 * 1024
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new SecretArgumentError('maxBytes', 'an integer from 1 and up', showPlain(maxBytes))
  const followSymlinks = options.followSymlinks ?? true
  if (typeof followSymlinks !== 'boolean') throw new SecretArgumentError('followSymlinks', 'a boolean', showPlain(followSymlinks))
  const cache = options.cache ?? true
  if (typeof cache !== 'boolean') throw new SecretArgumentError('cache', 'a boolean', showPlain(cache))
  const file = resolve(path)

  let loaded: Promise<ReadonlyMap<string, string>> | undefined
  const load = (): Promise<ReadonlyMap<string, string>> => {
    if (!cache) return readSecretsFile(file, maxBytes, followSymlinks)
    if (loaded === undefined) {
      const attempt = readSecretsFile(file, maxBytes, followSymlinks)
      loaded = attempt
      // A failed read is not kept: fixing the file (or its mode) fixes the provider.
      attempt.catch(() => {
        if (loaded === attempt) loaded = undefined
      })
    }
    return loaded
  }
  return {
    async get(name) {
      if (!isSecretName(name)) throw new SecretArgumentError('name', SECRET_NAME_RULE, showPlain(name))
      return (await load()).get(name)
    },
    async verify() {
      await load()
    },
  }
}

async function readSecretsFile(path: string, maxBytes: number, followSymlinks: boolean): Promise<ReadonlyMap<string, string>> {
  const fail = (problem: SecretFileProblem, detail: string, cause?: unknown, line?: number): SecretFileError =>
    new SecretFileError(line === undefined ? { path, problem, detail } : { path, problem, detail, line }, cause)
  // O_NONBLOCK: opening a FIFO must not hang; fstat then refuses it as not a regular file.
  let flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)
  if (!followSymlinks) flags |= constants.O_NOFOLLOW ?? 0
  let handle: FileHandle
  try {
    handle = await open(path, flags)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === 'ENOENT') throw fail('not-found', 'it does not exist', error)
    if (code === 'ELOOP' && !followSymlinks) throw fail('symlink', 'it is a symbolic link and `followSymlinks` is false', error)
    throw fail('unreadable', `it cannot be opened (${typeof code === 'string' ? code : 'error'})`, error)
  }
  let text: string
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) throw fail('not-a-file', 'it is not a regular file')
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) throw new SecretFileModeError(path, stat.mode)
    if (stat.size > maxBytes) throw fail('too-large', `it has ${stat.size} bytes, more than \`maxBytes\` (${maxBytes})`)
    const bytes = await handle.readFile()
    if (bytes.length > maxBytes) throw fail('too-large', `it has more than \`maxBytes\` (${maxBytes}) bytes`)
    text = bytes.toString('utf8')
  } catch (error) {
    if (error instanceof SecretFileError || error instanceof SecretFileModeError) throw error
    throw fail('unreadable', 'it cannot be read', error)
  } finally {
    await handle.close()
  }
  const parsed = parseSecrets(text)
  if ('problem' in parsed) throw fail('malformed', parsed.problem, undefined, parsed.line)
  return parsed.values
}

type Parsed = { readonly values: ReadonlyMap<string, string> } | { readonly problem: string; readonly line?: number }

/** Parses a secrets file's text. Problems name lines and entries, never content. */
function parseSecrets(source: string): Parsed {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source
  return text.trimStart().startsWith('{') ? parseJson(text) : parseLines(text)
}

function parseJson(text: string): Parsed {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // The parser's message quotes the text, which may hold secrets: it is not passed on.
    return { problem: 'it starts with `{` but is not valid JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'its JSON is not an object' }
  const values = new Map<string, string>()
  let entry = 0
  for (const key of Object.keys(value)) {
    entry++
    const v = (value as Record<string, unknown>)[key]
    if (!isSecretName(key)) return { problem: `key of entry ${entry} is not a secret name` }
    if (typeof v !== 'string') return { problem: `value of "${key}" is not a string` }
    if (v === '') values.delete(key)
    else values.set(key, v)
  }
  return { values }
}

const LINE = /^(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_./-]{0,127})[ \t]*=(.*)$/

function parseLines(text: string): Parsed {
  const values = new Map<string, string>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!
    const line = (raw.endsWith('\r') ? raw.slice(0, -1) : raw).trimStart()
    if (line === '' || line.startsWith('#')) continue
    const match = LINE.exec(line)
    if (match === null) return { problem: 'expected `NAME=value`', line: i + 1 }
    const name = match[1]!
    const rest = match[2]!.trim()
    let value: string
    if (rest.startsWith('"')) {
      let decoded: unknown
      try {
        decoded = JSON.parse(rest)
      } catch {
        decoded = undefined
      }
      if (typeof decoded !== 'string') return { problem: 'a double-quoted value must be one JSON string', line: i + 1 }
      value = decoded
    } else if (rest.startsWith("'")) {
      if (rest.length < 2 || !rest.endsWith("'")) return { problem: 'a single-quoted value must end with a quote', line: i + 1 }
      value = rest.slice(1, -1)
    } else {
      value = rest
    }
    if (value === '') values.delete(name)
    else values.set(name, value)
  }
  return { values }
}
