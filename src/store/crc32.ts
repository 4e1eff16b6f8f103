import * as zlib from 'node:zlib'

const TABLE = /* @__PURE__ */ makeTable()

function makeTable(): Uint32Array {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
}

/**
 * CRC-32 (IEEE 802.3, the polynomial of zlib, PNG and gzip) of `data`, computed with a 256-entry
 * table. `previous` continues a checksum over several pieces:
 * `crc32Table(b, crc32Table(a)) === crc32Table(concat(a, b))`.
 * @internal
 */
export function crc32Table(data: Uint8Array, previous = 0): number {
  return crc32Range(data, 0, data.length, previous)
}

/**
 * {@link crc32Table} of the bytes `data[start..end)`, without a view of them: for short ranges,
 * where making a view and calling into native code costs more than the table loop.
 * @internal
 */
export function crc32Range(data: Uint8Array, start: number, end: number, previous = 0): number {
  let crc = ~previous
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return ~crc >>> 0
}

type NativeCrc32 = (data: Uint8Array | string, value?: number) => number
const native = (zlib as unknown as { crc32?: NativeCrc32 }).crc32

/**
 * CRC-32 of `data`, continuing from `previous`. Uses zlib's native implementation when the
 * running Node has it (20.15+), otherwise {@link crc32Table}; both give the same result.
 * @internal
 */
export const crc32: (data: Uint8Array, previous?: number) => number =
  typeof native === 'function' ? (data, previous = 0) => native(data, previous) : crc32Table
