import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isWeftError } from '../../src/errors/index.js'
import {
  chainSecrets,
  envSecrets,
  fileSecrets,
  isSecretName,
  memorySecrets,
  SecretArgumentError,
  SecretFileError,
  SecretFileModeError,
  SecretNotDeclaredError,
  SecretNotFoundError,
  type SecretProvider,
} from '../../src/secrets/index.js'
import { secretProviderConformance } from './secret-provider-conformance.js'
import { tempDir } from './temp-dir.js'

const posix = process.platform !== 'win32'
const tmp = tempDir()
let fileCount = 0

/** `NAME=value` lines for `entries`, each value double-quoted (JSON). */
function lines(entries: Readonly<Record<string, string>>): string {
  return Object.entries(entries).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n')
}

secretProviderConformance('memorySecrets', (entries) => memorySecrets(entries))
secretProviderConformance('envSecrets', (entries) => envSecrets({ prefix: 'APP_', env: Object.fromEntries(Object.entries(entries).map(([k, v]) => [`APP_${k}`, v])) }))
secretProviderConformance('fileSecrets (JSON)', (entries) => fileSecrets(tmp.write(`c${fileCount++}.json`, JSON.stringify(entries))))
secretProviderConformance('fileSecrets (lines)', (entries) => fileSecrets(tmp.write(`c${fileCount++}.env`, lines(entries))))
secretProviderConformance('chainSecrets', (entries) => {
  const [first, ...rest] = Object.entries(entries)
  return chainSecrets(memorySecrets([first!]), memorySecrets({}), memorySecrets(rest))
})

describe('isSecretName', () => {
  it('accepts env-style and path-style names and refuses the rest', () => {
    for (const name of ['NPM_TOKEN', '_x', 'prod/db-password', 'a.b-c', 'A'.repeat(128)]) expect(isSecretName(name)).toBe(true)
    for (const name of ['', '1ABC', 'a b', 'a=b', 'x]', 'A'.repeat(129), 'é', 3, null, undefined]) expect(isSecretName(name)).toBe(false)
  })
})

describe('envSecrets', () => {
  it('reads `prefix + name`, so the prefix separates secrets from the rest of the environment', async () => {
    const env = { WEFT_SECRET_TOKEN: 'prefixed-value', TOKEN: 'bare-value', HOME: '/root' }
    const secrets = envSecrets({ prefix: 'WEFT_SECRET_', env })
    await expect(secrets.get('TOKEN')).resolves.toBe('prefixed-value')
    await expect(secrets.get('HOME')).resolves.toBeUndefined()
    await expect(envSecrets({ env }).get('TOKEN')).resolves.toBe('bare-value')
  })

  it('serves only allowed names, without even reading the others', async () => {
    const read: string[] = []
    const env = new Proxy({ A_TOKEN: 'allowed-value', B_TOKEN: 'denied-value' } as Record<string, string>, {
      get(target, key) {
        read.push(String(key))
        return target[key as string]
      },
      getOwnPropertyDescriptor(target, key) {
        read.push(String(key))
        return Object.getOwnPropertyDescriptor(target, key)
      },
    })
    const secrets = envSecrets({ allow: ['A_TOKEN'], env })
    await expect(secrets.get('A_TOKEN')).resolves.toBe('allowed-value')
    await expect(secrets.get('B_TOKEN')).resolves.toBeUndefined()
    expect(read).not.toContain('B_TOKEN')
  })

  it('treats an empty variable as absent', async () => {
    await expect(envSecrets({ env: { EMPTY: '' } }).get('EMPTY')).resolves.toBeUndefined()
  })

  it('reads process.env by default, at every get', async () => {
    const name = `P${process.pid}_SECRET`
    const secrets = envSecrets({ prefix: 'WEFT_TEST_' })
    try {
      await expect(secrets.get(name)).resolves.toBeUndefined()
      process.env[`WEFT_TEST_${name}`] = 'late-value'
      await expect(secrets.get(name)).resolves.toBe('late-value')
    } finally {
      delete process.env[`WEFT_TEST_${name}`]
    }
  })

  it('refuses invalid options with exact messages', () => {
    expect(() => envSecrets({ prefix: 3 as unknown as string })).toThrow('Expected `prefix` to be a string, got `3 (number)`')
    expect(() => envSecrets({ allow: 'A' as unknown as string[] })).toThrow('Expected `allow` to be an array of secret names, got `"A" (string)`')
    expect(() => envSecrets({ allow: ['ok', 'not ok'] })).toThrow(/^Expected `allow\[1\]` to be a secret name .*got `"not ok" \(string\)`$/)
    expect(() => envSecrets({ allow: ['ok', 'not ok'] })).toThrow(SecretArgumentError)
  })
})

