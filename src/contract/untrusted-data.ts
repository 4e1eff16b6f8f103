import { WeftError } from '../errors/index.js'
import { childPointer } from './json-pointer.js'

/**
 * Limits on data that comes from outside the process (signal payloads, config files, imported
 * journals, command-line JSON): they keep hostile input from exhausting memory or the stack.
 * @public
 */
export interface DataLimits {
  /**
   * Largest size, in bytes of UTF-8 JSON text.
   * @defaultValue 1 MiB (1048576)
   */
  readonly maxBytes?: number
  /**
   * Deepest nesting of objects and arrays (the root container is level 1).
   * @defaultValue 64
   */
  readonly maxDepth?: number
  /**
   * Most values (objects, arrays and scalars) in all.
   * @defaultValue 100000
   */
  readonly maxNodes?: number
}

/**
 * One problem of untrusted data: where (`path`, a JSON pointer) and what.
 * @public
 */
export interface DataProblem {
  /** JSON pointer of the offending value or key (`''`: the whole value). */
  readonly path: string
  /** What is wrong. */
  readonly message: string
}

/**
 * Untrusted data was refused: it is not JSON data, is too large or too deep, or holds a key
 * that could pollute prototypes (`__proto__`, `constructor`, `prototype`). Lists every problem.
 * @public
 */
export class UntrustedDataError extends WeftError<{ readonly source: string; readonly problems: readonly DataProblem[] }> {
  /** Stable code. */
  static readonly code = 'WEFT_UNTRUSTED_DATA'
  constructor(source: string, problems: readonly DataProblem[]) {
    super(UntrustedDataError.code, `${source} refused: ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}`, { source, problems })
  }
}

const FORBIDDEN: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])
const defaults = { maxBytes: 1024 * 1024, maxDepth: 64, maxNodes: 100_000 }
/** Marks the stack entry that ends an object's visit in {@link dataProblems}. */
const EXIT: unique symbol = Symbol('exit')

/** True for keys that can pollute prototypes when data is merged: `__proto__`, `constructor`, `prototype`. @internal */
export function isPollutingKey(key: string): boolean {
  return FORBIDDEN.has(key)
}

/**
 * Every problem of a value that came from outside, checked without recursion: values that are
 * not JSON data (functions, symbols, bigints, class instances other than plain objects and
 * arrays, non-finite numbers, cycles), nesting deeper than `maxDepth`, more than `maxNodes`
 * values, more than `maxBytes` of JSON, and prototype-polluting keys. Empty when it is fine.
 * @public
 */
export function dataProblems(value: unknown, limits: DataLimits = {}): DataProblem[] {
  return problemsOf(value, limits, false)
}

/**
 * {@link dataProblems}, or with `journaled` the problems of data the engine writes into the
 * journal (inputs, outputs): there an `undefined` member or root is fine (it reads back the
 * same), and so are keys like `__proto__` (JSON.parse makes them own properties).
 * @internal
 */
export function problemsOf(value: unknown, limits: DataLimits, journaled: boolean): DataProblem[] {
  const maxDepth = limits.maxDepth ?? defaults.maxDepth
  const maxNodes = limits.maxNodes ?? defaults.maxNodes
  const maxBytes = limits.maxBytes ?? defaults.maxBytes
  const problems: DataProblem[] = []
  // [value, pointer of its parent, its key there (undefined for the root), level]; a pointer is
  // built for containers and for values with a problem only. `EXIT` entries end an object's
  // visit: only its ancestors count for cycles, a value shared by two members is fine.
  const stack: [unknown, string, string | number | typeof EXIT | undefined, number][] = [[value, '', undefined, 1]]
  const ancestors = new Set<object>()
  let nodes = 0
  let bytes = 0
  while (stack.length > 0) {
    const [v, parent, key, level] = stack.pop()!
    if (key === EXIT) {
      ancestors.delete(v as object)
      continue
    }
    if (++nodes > maxNodes) {
      problems.push({ path: '', message: `more than ${maxNodes} values` })
      break
    }
    if (v === null || typeof v === 'boolean') {
      bytes += 5
      continue
    }
    if (typeof v === 'string') {
      bytes += Buffer.byteLength(v, 'utf8') + 2
      continue
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) problems.push({ path: pointerOf(parent, key), message: `${v} is not a JSON number` })
      bytes += 8
      continue
    }
    if (v === undefined && journaled && typeof key !== 'number') continue // a missing member reads back the same
    if (typeof v !== 'object') {
      problems.push({ path: pointerOf(parent, key), message: `${v === undefined ? 'undefined' : `a ${typeof v}`} is not JSON data` })
      continue
    }
    const proto = Object.getPrototypeOf(v) as unknown
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
      problems.push({ path: pointerOf(parent, key), message: `a ${(v as { constructor?: { name?: string } }).constructor?.name ?? 'non-plain'} object is not JSON data (only plain objects and arrays are)` })
      continue
    }
    if (ancestors.has(v)) {
      problems.push({ path: pointerOf(parent, key), message: 'a value that contains itself (a cycle) is not JSON data' })
      continue
    }
    if (level > maxDepth) {
      problems.push({ path: pointerOf(parent, key), message: `nesting deeper than the limit of ${maxDepth} levels` })
      continue
    }
    const here = pointerOf(parent, key)
    ancestors.add(v)
    stack.push([v, '', EXIT, level])
    bytes += 2
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], here, i, level + 1])
      continue
    }
    const keys = Object.keys(v)
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!
      bytes += Buffer.byteLength(k, 'utf8') + 4
      if (FORBIDDEN.has(k) && !journaled) problems.push({ path: childPointer(here, k), message: `the key "${k}" is not allowed (prototype pollution)` })
      else stack.push([(v as Record<string, unknown>)[k], here, k, level + 1])
    }
  }
  if (bytes > maxBytes) problems.unshift({ path: '', message: `about ${bytes} bytes of JSON, more than the limit of ${maxBytes}` })
  return problems
}

/**
 * Parses JSON text from outside the process and checks it with {@link dataProblems}; throws an
 * {@link UntrustedDataError} naming `source` with every problem. Keys like `__proto__` never
 * reach an object.
 * @example
 * ```ts
 * const payload = parseUntrustedJson(flags.payload, 'the --payload flag', { maxBytes: 65536 })
 * ```
 * @public
 */
export function parseUntrustedJson(text: string, source: string, limits: DataLimits = {}): unknown {
  const maxBytes = limits.maxBytes ?? defaults.maxBytes
  const size = Buffer.byteLength(text, 'utf8')
  if (size > maxBytes) throw new UntrustedDataError(source, [{ path: '', message: `${size} bytes, more than the limit of ${maxBytes}` }])
  const maxDepth = limits.maxDepth ?? defaults.maxDepth
  // Bound nesting before JSON.parse recurses: count brackets outside strings.
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new UntrustedDataError(source, [{ path: '', message: `nesting deeper than the limit of ${maxDepth} levels` }])
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new UntrustedDataError(source, [{ path: '', message: `not valid JSON: ${(error as Error).message}` }])
  }
  // The text's exact size was checked above; the estimate of dataProblems would only differ.
  const problems = dataProblems(value, { ...limits, maxBytes: Infinity })
  if (problems.length > 0) throw new UntrustedDataError(source, problems)
  return value
}

/** JSON pointer of member `key` of the value at `parent` (the value itself when `key` is undefined). */
function pointerOf(parent: string, key: string | number | undefined): string {
  return key === undefined ? parent : childPointer(parent, key)
}
