import { describe, expect, it } from 'vitest'
import { isWeftError, WeftError } from '../../src/errors/index.js'
import { createRedactor, redactionMarker, SecretArgumentError, SecretLeakError, secretForms } from '../../src/secrets/index.js'
import { promisedForms } from './encodings.js'

/** A secret whose forms all differ: `"` (JSON), `ü` (UTF-8, URI), `~` and space (form encoding), `>>` (base64 `+`). */
const SECRET = 'S3cr3t "ü" ~?>>'
const M = '[REDACTED:API_KEY]'

function redactorWith(entries: Record<string, string>): ReturnType<typeof createRedactor> {
  const redactor = createRedactor()
  for (const [name, value] of Object.entries(entries)) redactor.add(name, value)
  return redactor
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key])
  }
  return value
}

describe('Redactor.redact', () => {
  const redactor = redactorWith({ API_KEY: SECRET })
  const bytes = Buffer.from(SECRET, 'utf8')
  const forms: [string, string][] = [
    ['raw', SECRET],
    ['base64', bytes.toString('base64')],
    ['base64 without padding', bytes.toString('base64').replace(/=+$/, '')],
    ['base64url', bytes.toString('base64url')],
    ['base64url with padding', bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_')],
    ['hex', bytes.toString('hex')],
    ['HEX', bytes.toString('hex').toUpperCase()],
    ['encodeURIComponent', encodeURIComponent(SECRET)],
    ['lower-case percent-encoding', encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())],
    ['form encoding', new URLSearchParams([['q', SECRET]]).toString().slice(2)],
    ['JSON escaping', JSON.stringify(SECRET).slice(1, -1)],
  ]

  it('has test forms that all differ', () => {
    expect(new Set(forms.map(([, f]) => f)).size).toBe(forms.length)
  })

  it.each(forms)('replaces the %s form with the marker', (_, form) => {
    expect(redactor.redact(`before ${form} after`)).toBe(`before ${M} after`)
    expect(redactor.redact(form)).toBe(M)
    expect(redactor.redact(`${form}${form}`)).toBe(`${M}${M}`)
  })

  it('finds the secret base64-encoded inside a longer text, at every byte alignment', () => {
    for (const prefix of ['user:', 'ab:', 'a:']) {
      const header = `Authorization: Basic ${Buffer.from(`${prefix}${SECRET}`).toString('base64')}`
      const out = redactor.redact(header)
      expect(out).toContain(M)
      const encoded = out.slice('Authorization: Basic '.length)
      // What is left of the base64 run is the prefix's characters plus at most one mixed character.
      expect(encoded.length - M.length).toBeLessThanOrEqual(Math.ceil(((prefix.length + 1) * 4) / 3) + 3)
    }
    const middle = Buffer.from(`{"token":"${SECRET}","user":"ada"}`).toString('base64')
    expect(redactor.redact(middle)).toContain(M)
  })

  it('finds an 8-byte secret base64-encoded inside and at the end of a longer text, at every alignment', () => {
    const r = redactorWith({ PW: 'pa55w0rd' })
    for (const prefix of ['', 'u:', 'us:', 'usr:']) {
      for (const suffix of ['', '@host', '@h', '!']) {
        const encoded = Buffer.from(`${prefix}pa55w0rd${suffix}`).toString('base64')
        const out = r.redact(`x ${encoded} y`)
        expect(out, `${prefix}|${suffix}`).toContain('[REDACTED:PW]')
        // Outside the marker, at most the prefix's and suffix's own characters plus one mixed character each.
        expect(out.length - '[REDACTED:PW]'.length - 4).toBeLessThanOrEqual(Math.ceil((prefix.length * 4) / 3) + Math.ceil((suffix.length * 4) / 3) + 4)
      }
    }
  })

  it('leaves text without secrets unchanged, and returns it as is without any secret registered', () => {
    expect(redactor.redact('nothing to see here')).toBe('nothing to see here')
    const empty = createRedactor()
    const text = `${SECRET} stays`
    expect(empty.redact(text)).toBe(text)
  })

  it('lets the longest secret win where secrets overlap', () => {
    const r = redactorWith({ SHORT: 'password', LONG: 'password123' })
    expect(r.redact('a password123 b password c')).toBe('a [REDACTED:LONG] b [REDACTED:SHORT] c')
    expect(r.redact('xpassword1234')).toBe('x[REDACTED:LONG]4')
  })

  it('replaces partly overlapping secrets by one marker covering both', () => {
    const r = redactorWith({ LEFT: 'abcdef12', RIGHT: 'ef12ghijkl' })
    expect(r.redact('<abcdef12ghijkl>')).toBe('<[REDACTED:RIGHT]>')
    const out = r.redact('zz abcdef12ghijkl zz abcdef12 zz ef12ghijkl')
    expect(out).toBe('zz [REDACTED:RIGHT] zz [REDACTED:LEFT] zz [REDACTED:RIGHT]')
    // chains of overlaps merge too
    const chain = redactorWith({ A: 'aaaa1111', B: '1111bbbb', C: 'bbbb2222' })
    expect(chain.redact('[aaaa1111bbbb2222]')).toBe('[[REDACTED:A]]')
  })

  it('merges a later, longer match with every earlier span it overlaps', () => {
    const r = redactorWith({ X: 'bcdd', Y: 'effg', Z: 'abcddeffgh' })
    expect(r.redact('abcddeffgh!')).toBe('[REDACTED:Z]!')
    expect(r.redact('bcdd effg')).toBe('[REDACTED:X] [REDACTED:Y]')
  })

  it('keeps adjacent secrets as two markers', () => {
    const r = redactorWith({ A: 'first-secret', B: 'second-secret' })
    expect(r.redact('first-secretsecond-secret')).toBe('[REDACTED:A][REDACTED:B]')
  })

  it('names a value registered under two names after the first', () => {
    const r = redactorWith({ FIRST: 'shared-value', SECOND: 'shared-value' })
    expect(r.redact('shared-value')).toBe('[REDACTED:FIRST]')
  })

  it('sees values added after earlier redactions', () => {
    const r = createRedactor()
    expect(r.redact('late-secret')).toBe('late-secret')
    r.add('LATE', 'late-secret')
    expect(r.redact('late-secret')).toBe('[REDACTED:LATE]')
    r.add('LATER', 'later-secret')
    expect(r.redact('late-secret later-secret')).toBe('[REDACTED:LATE] [REDACTED:LATER]')
  })

  it('registers a value with surrounding whitespace trimmed as well', () => {
    const r = redactorWith({ PADDED: ' token-with-newline\n' })
    expect(r.redact('Bearer token-with-newline.')).toBe('Bearer [REDACTED:PADDED].')
    expect(r.size).toBe(2)
  })

  it('never registers the empty string, and ignores values shorter than minLength', () => {
    const r = createRedactor()
    expect(r.add('EMPTY', '')).toBe(false)
    expect(r.add('SHORT', 'abc')).toBe(false)
    expect(r.add('FOUR', 'abcd')).toBe(true)
    expect(r.size).toBe(1)
    expect(r.names()).toEqual(['FOUR'])
    expect(r.redact('abc abcd')).toBe('abc [REDACTED:FOUR]')
    const strict = createRedactor({ minLength: 12 })
    expect(strict.add('TOKEN', 'eleven-char')).toBe(false)
    expect(strict.add('TOKEN', 'twelve-chars')).toBe(true)
    expect(createRedactor({ minLength: 1 }).add('ONE', 'x')).toBe(true)
  })

  it('refuses an invalid name or a non-string value, without showing the value', () => {
    const r = createRedactor()
    expect(() => r.add('not a name', 'value-1234')).toThrow(SecretArgumentError)
    expect(() => r.add('N', 12345678 as unknown as string)).toThrow('Expected `value` to be a string, got `number`')
    expect(() => createRedactor({ minLength: 0 })).toThrow('Expected `minLength` to be an integer from 1 and up, got `0 (number)`')
  })

  it('finds each of many secrets in a long text', () => {
    const r = createRedactor()
    const values = Array.from({ length: 2000 }, (_, i) => `tok_${i.toString(36)}_${(i * 7919).toString(16)}x`)
    values.forEach((v, i) => r.add(`S${i}`, v))
    const filler = ' lorem ipsum dolor sit amet '
    const text = values.map((v, i) => (i % 3 === 0 ? Buffer.from(v).toString('base64') : v)).join(filler)
    const out = r.redact(text)
    for (let i = 0; i < values.length; i += 97) expect(out).toContain(`[REDACTED:S${i}]`)
    for (const v of values) expect(out).not.toContain(v)
    expect(out.split('[REDACTED:').length - 1).toBe(values.length)
  })
})

