import { childPointer as pointer } from '../contract/json-pointer.js'
import { serializeError, type SerializedError } from '../errors/index.js'
import { NeedleMatcher } from './needle-matcher.js'
import { SecretArgumentError, showPlain, showSecret, type SecretLeak } from './secret-errors.js'
import { secretForms } from './secret-forms.js'
import { isSecretName, SECRET_NAME_RULE } from './secret-name.js'

/**
 * Options of {@link createRedactor}.
 * @public
 */
export interface RedactorOptions {
  /**
   * Values shorter than this many characters (UTF-16 code units) are not registered: `add`
   * returns false. Redacting a very short value everywhere would mangle unrelated text and, by
   * where markers appear, reveal the value anyway. Use long secrets.
   * @defaultValue `4`
   */
  readonly minLength?: number
}

/**
 * Replaces secret values with `[REDACTED:NAME]` in everything that leaves the engine. Register
 * each secret value as it is read (`add`), then pass text through `redact`, JSON-like values
 * through `redactValue`, errors through `redactError`, and check step outputs with
 * `findLeaks`. Every registered value is found raw and in each form listed by
 * {@link secretForms} (JSON escaping, URL, hex, base64 and base64 fragments).
 *
 * All matching is one pass over the text with one automaton built from every form of every
 * value (rebuilt on the first use after an `add`), so the cost does not grow with the number of
 * secrets. Where found forms overlap, the union of their spans is replaced by one marker, named
 * after the longest match (`password123` wins over `password`; among equally long matches, the
 * leftmost).
 * @public
 */
export interface Redactor {
  /**
   * Registers a secret value under `name`; returns whether it was registered. The empty string
   * and values shorter than {@link RedactorOptions.minLength} are not (false). A value with
   * leading or trailing whitespace is registered trimmed as well. Registering a value again is
   * a no-op; when two names share a value, the first name is used in markers. A value that is
   * part of the marker text itself (`REDACTED`) is still replaced, but then shows in markers.
   * Throws {@link SecretArgumentError} for an invalid name or a value that is not a string.
   */
  add(name: string, value: string): boolean
  /** Number of distinct values registered (the trimmed forms included). */
  readonly size: number
  /** Names with at least one registered value, in registration order. */
  names(): string[]
  /** `text` with every registered value, in every form, replaced by `[REDACTED:NAME]`. */
  redact(text: string): string
  /**
   * Deep-redacts a JSON-like value: strings inside plain objects and arrays (keys too), `Map`s
   * and `Set`s are redacted, `Error`s become redacted {@link SerializedError}s, other class
   * instances become what `JSON.stringify` would see (their `toJSON()`, else their own
   * enumerable properties), and dates, binary data, functions and primitives other than strings
   * are kept. Returns `value` itself when it holds no registered secret; otherwise a copy with
   * the same shape and shared or cyclic references preserved. Never mutates `value`. Keys that
   * become equal after redaction collapse into one (the last wins).
   */
  redactValue(value: unknown): unknown
  /** Serializes any thrown value (`serializeError`) with message, stack, data and cause chain redacted. */
  redactError(error: unknown): SerializedError
  /**
   * Where registered secrets occur in `value` (walked like {@link Redactor.redactValue}): one entry
   * per string and secret name, in document order; empty when none. Feed it to
   * {@link SecretLeakError}.
   */
  findLeaks(value: unknown): SecretLeak[]
}

/**
 * The marker that replaces a secret named `name`: `[REDACTED:NAME]`.
 * @public
 */
export function redactionMarker(name: string): string {
  return `[REDACTED:${name}]`
}

/**
 * Creates an empty {@link Redactor}. The engine keeps one per run (shared with the run's
 * sub-workflow runs) and registers every secret value the run reads.
 * @example
 * ```ts
 * const redactor = createRedactor()
 * redactor.add('NPM_TOKEN', 'npm_abc123xyz')
 * redactor.redact('token=npm_abc123xyz')                      // 'token=[REDACTED:NPM_TOKEN]'
 * redactor.findLeaks({ auth: { token: 'npm_abc123xyz' } })    // [{ path: '/auth/token', name: 'NPM_TOKEN', where: 'value' }]
 * ```
 * @public
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  if (typeof options !== 'object' || options === null) throw new SecretArgumentError('options', 'an object', showPlain(options))
  const minLength = options.minLength ?? 4
  if (!Number.isSafeInteger(minLength) || minLength < 1) throw new SecretArgumentError('minLength', 'an integer from 1 and up', showPlain(minLength))
  return new SecretRedactor(minLength)
}

/** Values kept as they are: no strings inside that JSON would show. */
function isOpaque(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof RegExp ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer) ||
    value instanceof Promise ||
    value instanceof WeakMap ||
    value instanceof WeakSet
  )
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function read(source: object, key: string): unknown {
  try {
    return (source as Record<string, unknown>)[key]
  } catch {
    return undefined
  }
}

