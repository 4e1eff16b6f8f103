import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRedactor, redactionMarker, secretForms } from '../../src/secrets/index.js'

/**
 * The redactor's result computed the slow, obvious way: every occurrence of every form of
 * every secret, overlapping occurrences merged, each merged span named after its longest
 * occurrence (the leftmost among equally long ones); a form shared by two secrets belongs to
 * the one registered first.
 */
function reference(secrets: readonly string[], text: string): { readonly text: string; readonly leaks: ReadonlySet<string> } {
  const owner = new Map<string, string>()
  secrets.forEach((s, i) => {
    for (const form of secretForms(s)) if (!owner.has(form)) owner.set(form, `S${i}`)
  })
  const hits: { start: number; end: number; name: string }[] = []
  for (const [form, name] of owner) {
    for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) hits.push({ start: at, end: at + form.length, name })
  }
  hits.sort((a, b) => a.start - b.start || b.end - a.end)
  const spans: { start: number; end: number; best: { start: number; length: number; name: string } }[] = []
  for (const h of hits) {
    const length = h.end - h.start
    const last = spans[spans.length - 1]
    if (last !== undefined && h.start < last.end) {
      last.end = Math.max(last.end, h.end)
      if (length > last.best.length || (length === last.best.length && h.start < last.best.start)) last.best = { start: h.start, length, name: h.name }
    } else spans.push({ start: h.start, end: h.end, best: { start: h.start, length, name: h.name } })
  }
  let out = ''
  let at = 0
  for (const span of spans) {
    out += text.slice(at, span.start) + redactionMarker(span.best.name)
    at = span.end
  }
  return { text: out + text.slice(at), leaks: new Set(hits.map((h) => h.name)) }
}

describe('redactor against a reference implementation', () => {
  const units = ['a', 'b', 'é', '😀']
  const small = (min: number, max: number) => fc.array(fc.constantFrom(...units), { minLength: min, maxLength: max }).map((u) => u.join(''))
  /** Some secrets, plus slices of them: secrets inside secrets, sharing prefixes and suffixes. */
  const secretsArb = fc
    .tuple(fc.uniqueArray(small(2, 8), { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 4 }))
    .map(([base, cuts]) => [...new Set([...base, ...cuts.map(([w, a, b]) => base[w % base.length]!.slice(a % 4, (a % 4) + 4 + (b % 4)))])].filter((s) => s.length >= 4))

  it('redacts exactly like the reference on texts full of overlapping secrets', () => {
    fc.assert(
      fc.property(secretsArb, fc.array(fc.tuple(small(0, 2), fc.nat(), fc.nat(), fc.nat()), { maxLength: 12 }), (secrets, pieces) => {
        fc.pre(secrets.length > 0)
        // Secrets, their prefixes and suffixes, glued with a little noise: many overlaps.
        const text = pieces
          .map(([noise, which, from, to]) => {
            const s = secrets[which % secrets.length]!
            const a = from % (s.length + 1)
            const b = a + (to % (s.length - a + 1))
            return noise + (which % 3 === 0 ? s : s.slice(a, b))
          })
          .join('')
        const redactor = createRedactor()
        secrets.forEach((s, i) => redactor.add(`S${i}`, s))
        const expected = reference(secrets, text)
        expect(redactor.redact(text)).toBe(expected.text)
        expect(new Set(redactor.findLeaks(text).map((l) => l.name))).toEqual(expected.leaks)
      }),
      { numRuns: 1000 },
    )
  })

  it('finds a secret that ends inside a longer secret the text then leaves', () => {
    const redactor = createRedactor()
    redactor.add('LONG', 'xabcd1')
    redactor.add('INNER', 'abcd')
    expect(redactor.redact('xabcd2')).toBe('x[REDACTED:INNER]2')
    expect(redactor.findLeaks('xabcd2')).toEqual([{ path: '', name: 'INNER', where: 'value' }])
  })
})