describe('secretForms', () => {
  it('lists the promised forms, longest first, without duplicates', () => {
    const forms = secretForms(SECRET)
    for (const form of Object.values(promisedForms(SECRET))) expect(forms).toContain(form)
    expect(new Set(forms).size).toBe(forms.length)
    expect([...forms].sort((a, b) => b.length - a.length)).toEqual(forms)
  })

  it('skips base64 fragments shorter than minFragmentLength', () => {
    const short = secretForms('abcdefg') // 7 bytes: shifted fragments of 8 or 9 characters
    expect(short.some((f) => f.length === 8 && f !== Buffer.from('abcdefg').toString('base64').slice(0, 8))).toBe(false)
    expect(secretForms('abcdefg', { minFragmentLength: 8 }).length).toBeGreaterThan(short.length)
  })

  it('survives a lone surrogate, which has no URI form', () => {
    expect(secretForms('ab\uD800cd')).toContain('ab\uD800cd')
  })
})

describe('Redactor.redactValue', () => {
  const redactor = redactorWith({ API_KEY: SECRET, DB: 'db-password-1' })

  it('redacts strings in values and in keys, deep, keeping the shape', () => {
    const input = {
      plain: 'ok',
      n: 1,
      flag: true,
      none: null,
      missing: undefined,
      list: ['x', `key=${SECRET}`, { deep: [Buffer.from(SECRET).toString('base64')] }],
      [`header-${SECRET}`]: 'value',
      nested: { 'db-password-1': { again: 'db-password-1' } },
    }
    expect(redactor.redactValue(input)).toEqual({
      plain: 'ok',
      n: 1,
      flag: true,
      none: null,
      missing: undefined,
      list: ['x', `key=${M}`, { deep: [M] }],
      [`header-${M}`]: 'value',
      nested: { '[REDACTED:DB]': { again: '[REDACTED:DB]' } },
    })
  })

  it('never mutates its input', () => {
    const input = deepFreeze({ a: [SECRET, { b: SECRET }], [SECRET]: 1 })
    const before = structuredClone(input)
    expect(() => redactor.redactValue(input)).not.toThrow()
    expect(input).toEqual(before)
  })

  it('returns the value itself when it holds no secret, and a string redacted', () => {
    const clean = { a: [1, 'two', { three: 3 }] }
    expect(redactor.redactValue(clean)).toBe(clean)
    expect(redactor.redactValue(SECRET)).toBe(M)
    expect(redactor.redactValue(42)).toBe(42)
    const none = createRedactor()
    const withSecret = { s: SECRET }
    expect(none.redactValue(withSecret)).toBe(withSecret)
  })

  it('handles cycles and keeps shared references shared', () => {
    const shared = { token: SECRET }
    const input: Record<string, unknown> = { a: shared, b: shared, list: [shared] }
    input.self = input
    ;(input.list as unknown[]).push(input.list)
    const out = redactor.redactValue(input) as Record<string, unknown>
    expect(out).not.toBe(input)
    expect(out.self).toBe(out)
    expect(out.a).toBe(out.b)
    expect((out.list as unknown[])[0]).toBe(out.a)
    expect((out.list as unknown[])[1]).toBe(out.list)
    expect(out.a).toEqual({ token: M })
    expect(input.a).toBe(shared)
    expect(shared.token).toBe(SECRET)
  })

  it('keeps an own __proto__ key as data and never touches Object.prototype', () => {
    const input = JSON.parse(`{"__proto__": {"polluted": "${'db-password-1'}"}, "x": "db-password-1"}`) as object
    const out = redactor.redactValue(input) as Record<string, unknown>
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.hasOwn(out, '__proto__')).toBe(true)
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')!.value).toEqual({ polluted: '[REDACTED:DB]' })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { k: 'db-password-1' })
    const outBare = redactor.redactValue(bare) as Record<string, unknown>
    expect(Object.getPrototypeOf(outBare)).toBe(null)
    expect(outBare.k).toBe('[REDACTED:DB]')
  })

  it('redacts Maps, Sets, Errors and class instances as JSON would see them; keeps dates and bytes', () => {
    class Credentials {
      constructor(readonly user: string, readonly password: string) {}
    }
    class Custom {
      toJSON(): unknown {
        return { serialized: SECRET }
      }
    }
    const when = new Date(0)
    const bytes = new Uint8Array([1, 2, 3])
    const out = redactor.redactValue({
      map: new Map([[SECRET, SECRET]]),
      set: new Set(['a', SECRET]),
      error: new TypeError(`bad ${SECRET}`),
      credentials: new Credentials('ada', 'db-password-1'),
      custom: new Custom(),
      when,
      bytes,
    }) as Record<string, unknown>
    expect(out.map).toEqual(new Map([[M, M]]))
    expect(out.set).toEqual(new Set(['a', M]))
    expect(out.error).toMatchObject({ name: 'TypeError', message: `bad ${M}` })
    expect(JSON.stringify(out.error)).not.toContain('S3cr3t')
    expect(out.credentials).toEqual({ user: 'ada', password: '[REDACTED:DB]' })
    expect(out.custom).toEqual({ serialized: M })
    expect(out.when).toBe(when)
    expect(out.bytes).toBe(bytes)
  })

  it('collapses keys that become equal after redaction (the last wins)', () => {
    const r = redactorWith({ K: 'key-secret' })
    expect(r.redactValue({ 'a-key-secret': 1, 'a-key-secret-but-longer': 2 })).toEqual({ 'a-[REDACTED:K]': 1, 'a-[REDACTED:K]-but-longer': 2 })
    expect(r.redactValue({ 'key-secret': 1, [Buffer.from('key-secret').toString('hex')]: 2 })).toEqual({ '[REDACTED:K]': 2 })
  })
})