function toJson(value: object): unknown {
  const method = (value as { toJSON?: unknown }).toJSON
  if (typeof method !== 'function') return undefined
  try {
    return (method as () => unknown).call(value)
  } catch {
    return undefined
  }
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}


/** A step of a walk: a string to check (a key or a value), or a value to expand. */
type WalkItem = { readonly text: string; readonly path: string; readonly where: 'key' } | { readonly value: unknown; readonly path: string }

class SecretRedactor implements Redactor {
  private readonly minLength: number
  /** Registered value → index of its name. */
  private readonly values = new Map<string, number>()
  private readonly nameList: string[] = []
  private readonly nameIndex = new Map<string, number>()
  private readonly needles: string[] = []
  /** Needle → index into `needles`. */
  private readonly needleIndex = new Map<string, number>()
  /** Name index of each needle. */
  private readonly needleName: number[] = []
  private built: NeedleMatcher | undefined

  constructor(minLength: number) {
    this.minLength = minLength
  }

  get size(): number {
    return this.values.size
  }

  names(): string[] {
    return [...this.nameList]
  }

  add(name: string, value: string): boolean {
    if (!isSecretName(name)) throw new SecretArgumentError('name', SECRET_NAME_RULE, showPlain(name))
    if (typeof value !== 'string') throw new SecretArgumentError('value', 'a string', showSecret(value))
    if (value.length < this.minLength) return false
    let index = this.nameIndex.get(name)
    if (index === undefined) {
      index = this.nameList.length
      this.nameList.push(name)
      this.nameIndex.set(name, index)
    }
    this.register(value, index)
    const trimmed = value.trim()
    if (trimmed !== value && trimmed.length >= this.minLength) this.register(trimmed, index)
    return true
  }

  private register(value: string, name: number): void {
    if (this.values.has(value)) return
    this.values.set(value, name)
    for (const form of secretForms(value)) {
      if (this.needleIndex.has(form)) continue
      this.needleIndex.set(form, this.needles.length)
      this.needles.push(form)
      this.needleName.push(name)
    }
    this.built = undefined
  }

  private matcher(): NeedleMatcher {
    return (this.built ??= new NeedleMatcher(this.needles))
  }

  redact(text: string): string {
    if (this.values.size === 0 || typeof text !== 'string') return text
    const matcher = this.matcher()
    if (text.length < matcher.minLength) return text
    // Disjoint spans, sorted; a new match swallows the spans it overlaps.
    const starts: number[] = []
    const ends: number[] = []
    const labels: number[] = []
    matcher.scan(text, (end, needle) => {
      let start = end - matcher.length(needle)
      let label = needle
      let top = ends.length - 1
      while (top >= 0 && start < ends[top]!) {
        if (starts[top]! < start) start = starts[top]!
        if (matcher.length(labels[top]!) >= matcher.length(label)) label = labels[top]!
        starts.pop()
        ends.pop()
        labels.pop()
        top--
      }
      starts.push(start)
      ends.push(end)
      labels.push(label)
    })
    if (starts.length === 0) return text
    const parts: string[] = []
    let at = 0
    for (let i = 0; i < starts.length; i++) {
      parts.push(text.slice(at, starts[i]), redactionMarker(this.nameList[this.needleName[labels[i]!]!]!))
      at = ends[i]!
    }
    parts.push(text.slice(at))
    return parts.join('')
  }

  private contains(text: string): boolean {
    let found = false
    this.matcher().scan(text, () => (found = true))
    return found
  }

  redactValue(value: unknown): unknown {
    if (this.values.size === 0) return value
    if (typeof value === 'string') return this.redact(value)
    if (typeof value !== 'object' || value === null) return value
    let found = false
    this.walk(value, false, (text) => (found = this.contains(text)))
    return found ? this.copy(value) : value
  }

