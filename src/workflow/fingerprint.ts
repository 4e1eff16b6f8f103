import { createHash, type Hash } from 'node:crypto'

/**
 * JSON with object keys sorted at every level (enumerable own keys only), so equal
 * structures give equal text in every process.
 * @public
 */
export function canonicalJson(value: unknown): string {
  const out = new TextSink()
  // Like JSON.stringify: undefined (typed as string, as before) for undefined, functions, symbols.
  return writeCanonical(value, out) ? out.text : (undefined as unknown as string)
}

/**
 * SHA-256 (hex, first 32 characters) of the canonical JSON of `value`.
 * @public
 */
export function fingerprintOf(value: unknown): string {
  const hash = createHash('sha256')
  const out = new HashSink(hash)
  if (!writeCanonical(value, out)) hash.update(undefined as never) // throws, as it always did
  out.end()
  return hash.digest('hex').slice(0, 32)
}

// Large arrays (and objects holding one) are written element by element into a sink instead of
// as one sorted copy of the whole value turned into one string: `fingerprintOf` of a definition
// with a million steps used to hold a sorted copy of every step descriptor plus a ~150 MB string
// at once (seconds of GC, and a limit on definition size from the maximum string length).
// Everything else is `JSON.stringify(sortKeys(...))` as before; the text is the same: for
// streamed objects, keys that are array indices come first in numeric order (as a plain object
// enumerates them), then the other keys sorted by code units; undefined and function values and
// `__proto__` are left out; in arrays undefined, functions and symbols are `null`.

interface Sink {
  write(text: string): void
}

class TextSink implements Sink {
  text = ''
  write(text: string): void {
    this.text += text
  }
}

/** Feeds the hash in chunks, cut only between writes (never inside a surrogate pair). */
class HashSink implements Sink {
  private buffer = ''
  constructor(private readonly hash: Hash) {}
  write(text: string): void {
    this.buffer += text
    if (this.buffer.length >= 65536) {
      this.hash.update(this.buffer)
      this.buffer = ''
    }
  }
  end(): void {
    if (this.buffer.length > 0) this.hash.update(this.buffer)
    this.buffer = ''
  }
}

/** Arrays longer than this are streamed. */
const LARGE = 256

function isLarge(value: unknown): value is LargeList {
  return (Array.isArray(value) && value.length > LARGE) || value instanceof LazyList
}

/** What is written element by element: a long array, or a {@link LazyList}. */
type LargeList = readonly unknown[] | LazyList

/**
 * A list written like an array of `length` elements, element `i` being `at(i)`, made only when
 * it is written: fingerprinting a definition of a million steps makes each step's descriptor,
 * writes it and drops it, instead of holding a million descriptors at once.
 * @internal
 */
export class LazyList {
  constructor(
    readonly length: number,
    readonly at: (index: number) => unknown,
  ) {}
}

function elementOf(list: LargeList, index: number): unknown {
  return list instanceof LazyList ? list.at(index) : list[index]
}

/**
 * A value whose canonical JSON was computed beforehand (with {@link canonicalJson}): written as
 * is. Lets a caller write an object shared by many parts of a value (a schema used by every
 * step of a definition) once.
 * @internal
 */
export class PrecomputedJson {
  constructor(readonly text: string) {}
}

/** Writes the canonical JSON of `value`; false (nothing written) for undefined, functions, symbols. */
function writeCanonical(value: unknown, out: Sink): boolean {
  if (isLarge(value)) {
    out.write('[')
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.write(',')
      if (!writeCanonical(elementOf(value, i), out)) out.write('null')
    }
    out.write(']')
    return true
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value)
    const record = value as Record<string, unknown>
    if (keys.some((key) => isLarge(record[key]))) {
      out.write('{')
      let first = true
      for (const key of canonicalKeyOrder(keys.sort())) {
        const v = record[key]
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
        out.write(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`)
        first = false
        writeCanonical(v, out)
      }
      out.write('}')
      return true
    }
  }
  const text = canonicalText(value)
  if (text === undefined) return false
  out.write(text)
  return true
}

/**
 * The text `JSON.stringify` gives for a copy of `value` with the keys of every object sorted
 * (undefined, function and symbol members left out, `__proto__` dropped, array-index keys
 * first), built directly instead of through a sorted copy.
 */
function canonicalText(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : JSON.stringify(value)
  }
  if (value instanceof PrecomputedJson) return value.text
  if (Array.isArray(value) || value instanceof LazyList) {
    let text = '['
    for (let i = 0; i < value.length; i++) text += (i > 0 ? ',' : '') + (canonicalText(elementOf(value, i)) ?? 'null')
    return text + ']'
  }
  const record = value as Record<string, unknown>
  let text = '{'
  let first = true
  for (const key of canonicalKeyOrder(Object.keys(record).sort())) {
    const v = canonicalText(record[key])
    if (v === undefined) continue
    text += `${first ? '' : ','}${JSON.stringify(key)}:${v}`
    first = false
  }
  return text + '}'
}

const indexPattern = /^(?:0|[1-9][0-9]{0,9})$/

/** True for keys a plain object stores as array indices (enumerated first, in numeric order). */
function isIndex(key: string): boolean {
  return key.charCodeAt(0) <= 57 && indexPattern.test(key) && (key.length < 10 || Number(key) <= 4294967294)
}

/**
 * The order in which `JSON.stringify` writes an object built by assigning `sorted` keys in
 * turn: array-index keys first (numerically), then the rest as given; `__proto__` dropped.
 */
function canonicalKeyOrder(sorted: string[]): string[] {
  const indices = sorted.filter(isIndex).sort((a, b) => Number(a) - Number(b))
  const rest = sorted.filter((key) => key !== '__proto__' && !isIndex(key))
  return indices.length === 0 ? rest : indices.concat(rest)
}