describe('Redactor.redactError', () => {
  const redactor = redactorWith({ API_KEY: SECRET })

  it('redacts message, stack, data and the whole cause chain', () => {
    const root = new Error(`connect failed with ${encodeURIComponent(SECRET)}`)
    const middle = new WeftError('WEFT_TEST', `auth ${SECRET} refused`, { header: `Bearer ${SECRET}` }, { cause: root })
    const top = new Error('step failed', { cause: middle })
    const out = redactor.redactError(top)
    expect(JSON.stringify(out)).not.toContain('S3cr3t')
    expect(JSON.stringify(out)).not.toContain(encodeURIComponent(SECRET))
    expect(out).toMatchObject({
      name: 'Error',
      message: 'step failed',
      cause: { name: 'WeftError', code: 'WEFT_TEST', message: `auth ${M} refused`, data: { header: `Bearer ${M}` }, cause: { message: `connect failed with ${M}` } },
    })
    expect(out.cause!.stack).toContain(M)
    expect(middle.message).toBe(`auth ${SECRET} refused`)
  })

  it('serializes values that are not errors', () => {
    expect(redactor.redactError(`thrown ${SECRET}`)).toEqual({ name: 'NonError', message: `thrown ${M}` })
    expect(createRedactor().redactError(new RangeError('plain'))).toMatchObject({ name: 'RangeError', message: 'plain' })
  })
})