  redactError(error: unknown): SerializedError {
    return this.redactValue(serializeError(error)) as SerializedError
  }

  findLeaks(value: unknown): SecretLeak[] {
    if (this.values.size === 0) return []
    const matcher = this.matcher()
    const leaks: SecretLeak[] = []
    const found = new Set<number>()
    this.walk(value, true, (text, path, where) => {
      found.clear()
      matcher.collect(text, found)
      if (found.size === 0) return
      const names = [...new Set([...found].map((needle) => this.needleName[needle]!))].sort((a, b) => a - b)
      for (const name of names) leaks.push({ path, name: this.nameList[name]!, where })
    })
    return leaks
  }

  /**
   * Visits every string of `root` in document order: object keys before their values. Each
   * object is expanded once (cycles and shared references). `visit` returning true stops the walk.
   */
  private walk(root: unknown, paths: boolean, visit: (text: string, path: string, where: 'key' | 'value') => boolean | void): void {
    const seen = new Set<object>()
    const stack: WalkItem[] = [{ value: root, path: '' }]
    const children: WalkItem[] = []
    const segment = (key: string): string => (paths ? this.redact(key) : '')
    while (stack.length > 0) {
      const item = stack.pop()!
      if ('text' in item) {
        if (visit(item.text, item.path, item.where) === true) return
        continue
      }
      const value = item.value
      if (typeof value === 'string') {
        if (visit(value, item.path, 'value') === true) return
        continue
      }
      if (typeof value !== 'object' || value === null || seen.has(value) || isOpaque(value)) continue
      seen.add(value)
      const path = item.path
      children.length = 0
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) children.push({ value: value[i], path: paths ? `${path}/${i}` : '' })
      } else if (value instanceof Map) {
        let i = 0
        for (const [k, v] of value) {
          children.push({ value: k, path: paths ? `${path}/${i}/0` : '' }, { value: v, path: paths ? `${path}/${i}/1` : '' })
          i++
        }
      } else if (value instanceof Set) {
        let i = 0
        for (const v of value) children.push({ value: v, path: paths ? `${path}/${i++}` : '' })
      } else if (value instanceof Error) {
        children.push({ value: serializeError(value), path })
      } else if (!isPlain(value) && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        children.push({ value: toJson(value), path })
      } else {
        for (const key of Object.keys(value)) {
          const at = paths ? pointer(path, segment(key)) : ''
          children.push({ text: key, path: at, where: 'key' }, { value: read(value, key), path: at })
        }
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!)
    }
  }

  /** A redacted copy of `root` with the same shape; references to one object stay shared. */
  private copy(root: object): unknown {
    const memo = new Map<object, unknown>()
    const jobs: { readonly source: object; readonly target: object }[] = []
    const convert = (value: unknown): unknown => {
      if (typeof value === 'string') return this.redact(value)
      if (typeof value !== 'object' || value === null || isOpaque(value)) return value
      if (memo.has(value)) return memo.get(value)
      let source: object = value
      let target: object
      if (Array.isArray(value)) target = new Array(value.length)
      else if (value instanceof Map) target = new Map()
      else if (value instanceof Set) target = new Set()
      else if (value instanceof Error) {
        source = serializeError(value)
        target = {}
      } else if (isPlain(value)) target = Object.getPrototypeOf(value) === null ? Object.create(null) : {}
      else if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        memo.set(value, undefined)
        const converted = convert(toJson(value))
        memo.set(value, converted)
        return converted
      } else target = {}
      memo.set(value, target)
      jobs.push({ source, target })
      return target
    }
    const result = convert(root)
    while (jobs.length > 0) {
      const { source, target } = jobs.pop()!
      if (Array.isArray(source)) {
        const out = target as unknown[]
        for (let i = 0; i < source.length; i++) out[i] = convert(source[i])
      } else if (source instanceof Map) {
        const out = target as Map<unknown, unknown>
        for (const [k, v] of source) out.set(convert(k), convert(v))
      } else if (source instanceof Set) {
        const out = target as Set<unknown>
        for (const v of source) out.add(convert(v))
      } else {
        const out = target as Record<string, unknown>
        for (const key of Object.keys(source)) setOwn(out, this.redact(key), convert(read(source, key)))
      }
    }
    return result
  }
}