describe('memorySecrets', () => {
  it('accepts a record, a Map or pairs, and copies them', async () => {
    const record: Record<string, string> = { A_KEY: 'value-a' }
    const fromRecord = memorySecrets(record)
    record.A_KEY = 'changed'
    await expect(fromRecord.get('A_KEY')).resolves.toBe('value-a')
    await expect(memorySecrets(new Map([['B_KEY', 'value-b']])).get('B_KEY')).resolves.toBe('value-b')
    await expect(memorySecrets([['C_KEY', 'value-c']]).get('C_KEY')).resolves.toBe('value-c')
  })

  it('keeps an own `__proto__` entry as a secret, not a prototype', async () => {
    const secrets = memorySecrets(JSON.parse('{"__proto__":"proto-value"}') as Record<string, string>)
    await expect(secrets.get('__proto__')).resolves.toBe('proto-value')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('refuses invalid names and values without showing the value', () => {
    expect(() => memorySecrets({ 'bad name': 'x-value' })).toThrow(SecretArgumentError)
    expect(() => memorySecrets({ EMPTY: '' })).toThrow('Expected `entries.EMPTY` to be a non-empty string, got `a string of 0 characters`')
    const error = (() => {
      try {
        memorySecrets({ N: 42 as unknown as string })
      } catch (e) {
        return e
      }
    })()
    expect(isWeftError(error, 'WEFT_INVALID_ARGUMENT')).toBe(true)
    expect((error as Error).message).toBe('Expected `entries.N` to be a non-empty string, got `number`')
  })
})

describe.runIf(posix)('fileSecrets permissions', () => {
  it('reads a 0600 file and a 0400 file', async () => {
    await expect(fileSecrets(tmp.write('ok600.env', 'TOKEN=abc-600')).get('TOKEN')).resolves.toBe('abc-600')
    await expect(fileSecrets(tmp.write('ok400.env', 'TOKEN=abc-400', 0o400)).get('TOKEN')).resolves.toBe('abc-400')
  })

  it.each(['0644', '0640', '0604', '0602', '0620', '0660', '0666', '0704'])('refuses mode %s with SecretFileModeError', async (octal) => {
    const mode = Number.parseInt(octal, 8)
    const path = tmp.write(`mode-${mode.toString(8)}.env`, 'TOKEN=must-not-be-read', mode)
    const secrets = fileSecrets(path)
    const error = await secrets.get('TOKEN').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SecretFileModeError)
    expect(error).toMatchObject({ code: 'WEFT_SECRET_FILE_MODE', data: { path, mode: octal } })
    expect((error as Error).message).toContain('chmod 600')
    expect(JSON.stringify(error)).not.toContain('must-not-be-read')
    await expect(secrets.verify!()).rejects.toBeInstanceOf(SecretFileModeError)
  })

  it('does not remember a refusal: fixing the mode fixes the provider', async () => {
    const path = tmp.write('fixable.env', 'TOKEN=fixed-value', 0o644)
    const secrets = fileSecrets(path)
    await expect(secrets.get('TOKEN')).rejects.toBeInstanceOf(SecretFileModeError)
    chmodSync(path, 0o600)
    await expect(secrets.get('TOKEN')).resolves.toBe('fixed-value')
  })

  it('follows a symbolic link by default and checks the file it leads to', async () => {
    const target = tmp.write('link-target-open.env', 'TOKEN=through-link', 0o644)
    const link = join(tmp.dir, 'link-open.env')
    symlinkSync(target, link)
    await expect(fileSecrets(link).get('TOKEN')).rejects.toBeInstanceOf(SecretFileModeError)
    chmodSync(target, 0o600)
    await expect(fileSecrets(link).get('TOKEN')).resolves.toBe('through-link')
  })

  it('refuses a symbolic link when followSymlinks is false', async () => {
    const target = tmp.write('link-target.env', 'TOKEN=via-link')
    const link = join(tmp.dir, 'link.env')
    symlinkSync(target, link)
    await expect(fileSecrets(link, { followSymlinks: false }).get('TOKEN')).rejects.toMatchObject({ code: 'WEFT_SECRET_FILE', data: { problem: 'symlink' } })
    await expect(fileSecrets(target, { followSymlinks: false }).get('TOKEN')).resolves.toBe('via-link')
  })

  it('refuses a directory and a FIFO as not regular files, without hanging on the FIFO', async () => {
    const dir = join(tmp.dir, 'a-directory')
    mkdirSync(dir, { mode: 0o700 })
    await expect(fileSecrets(dir).get('TOKEN')).rejects.toMatchObject({ data: { problem: 'not-a-file' } })
    const fifo = join(tmp.dir, 'a-fifo')
    try {
      execFileSync('mkfifo', ['-m', '600', fifo])
    } catch {
      return // no mkfifo here
    }
    await expect(fileSecrets(fifo).get('TOKEN')).rejects.toMatchObject({ data: { problem: 'not-a-file' } })
  })
})

describe('fileSecrets content', () => {
  it('reads NAME=value lines: comments, export, quotes, escapes, CRLF and a BOM', async () => {
    const text = [
      '\uFEFF# a comment',
      '',
      'PLAIN = plain value with # hash  ',
      'export EXPORTED=exported-value',
      `SINGLE='  literal \\n value '`,
      'DOUBLE="line1\\nline2 \\"quoted\\" \\u00e9"',
      '  INDENTED=indented-value\r',
      'EMPTY=',
      'TWICE=first-value',
      'TWICE=second-value',
      'EQUALS=a=b=c',
    ].join('\n')
    const secrets = fileSecrets(tmp.write('format.env', text))
    await expect(secrets.get('PLAIN')).resolves.toBe('plain value with # hash')
    await expect(secrets.get('EXPORTED')).resolves.toBe('exported-value')
    await expect(secrets.get('SINGLE')).resolves.toBe('  literal \\n value ')
    await expect(secrets.get('DOUBLE')).resolves.toBe('line1\nline2 "quoted" é')
    await expect(secrets.get('INDENTED')).resolves.toBe('indented-value')
    await expect(secrets.get('EMPTY')).resolves.toBeUndefined()
    await expect(secrets.get('TWICE')).resolves.toBe('second-value')
    await expect(secrets.get('EQUALS')).resolves.toBe('a=b=c')
  })

  it('reads a JSON object of strings', async () => {
    const secrets = fileSecrets(tmp.write('format.json', ' {"A_KEY": "json-a", "B_KEY": "json\\nb", "EMPTY": ""}'))
    await expect(secrets.get('A_KEY')).resolves.toBe('json-a')
    await expect(secrets.get('B_KEY')).resolves.toBe('json\nb')
    await expect(secrets.get('EMPTY')).resolves.toBeUndefined()
  })

  it.each([
    ['bad.json', '{"A_KEY": "sekrit-in-bad-json", }', undefined, 'is not valid JSON'],
    ['array.json', '{"A_KEY": ["sekrit-in-array"]}', undefined, 'value of "A_KEY" is not a string'],
    ['badkey.json', '{"sekrit key": "x"}', undefined, 'key of entry 1 is not a secret name'],
    ['badline.env', 'OK=1\nsekrit-without-equals\n', 2, 'expected `NAME=value`'],
    ['badquote.env', 'A="sekrit unterminated', 1, 'double-quoted'],
    ['badsingle.env', "\n\nA='sekrit", 3, 'single-quoted'],
  ])('refuses malformed %s, naming the line, never quoting the content', async (name, content, line, detail) => {
    const error = await fileSecrets(tmp.write(name, content)).get('A_KEY').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SecretFileError)
    expect(error).toMatchObject({ data: { problem: 'malformed', ...(line === undefined ? {} : { line }) } })
    expect((error as Error).message).toContain(detail)
    expect(JSON.stringify(error)).not.toContain('sekrit')
    expect(JSON.stringify((error as Error).cause ?? null)).not.toContain('sekrit')
  })

  it('refuses a missing file and a file larger than maxBytes', async () => {
    await expect(fileSecrets(join(tmp.dir, 'nope.env')).get('A_KEY')).rejects.toMatchObject({ code: 'WEFT_SECRET_FILE', data: { problem: 'not-found' } })
    await expect(fileSecrets(tmp.write('big.env', `A_KEY=${'x'.repeat(100)}`), { maxBytes: 50 }).get('A_KEY')).rejects.toMatchObject({ data: { problem: 'too-large' } })
  })

  it('reads the file once by default, and at every get with cache: false', async () => {
    const path = tmp.write('rotating.env', 'TOKEN=version-1')
    const cached = fileSecrets(path)
    const fresh = fileSecrets(path, { cache: false })
    await expect(cached.get('TOKEN')).resolves.toBe('version-1')
    await expect(fresh.get('TOKEN')).resolves.toBe('version-1')
    writeFileSync(path, 'TOKEN=version-2')
    await expect(cached.get('TOKEN')).resolves.toBe('version-1')
    await expect(fresh.get('TOKEN')).resolves.toBe('version-2')
  })

  it('verify fails early when the file cannot be used', async () => {
    await expect(fileSecrets(join(tmp.dir, 'absent.env')).verify!()).rejects.toBeInstanceOf(SecretFileError)
    await expect(fileSecrets(tmp.write('fine.env', 'A_KEY=v')).verify!()).resolves.toBeUndefined()
  })

  it('refuses invalid arguments', () => {
    expect(() => fileSecrets('')).toThrow(SecretArgumentError)
    expect(() => fileSecrets('a\0b')).toThrow(SecretArgumentError)
    expect(() => fileSecrets('x', { maxBytes: 0 })).toThrow('Expected `maxBytes` to be an integer from 1 and up, got `0 (number)`')
  })
})

