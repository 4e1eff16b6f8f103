import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CodecContext, PayloadCodec } from '../../src/codec/index.js'

const contextArb: fc.Arbitrary<CodecContext> = fc.record({
  runId: fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/),
  seq: fc.nat({ max: 2 ** 40 }),
})

/** The rules of the `PayloadCodec` port, run by every implementation. */
export function payloadCodecConformance(name: string, make: () => PayloadCodec): void {
  describe(`PayloadCodec conformance: ${name}`, () => {
    it('has a stable id', () => {
      expect(make().id).toMatch(/^[a-z0-9-]+$/)
      expect(make().id).toBe(make().id)
    })

    it('round-trips every text, in every context', () => {
      const codec = make()
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.json(), fc.string({ unit: 'grapheme', maxLength: 200 })), contextArb, (text, context) => {
          expect(codec.decode(codec.encode(text, context), context)).toBe(text)
        }),
        { numRuns: 300 },
      )
    })

    it('round-trips UTF-8 bytes as their text', () => {
      const codec = make()
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), contextArb, (text, context) => {
          const bytes = new TextEncoder().encode(text)
          expect(codec.decode(codec.encode(bytes, context), context)).toBe(text)
          const offset = new Uint8Array(bytes.length + 4)
          offset.set(bytes, 2)
          expect(codec.decode(codec.encode(offset.subarray(2, 2 + bytes.length), context), context)).toBe(text)
        }),
        { numRuns: 100 },
      )
    })

    it('adds no line break or tab to JSON records', () => {
      const codec = make()
      fc.assert(
        fc.property(fc.json(), contextArb, (json, context) => {
          expect(codec.encode(json, context)).not.toMatch(/[\n\r\t]/)
        }),
        { numRuns: 100 },
      )
    })

    it('verifies its own records', () => {
      const codec = make()
      const context = { runId: 'run-1', seq: 7 }
      expect(() => codec.verify?.(codec.encode('{"type":"run.started"}', context), context)).not.toThrow()
    })
  })
}
