import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRedactor, redactionMarker } from '../../src/secrets/index.js'
import { promisedForms } from './encodings.js'

const NAMES = ['S0', 'S1', 'S2', 'S3']

/** Secrets of 4 to 24 code points, ASCII-heavy but with any code point. */
const secretArb = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', minLength: 4, maxLength: 24 }),
  fc.string({ unit: 'binary', minLength: 4, maxLength: 16 }),
  fc.string({ unit: 'grapheme', minLength: 4, maxLength: 12 }),
)
const textArb = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }))

/**
 * A secret can only be found again in a redacted text by overlapping a marker, which takes
 * `[` or `]` in the secret, or the secret (or a form) inside a marker's text: such secrets
 * are left out.
 */
function usable(secrets: readonly string[]): boolean {
  const markers = NAMES.map(redactionMarker).join(' ')
  return secrets.every((s) => !s.includes('[') && !s.includes(']') && [s.trim(), ...Object.values(promisedForms(s))].every((f) => !markers.includes(f)))
}

function allForms(secrets: readonly string[]): string[] {
  return secrets.flatMap((s) => [...Object.values(promisedForms(s)), ...(s.trim().length >= 4 ? Object.values(promisedForms(s.trim())) : [])])
}

describe('redactor properties', () => {
  it('leaves no secret, raw or encoded, in redacted text', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(secretArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(textArb, fc.nat(), fc.nat()), { minLength: 1, maxLength: 8 }),
        (secrets, pieces) => {
          fc.pre(usable(secrets))
          const redactor = createRedactor()
          secrets.forEach((s, i) => redactor.add(NAMES[i]!, s))
          const text = pieces
            .map(([around, which, form]) => {
              const forms = Object.values(promisedForms(secrets[which % secrets.length]!))
              return around + forms[form % forms.length]!
            })
            .join('')
          const out = redactor.redact(text)
          for (const form of allForms(secrets)) expect(out.includes(form), `form ${JSON.stringify(form)} left in ${JSON.stringify(out)}`).toBe(false)
          expect(out).toContain('[REDACTED:')
        },
      ),
      { numRuns: 300 },
    )
  })

  it('leaves text without secrets unchanged', () => {
    fc.assert(
      fc.property(fc.uniqueArray(secretArb, { minLength: 1, maxLength: 4 }), fc.array(textArb, { maxLength: 6 }), (secrets, parts) => {
        const text = parts.join(' ')
        const redactor = createRedactor()
        secrets.forEach((s, i) => redactor.add(NAMES[i]!, s))
        // Only texts that hold none of the forms the redactor looks for.
        fc.pre(redactor.findLeaks(text).length === 0)
        expect(redactor.redact(text)).toBe(text)
      }),
      { numRuns: 300 },
    )
  })

  it('redactValue removes every secret from JSON values (keys too), and findLeaks finds each one', () => {
    const secretsArb = fc.uniqueArray(fc.string({ unit: 'grapheme-ascii', minLength: 6, maxLength: 20 }), { minLength: 1, maxLength: 3 })
    fc.assert(
      fc.property(secretsArb, fc.jsonValue({ maxDepth: 4 }), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 5 }), (secrets, json, inserts) => {
        fc.pre(usable(secrets))
        const redactor = createRedactor()
        secrets.forEach((s, i) => redactor.add(NAMES[i]!, s))
        fc.pre(redactor.findLeaks(json).length === 0)
        // Put secrets into the value: as new members (in the key or in the value) of the root object.
        const value: Record<string, unknown> = { data: json }
        for (const [which, form, inKey] of inserts) {
          const forms = Object.values(promisedForms(secrets[which % secrets.length]!))
          const text = `x${forms[form % forms.length]!}y`
          if (inKey) value[text] = 1
          else value[`v${Object.keys(value).length}`] = text
        }
        const frozen = structuredClone(value)
        const leaks = redactor.findLeaks(value)
        const expectedNames = new Set(inserts.map(([which]) => NAMES[which % secrets.length]!))
        expect(new Set(leaks.map((l) => l.name))).toEqual(expectedNames)
        const out = redactor.redactValue(value)
        expect(value).toEqual(frozen)
        expect(redactor.findLeaks(out)).toEqual([])
        expect((out as { data: unknown }).data).toEqual(json)
      }),
      { numRuns: 200 },
    )
  })
})