describe('Redactor.findLeaks and SecretLeakError', () => {
  const redactor = redactorWith({ API_KEY: SECRET, DB: 'db-password-1' })

  it('gives a JSON pointer and a name for each leak, in document order', () => {
    const value = {
      ok: 'fine',
      auth: { header: `Bearer ${SECRET}` },
      list: ['x', { 'a/b~c': Buffer.from('db-password-1').toString('hex') }],
      both: `${SECRET} and db-password-1`,
    }
    expect(redactor.findLeaks(value)).toEqual([
      { path: '/auth/header', name: 'API_KEY', where: 'value' },
      { path: '/list/1/a~1b~0c', name: 'DB', where: 'value' },
      { path: '/both', name: 'API_KEY', where: 'value' },
      { path: '/both', name: 'DB', where: 'value' },
    ])
  })

  it('reports a secret in a key with the key redacted in the pointer', () => {
    const leaks = redactor.findLeaks({ headers: { [`x-${SECRET}`]: { inner: 'db-password-1' } } })
    expect(leaks).toEqual([
      { path: `/headers/x-${M}`, name: 'API_KEY', where: 'key' },
      { path: `/headers/x-${M}/inner`, name: 'DB', where: 'value' },
    ])
    expect(JSON.stringify(leaks)).not.toContain('S3cr3t')
  })

  it('reports the value itself as the empty pointer, nothing for clean values, and survives cycles', () => {
    expect(redactor.findLeaks(SECRET)).toEqual([{ path: '', name: 'API_KEY', where: 'value' }])
    expect(redactor.findLeaks({ a: 1, b: ['c'] })).toEqual([])
    expect(createRedactor().findLeaks(SECRET)).toEqual([])
    const cyclic: Record<string, unknown> = { s: 'db-password-1' }
    cyclic.me = cyclic
    expect(redactor.findLeaks(cyclic)).toEqual([{ path: '/s', name: 'DB', where: 'value' }])
  })

  it('finds nothing in a redacted copy', () => {
    const value = { a: [SECRET, { [SECRET]: Buffer.from(SECRET).toString('base64url') }], b: new Error(SECRET) }
    expect(redactor.findLeaks(value).length).toBeGreaterThan(0)
    expect(redactor.findLeaks(redactor.redactValue(value))).toEqual([])
  })

  it('builds SecretLeakError from the leaks, never with the value', () => {
    const leaks = redactor.findLeaks({ out: { token: SECRET } })
    const error = new SecretLeakError({ stepId: 'publish', leaks })
    expect(error.code).toBe('WEFT_SECRET_LEAK')
    expect(isWeftError(error, SecretLeakError.code)).toBe(true)
    expect(error.data).toEqual({ stepId: 'publish', leaks: [{ path: '/out/token', name: 'API_KEY', where: 'value' }] })
    expect(error.message).toBe('output of step "publish" contains secret values: API_KEY at /out/token')
    expect(JSON.stringify(error.toJSON())).not.toContain('S3cr3t')
    const many = new SecretLeakError({ leaks: Array.from({ length: 7 }, (_, i) => ({ path: `/${i}`, name: 'K', where: 'value' as const })) })
    expect(many.message).toBe('value contains secret values: K at /0, K at /1, K at /2, K at /3, K at /4, 2 more')
  })
})

describe('redactionMarker', () => {
  it('is the marker redact writes', () => {
    expect(redactionMarker('API_KEY')).toBe(M)
  })
})