describe('chainSecrets', () => {
  it('resolves from the first provider that has the name', async () => {
    const secrets = chainSecrets(memorySecrets({ A_KEY: 'from-first' }), memorySecrets({ A_KEY: 'from-second', B_KEY: 'only-second' }))
    await expect(secrets.get('A_KEY')).resolves.toBe('from-first')
    await expect(secrets.get('B_KEY')).resolves.toBe('only-second')
    await expect(secrets.get('C_KEY')).resolves.toBeUndefined()
  })

  it('stops at a provider that fails instead of falling through', async () => {
    const asked: string[] = []
    const failing: SecretProvider = { get: () => Promise.reject(new Error('vault down')) }
    const later: SecretProvider = { get: async (name) => (asked.push(name), 'fallback-value') }
    await expect(chainSecrets(failing, later).get('A_KEY')).rejects.toThrow('vault down')
    expect(asked).toEqual([])
  })

  it('verifies every provider that can be verified', async () => {
    const chain = chainSecrets(memorySecrets({}), fileSecrets(join(tmp.dir, 'missing-in-chain.env')))
    await expect(chain.verify!()).rejects.toMatchObject({ data: { problem: 'not-found' } })
  })

  it('refuses something that is not a provider', () => {
    expect(() => chainSecrets(memorySecrets({}), {} as SecretProvider)).toThrow('Expected `providers[1]` to be a SecretProvider (an object with a `get` method), got `{} (object)`')
  })
})

describe('secret errors for the engine', () => {
  it('SecretNotDeclaredError names the step, the secret and what it declares', () => {
    const error = new SecretNotDeclaredError({ name: 'NPM_TOKEN', stepId: 'publish', declared: ['GH_TOKEN'] })
    expect(error.code).toBe('WEFT_SECRET_NOT_DECLARED')
    expect(error.message).toBe('step "publish" asked for secret "NPM_TOKEN" without declaring it (it declares "GH_TOKEN"); add it to the step\'s `secrets`')
    expect(isWeftError(error, SecretNotDeclaredError.code)).toBe(true)
    expect(error.toJSON()).toMatchObject({ name: 'SecretNotDeclaredError', code: 'WEFT_SECRET_NOT_DECLARED', data: { name: 'NPM_TOKEN', stepId: 'publish', declared: ['GH_TOKEN'] } })
  })

  it('SecretNotFoundError names the secret and the step', () => {
    const error = new SecretNotFoundError({ name: 'NPM_TOKEN', stepId: 'publish' })
    expect(error.code).toBe('WEFT_SECRET_NOT_FOUND')
    expect(error.message).toBe('secret "NPM_TOKEN" was not found by the secret provider (needed by step "publish")')
  })
})
