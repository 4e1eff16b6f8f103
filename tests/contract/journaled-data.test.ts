import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ContractViolation } from '../../src/index.js'
import { assertJournaledData, isJournaledData, journaledDataViolation } from '../../src/contract/journaled-data.js'

/**
 * The reference: `value` reads back from JSON as it is. A missing member equals an `undefined`
 * one, -0 equals 0, and a null prototype equals Object's (what JSON cannot tell apart and no
 * step can observe through `deps`).
 */
function survivesJson(value: unknown): boolean {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch {
    return false
  }
  if (text === undefined) return value === undefined
  return same(value, JSON.parse(text))
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b)
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const pa = Object.getPrototypeOf(a) as unknown
  if (!Array.isArray(a) && pa !== Object.prototype && pa !== null) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    if (a.length !== bb.length) return false
    for (let i = 0; i < a.length; i++) if (!(i in a) || !same(a[i], bb[i])) return false
    return true
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined)
  const kb = Object.keys(b)
  if (ka.length !== kb.length || Object.getOwnPropertySymbols(a).length > 0) return false
  return ka.every((k) => Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

const anything = fc.anything({
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withTypedArray: true,
  withSparseArray: true,
  withBoxedValues: true,
  maxDepth: 4,
})

describe('journaled data (what step outputs and run inputs must be)', () => {
  it('accepts exactly the values that read back from the journal unchanged', () => {
    fc.assert(
      fc.property(anything, (value) => {
        expect(isJournaledData(value)).toBe(survivesJson(value))
      }),
      { numRuns: 2000 },
    )
  })

  it('accepts all JSON, undefined members and an undefined root', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => isJournaledData(value)))
    expect(isJournaledData(undefined)).toBe(true)
    expect(isJournaledData({ a: undefined, b: [1, { c: undefined }] })).toBe(true)
    expect(isJournaledData(Object.assign(Object.create(null) as object, { a: 1 }))).toBe(true)
  })

  it('names every problem with its JSON pointer, and finds cycles and over-deep values', () => {
    const cyclic: Record<string, unknown> = { ok: 1 }
    cyclic['self'] = cyclic
    const site = { workflowId: 'w', stepId: 's', direction: 'step-output' as const }
    const thrown = (value: unknown, prefix?: string): ContractViolation => {
      expect(isJournaledData(value)).toBe(false)
      const violation = journaledDataViolation(value, site, prefix)
      expect(violation).toBeInstanceOf(ContractViolation)
      if (prefix === undefined) expect(() => assertJournaledData(value, site)).toThrow(violation!.message)
      return violation!
    }
    expect(thrown({ at: new Date(0), n: [1, Number.NaN, undefined], f: () => 1, big: 1n, m: new Map() }).data.issues).toEqual([
      { path: '/at', message: 'a Date object is not JSON data (only plain objects and arrays are) (it is journaled as JSON)' },
      { path: '/n/1', message: 'NaN is not a JSON number (it is journaled as JSON)' },
      { path: '/n/2', message: 'undefined is not JSON data (it is journaled as JSON)' },
      { path: '/f', message: 'a function is not JSON data (it is journaled as JSON)' },
      { path: '/big', message: 'a bigint is not JSON data (it is journaled as JSON)' },
      { path: '/m', message: 'a Map object is not JSON data (only plain objects and arrays are) (it is journaled as JSON)' },
    ])
    expect(thrown(cyclic, '/3').data.issues).toEqual([{ path: '/3/self', message: 'a value that contains itself (a cycle) is not JSON data (it is journaled as JSON)' }])
    // Deeper than the quick check looks but JSON all the same: accepted.
    let deep: unknown = 1
    for (let i = 0; i < 400; i++) deep = [deep]
    expect(() => assertJournaledData(deep, site)).not.toThrow()
    let tooDeep: unknown = 1
    for (let i = 0; i < 1200; i++) tooDeep = { d: tooDeep }
    expect(thrown(tooDeep).data.issues[0]!.message).toMatch(/nesting deeper than the limit of 1000 levels/)
  })
})
