import { createHash } from 'node:crypto'
import fc from 'fast-check'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { toWorkflow } from '../../bench/weft-workload.js'
import { fan, layered } from '../../bench/workloads.js'
import { canonicalJson, defineWorkflow, fingerprintOf } from '../../src/index.js'

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

// One subtree referenced from many places (as a schema shared by many steps): written once, reused.
const shared = fc.tuple(tree, key).map(([t, k]) => record([[k, t], ['list', [t, { t }, t]], ['z', { deeper: [t] }]]))

describe('canonicalJson and fingerprintOf', () => {
  it('property: the same text as a sorted copy through JSON.stringify, streamed or not', () => {
    fc.assert(
      fc.property(fc.oneof(tree, long, holder, fc.array(holder, { maxLength: 3 }), shared), (value) => {
        expect(canonicalJson(value)).toBe(reference(value))
        expect(outcome(() => fingerprintOf(value))).toEqual(outcome(() => referenceFingerprint(value)))
      }),
      { numRuns: 200 },
    )
  })

  it('property: objects sharing key lists (in any insertion order, more lists than are remembered) are written as the reference writes them', () => {
    // Key orders are planned once per key list and reused: interleave a few key lists in several
    // insertion orders, each value written many times, so that plans are reused and evicted.
    const keyList = fc.uniqueArray(key, { minLength: 1, maxLength: 6 })
    fc.assert(
      fc.property(fc.array(keyList, { minLength: 1, maxLength: 7 }), fc.array(fc.tuple(fc.nat(), fc.nat(), tree), { minLength: 1, maxLength: 40 }), (lists, picks) => {
        const values = picks.map(([which, rotate, leaf]) => {
          const keys = lists[which % lists.length]!
          const turned = [...keys.slice(rotate % keys.length), ...keys.slice(0, rotate % keys.length)]
          return record(turned.map((k, i) => [k, i % 2 === 0 ? leaf : i]))
        })
        expect(canonicalJson(values)).toBe(reference(values))
        for (const value of values) expect(canonicalJson(value)).toBe(reference(value))
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

// A definition using every option that enters the fingerprint. The expected values were computed
// by the implementation before schema texts were precomputed (commit e09b91e): journals written
// since then must still match their definitions.
function golden(): { fingerprint: string } {
  const Out = Type.Object({ v: Type.Integer(), tags: Type.Optional(Type.Array(Type.String())) })
  const Item = Type.Object({ n: Type.Number({ minimum: 0 }) })
  const child = defineWorkflow({ id: 'child', input: Type.Object({ x: Type.Number() }), output: Type.Number(), steps: [{ id: 'c', output: Type.Number(), run: () => 1 }], result: ({ steps }: any) => steps.c })
  return defineWorkflow({
    id: 'golden',
    version: '3',
    input: Type.Object({ name: Type.String(), count: Type.Integer({ minimum: 1 }) }),
    output: Out,
    steps: [
      { id: 'a', output: Out, run: () => ({ v: 1 }), estimate: 5, priority: 2, retry: { attempts: 3, backoff: 'exponential', delayMs: 10 }, timeout: 1000, totalTimeout: 5000, resources: { cpu: 2 }, concurrencyKey: 'k', sideEffects: true },
      { id: 'b', needs: ['a'], output: Out, run: () => ({ v: 2 }), when: () => true, compensate: () => {}, compensateRetry: { attempts: 2 }, breaker: { key: 'svc', failureThreshold: 3, halfOpenAfter: 100 }, bulkhead: { key: 'db', limit: 2 }, fallback: { value: { v: 0 } } },
      { id: 'g', needs: ['a'], output: Type.Object({ ok: Type.Boolean() }), gate: { signal: 'approve' } },
      { id: 'm', needs: ['b'], map: { over: () => [], item: Item, output: Out, run: (x: any) => x, concurrency: 4, onItemError: 'collect' } },
      { id: 's', needs: ['b'], output: Type.Number(), child: { workflow: child, input: () => ({ x: 1 }) } },
      { id: 'h', needs: ['g', 'm', 's'], output: Out, run: () => ({ v: 3 }), heal: [{ name: 'clear', when: () => true, do: () => {}, then: 'retry' }], rateLimit: { key: 'api', limit: 5, intervalMs: 1000 } },
    ],
    result: ({ steps }: any) => steps.h,
  })
}

describe('definition fingerprints', () => {
  it('stay what they were: every option, shared schemas, a child workflow, a map step', () => {
    expect(golden().fingerprint).toBe('1a82b9719ff57336ebc267ffad4c4147')
  })

  it('stay what they were for generated shapes whose steps share one schema object', () => {
    expect(toWorkflow(layered(20, 30, 8)).fingerprint).toBe('a452aba5b394637fa7f2f5c044d5eeab')
    expect(toWorkflow(fan(300, 8)).fingerprint).toBe('b249138540125db115c253c7a253e807')
  })
})
