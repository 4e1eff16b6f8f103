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
  if (!writeCanonical(value, out)) hash.update(undefined as never) // throws node's TypeError (ERR_INVALID_ARG_TYPE), as it always did
  out.end()
  return hash.digest('hex').slice(0, 32)
}

// The canonical JSON is written piece by piece into a sink (a string, or a hash fed in chunks)
// instead of as one sorted copy of the whole value turned into one string: `fingerprintOf` of a
// definition with a million steps used to hold a sorted copy of every step descriptor plus a
// ~150 MB string at once. The text is that of `JSON.stringify(sortKeys(...))` as before: keys
// that are array indices come first in numeric order (as a plain object enumerates them), then
// the other keys sorted by code units; undefined, function and symbol members and `__proto__`
// are left out; in arrays undefined, functions and symbols are `null`.

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
  if (typeof value !== 'object' || value === null) {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return false
    out.write(JSON.stringify(value))
    return true
  }
  if (value instanceof PrecomputedJson) {
    out.write(value.text)
  } else if (Array.isArray(value) || value instanceof LazyList) {
    const list = value as readonly unknown[] | LazyList
    out.write('[')
    for (let i = 0; i < list.length; i++) {
      if (i > 0) out.write(',')
      if (!writeCanonical(list instanceof LazyList ? list.at(i) : list[i], out)) out.write('null')
    }
    out.write(']')
  } else {
    const record = value as Record<string, unknown>
    const plan = keyPlan(Object.keys(record))
    const order = plan.order
    out.write('{')
    let first = true
    for (let k = 0; k < order.length; k++) {
      const v = record[order[k]!]
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
      out.write(first ? plan.first[k]! : plan.rest[k]!)
      first = false
      writeCanonical(v, out)
    }
    out.write('}')
  }
  return true
}

/** How an object with a given list of own keys is written: its keys in canonical order, and each key's JSON before its value. */
interface KeyPlan {
  /** The keys as `Object.keys` listed them (the plan's identity). */
  readonly keys: readonly string[]
  readonly order: readonly string[]
  /** `"key":`, for the first member written. */
  readonly first: readonly string[]
  /** `,"key":`, for the others. */
  readonly rest: readonly string[]
}

// The plans of the last few key lists seen. A definition's step descriptors all have the same
// keys in the same order: sorting them and quoting each key once instead of once per step is
// a third of fingerprinting a large definition. A plan depends only on the key list, so sharing
// it between calls cannot change any output.
const recentPlans: (KeyPlan | undefined)[] = [undefined, undefined, undefined, undefined]
let nextPlanSlot = 0

function keyPlan(keys: string[]): KeyPlan {
  for (let s = 0; s < recentPlans.length; s++) {
    const plan = recentPlans[s]
    if (plan !== undefined && sameKeys(plan.keys, keys)) return plan
  }
  const order = canonicalKeyOrder(keys.slice().sort())
  const plan: KeyPlan = { keys, order, first: order.map((k) => `${JSON.stringify(k)}:`), rest: order.map((k) => `,${JSON.stringify(k)}:`) }
  recentPlans[nextPlanSlot] = plan
  nextPlanSlot = (nextPlanSlot + 1) % recentPlans.length
  return plan
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
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
  const indices: string[] = []
  const rest: string[] = []
  for (const key of sorted) {
    if (isIndex(key)) indices.push(key)
    else if (key !== '__proto__') rest.push(key)
  }
  return indices.length === 0 ? rest : indices.sort((a, b) => Number(a) - Number(b)).concat(rest)
}
