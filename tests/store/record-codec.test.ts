import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32Table } from '../../src/store/crc32.js'
import { encodeBatch, encodeHeaderLine, parseHeaderLine, parseRecord } from '../../src/store/record-codec.js'

/** An independent, plain encoder of the format; the fast one must give the same bytes. */
function reference(begin: number, jsons: readonly string[]): Buffer {
  return Buffer.concat(
    jsons.map((json, k) => {
      const body = Buffer.from(json, 'utf8')
      const head = Buffer.from(`${begin + k}\t${begin}\t${begin + jsons.length - 1}\t${body.length}\t`, 'latin1')
      const crc = crc32Table(body, crc32Table(head)).toString(16).padStart(8, '0')
      return Buffer.concat([head, Buffer.from(`${crc}\t`, 'latin1'), body, Buffer.from('\n')])
    }),
  )
}

describe('journal record codec', () => {
  it('decodes what it encodes, ASCII or not, batch bounds included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.array(fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'), { minLength: 1, maxLength: 5 }), (begin, jsons) => {
        const bytes = encodeBatch(begin, jsons)
        let p = 0
        jsons.forEach((json, k) => {
          const r = parseRecord(bytes, p, bytes.length)
          expect(r.kind).toBe('ok')
          if (r.kind !== 'ok') return
          expect([r.seq, r.begin, r.end]).toEqual([begin + k, begin, begin + jsons.length - 1])
          expect(bytes.toString('utf8', r.jsonStart, r.jsonEnd)).toBe(json)
          p = r.next
        })
        expect(p).toBe(bytes.length)
      }),
    )
  })

  it('writes exactly the documented bytes: head, CRC of head and JSON, JSON as UTF-8, newline', () => {
    const unit = fc.oneof(fc.constantFrom('a', '"', '\\', 'é', '€', '\u{1F600}', '\ud800', '\u0000'), fc.string({ unit: 'binary', maxLength: 3 }))
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.array(fc.array(unit, { maxLength: 40 }).map((parts) => JSON.stringify(parts.join(''))), { minLength: 1, maxLength: 6 }), (begin, jsons) => {
        expect(encodeBatch(begin, jsons).equals(reference(begin, jsons))).toBe(true)
      }),
    )
    // All-ASCII batches (the common case, encoded as one string), large ones, and ASCII batches
    // with one non-ASCII record somewhere (which switch the whole batch to the UTF-8 encoder).
    const ascii = fc.array(fc.jsonValue().map((v) => JSON.stringify(v, (_, x: unknown) => (typeof x === 'string' ? x.replace(/[^\x00-\x7f]/g, '?') : x)) ?? 'null'), { minLength: 1, maxLength: 200 })
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), ascii, fc.option(fc.tuple(fc.nat(), fc.constantFrom('"é"', '"€"', '"\u{1F600}"'))), (begin, jsons, odd) => {
        const at = odd === null ? 0 : odd[0] % (jsons.length + 1)
        const batch = odd === null ? jsons : [...jsons.slice(0, at), odd[1], ...jsons.slice(at)]
        expect(encodeBatch(begin, batch).equals(reference(begin, batch))).toBe(true)
      }),
    )
    expect(encodeBatch(9, ['{"a":1}']).toString('latin1')).toBe(`9\t9\t9\t7\t${crc32Table(Buffer.from('9\t9\t9\t7\t{"a":1}')).toString(16).padStart(8, '0')}\t{"a":1}\n`)
  })

  it('reports every strict prefix of a record as incomplete, and any changed byte as bad', () => {
    const bytes = encodeBatch(7, [JSON.stringify({ a: 'ünï', b: [1, 2] })])
    for (let n = 0; n < bytes.length; n++) expect(parseRecord(bytes, 0, n).kind).toBe('incomplete')
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0, 3, 6]) {
        const copy = Buffer.from(bytes)
        copy[i]! ^= 1 << bit
        expect(parseRecord(copy, 0, copy.length).kind, `byte ${i} bit ${bit}`).not.toBe('ok')
      }
    }
  })

  it('reads a newer header version before checking anything else', () => {
    const line = encodeHeaderLine('#weft-journal', 1, { runId: 'r' })
    expect(parseHeaderLine(line, line.length, '#weft-journal', 1)).toMatchObject({ kind: 'ok', version: 1, json: '{"runId":"r"}' })
    const newer = Buffer.from('#weft-journal\t3\tanything at all')
    expect(parseHeaderLine(newer, newer.length, '#weft-journal', 1)).toEqual({ kind: 'newer', version: 3 })
  })
})
