import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32, crc32Table } from '../../src/store/crc32.js'

describe('crc32', () => {
  it('gives the standard check value', () => {
    const data = Buffer.from('123456789')
    expect(crc32Table(data)).toBe(0xcbf43926)
    expect(crc32(data)).toBe(0xcbf43926)
    expect(crc32Table(Buffer.alloc(0))).toBe(0)
  })

  it('table and native implementations agree, also when continued piece by piece', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, at) => {
        const split = bytes.length === 0 ? 0 : at % bytes.length
        const whole = crc32Table(bytes)
        expect(crc32(bytes)).toBe(whole)
        expect(crc32Table(bytes.subarray(split), crc32Table(bytes.subarray(0, split)))).toBe(whole)
        expect(crc32(bytes.subarray(split), crc32(bytes.subarray(0, split)))).toBe(whole)
      }),
    )
  })
})
