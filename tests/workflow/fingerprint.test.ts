import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalJson, fingerprintOf } from '../../src/index.js'

// The text canonicalJson has always produced: a sorted copy of the value, then JSON.stringify.
// Fingerprints are journaled, so the streaming implementation must match it byte for byte.
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key]
    if (v !== undefined && typeof v !== 'function') out[key] = sortKeys(v)
  }
  return out
}
const reference = (value: unknown): string => JSON.stringify(sortKeys(value))
const referenceFingerprint = (value: unknown): string => createHash('sha256').update(reference(value)).digest('hex').slice(0, 32)
/** The value, or the error's class and code (undefined, functions and symbols have no fingerprint). */
function outcome(fn: () => string): unknown {
  try {
    return fn()
  } catch (error) {
    return { threw: (error as Error).constructor.name, code: (error as { code?: unknown }).code }
  }
}

const key = fc.oneof(
  fc.string(),
  fc.constantFrom('0', '1', '2', '10', '01', '-1', '1.5', '4294967294', '4294967295', '9999999999', '__proto__', 'toJSON', '\ud83d\ude00', '\ud800'),
  fc.nat().map(String),
)
const leaf = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.double(),
  fc.boolean(),
  fc.constantFrom(null, undefined, -0, NaN, () => 1, Symbol('s'), new Date(0)),
)
function record(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  return o
}
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 6 }),
  object: fc.array(fc.tuple(key, tie('tree')), { maxLength: 6 }).map(record),
}))
// Arrays long enough to be streamed element by element, alone and inside objects.
const long = fc.tuple(fc.array(tree, { maxLength: 5 }), fc.integer({ min: 250, max: 300 })).map(([xs, n]) => Array.from({ length: n }, (_, i) => xs[i % Math.max(1, xs.length)]))
const holder = fc.tuple(fc.array(fc.tuple(key, fc.oneof(tree, long)), { maxLength: 5 }), key, long).map(([entries, k, l]) => record([...entries, [k, l]]))

describe('canonicalJson and fingerprintOf', () => {
  it('property: the same text as a sorted copy through JSON.stringify, streamed or not', () => {
    fc.assert(
      fc.property(fc.oneof(tree, long, holder, fc.array(holder, { maxLength: 3 })), (value) => {
        expect(canonicalJson(value)).toBe(reference(value))
        expect(outcome(() => fingerprintOf(value))).toEqual(outcome(() => referenceFingerprint(value)))
      }),
      { numRuns: 200 },
    )
  })

  it('hashes long text in chunks without splitting a surrogate pair', () => {
    const steps = Array.from({ length: 20_000 }, (_, i) => ({ id: `s${i}`, label: '😀'.repeat(i % 5), needs: [`s${i - 1}`] }))
    const definition = { id: 'wide', steps }
    expect(fingerprintOf(definition)).toBe(referenceFingerprint(definition))
  })

  it('keeps the top-level edge cases of JSON.stringify', () => {
    expect(canonicalJson(undefined)).toBeUndefined()
    expect(canonicalJson(() => 1)).toBeUndefined()
    expect(() => fingerprintOf(undefined)).toThrow(TypeError)
    expect(() => canonicalJson(1n)).toThrow(TypeError)
    expect(canonicalJson({ b: 1, a: [undefined, () => 1], 10: 'x', 2: 'y' })).toBe('{"2":"y","10":"x","a":[null,null],"b":1}')
  })
})
