import { crc32, crc32Range } from './crc32.js'

/**
 * The journal file format, version 1.
 *
 * ```text
 * #weft-journal\t1\t<len>\t<crc>\t<header json>\n          header line (written once, atomically)
 * <seq>\t<begin>\t<end>\t<len>\t<crc>\t<event json>\n       one line per event
 * ```
 *
 * `len` is the byte length of the JSON, `crc` the CRC-32 (8 lowercase hex digits) of every byte
 * of the line before the `crc` field followed by the JSON bytes, so a damaged sequence number,
 * bound or length is caught like damaged JSON. `begin`/`end` are the first and last sequence
 * numbers of the append (batch) the event belongs to: a batch counts only when its `end` record
 * is present, which keeps batches all-or-nothing across crashes and lets recovery tell a torn
 * last batch from damage further back. JSON never contains a raw newline or tab, so every record
 * starts after a newline.
 *
 * A journal may end with zero bytes: space a preallocating store allocated ahead and has not
 * written yet. Zeros from the end of the last complete batch to the end of the file are padding,
 * not a torn tail; zeros followed by anything else are damage (or a torn tail) as usual.
 *
 * Version 1 is the plain format (the identity payload codec). Version 2
 * ({@link ENCODED_JOURNAL_FORMAT_VERSION}) is the same line framing for a journal written with a
 * payload codec: the header's JSON is `{"runId":…,"codec":<codec id>,"header":<encoded header
 * JSON>}` (the header encoded at `seq` 0) and each record holds `codec.encode(event JSON, { runId,
 * seq })` where the JSON was; `len` and `crc` cover the encoded bytes.
 * @internal
 */
export const JOURNAL_FORMAT_VERSION = 1

/**
 * Format version of a journal whose payloads are encoded by a payload codec (see
 * {@link JOURNAL_FORMAT_VERSION}); also the newest format this version reads.
 * @internal
 */
export const ENCODED_JOURNAL_FORMAT_VERSION = 2

/** First field of a journal file. @internal */
export const JOURNAL_MAGIC = '#weft-journal'
/** First field of a batch commit-log segment. @internal */
export const COMMIT_LOG_MAGIC = '#weft-log'

/** Largest JSON a record may hold (bytes). @internal */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024

const TAB = 0x09
const NL = 0x0a
const ZERO = 0x30
const NINE = 0x39

/** A record that parsed and whose checksum matches. @internal */
export interface RecordOk {
  readonly kind: 'ok'
  readonly seq: number
  readonly begin: number
  readonly end: number
  readonly jsonStart: number
  readonly jsonEnd: number
  /** Offset just after the record's newline. */
  readonly next: number
}
/** The buffer ends inside a record that is well formed so far. @internal */
export interface RecordIncomplete {
  readonly kind: 'incomplete'
}
/** A record that is not well formed or fails its checksum. @internal */
export interface RecordBad {
  readonly kind: 'bad'
  readonly reason: string
  /** Where the next record would start if the length field is right. */
  readonly declaredNext?: number
}
/** Result of {@link parseRecord}. @internal */
export type ParsedRecord = RecordOk | RecordIncomplete | RecordBad

const INCOMPLETE: RecordIncomplete = { kind: 'incomplete' }

function bad(reason: string, declaredNext?: number): RecordBad {
  return declaredNext === undefined ? { kind: 'bad', reason } : { kind: 'bad', reason, declaredNext }
}

function hex(b: number): number {
  if (b >= ZERO && b <= NINE) return b - ZERO
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10
  return -1
}

/**
 * Parses `count` tab-terminated positive decimal numbers from `p`. Returns the position after
 * the last tab, or a failure.
 */
function numbers(buf: Uint8Array, p: number, n: number, out: number[], count: number): number | RecordIncomplete | RecordBad {
  let i = p
  for (let k = 0; k < count; k++) {
    const start = i
    let v = 0
    while (i < n) {
      const b = buf[i]!
      if (b < ZERO || b > NINE) break
      if (i - start >= 15) return bad('number too long')
      v = v * 10 + (b - ZERO)
      i++
    }
    if (i === n) return INCOMPLETE
    if (i === start) return bad('expected a number')
    if (buf[start] === ZERO) return bad('number with a leading zero')
    if (buf[i] !== TAB) return bad('expected a tab after a number')
    out[k] = v
    i++
  }
  return i
}

/** Parses `<crc>\t<json>\n` at `i` for a line that began at `lineStart`. */
function body(buf: Uint8Array, lineStart: number, i: number, n: number, len: number): { jsonStart: number; jsonEnd: number; next: number } | RecordIncomplete | RecordBad {
  const crcStart = i
  let expected = 0
  for (let k = 0; k < 8; k++, i++) {
    if (i === n) return INCOMPLETE
    const h = hex(buf[i]!)
    if (h < 0) return bad('malformed checksum field')
    expected = expected * 16 + h
  }
  if (i === n) return INCOMPLETE
  if (buf[i] !== TAB) return bad('expected a tab after the checksum')
  i++
  if (len > MAX_RECORD_BYTES) return bad(`record length ${len} exceeds the limit`)
  const jsonStart = i
  const jsonEnd = i + len
  if (jsonEnd >= n) return INCOMPLETE
  if (buf[jsonEnd] !== NL) return bad('record length does not match its line', jsonEnd + 1)
  const actual = crc32(buf.subarray(jsonStart, jsonEnd), crc32(buf.subarray(lineStart, crcStart)))
  if (actual !== expected) return bad('checksum mismatch', jsonEnd + 1)
  return { jsonStart, jsonEnd, next: jsonEnd + 1 }
}

/**
 * Parses the event record starting at `p` in `buf[0..n)`.
 * @internal
 */
export function parseRecord(buf: Uint8Array, p: number, n: number): ParsedRecord {
  const fields = [0, 0, 0, 0]
  const i = numbers(buf, p, n, fields, 4)
  if (typeof i !== 'number') return i
  const rest = body(buf, p, i, n, fields[3]!)
  if (!('next' in rest)) return rest
  return { kind: 'ok', seq: fields[0]!, begin: fields[1]!, end: fields[2]!, jsonStart: rest.jsonStart, jsonEnd: rest.jsonEnd, next: rest.next }
}

/** Result of {@link parseHeaderLine}. @internal */
export type ParsedHeader =
  | { readonly kind: 'ok'; readonly version: number; readonly json: string; readonly next: number }
  | { readonly kind: 'newer'; readonly version: number }
  | RecordIncomplete
  | RecordBad

/**
 * Parses the header line `magic\tversion\tlen\tcrc\tjson\n` at the start of `buf[0..n)`. A
 * version above `supported` is reported as `newer` before anything else is checked (a newer
 * format may change the rest of the line).
 * @internal
 */
export function parseHeaderLine(buf: Uint8Array, n: number, magic: string, supported: number): ParsedHeader {
  const m = magic.length
  for (let k = 0; k <= m; k++) {
    if (k === n) return INCOMPLETE
    const want = k === m ? TAB : magic.charCodeAt(k)
    if (buf[k] !== want) return bad(`not a ${magic.slice(1)} file`)
  }
  const version = [0]
  const afterVersion = numbers(buf, m + 1, n, version, 1)
  if (typeof afterVersion !== 'number') return afterVersion
  if (version[0]! > supported) return { kind: 'newer', version: version[0]! }
  const len = [0]
  const afterLen = numbers(buf, afterVersion, n, len, 1)
  if (typeof afterLen !== 'number') return afterLen
  const rest = body(buf, 0, afterLen, n, len[0]!)
  if (!('next' in rest)) return rest
  return { kind: 'ok', version: version[0]!, json: Buffer.from(buf.buffer, buf.byteOffset + rest.jsonStart, rest.jsonEnd - rest.jsonStart).toString('utf8'), next: rest.next }
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0')
}

/**
 * Encodes a header line.
 * @internal
 */
export function encodeHeaderLine(magic: string, version: number, value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8')
  const head = Buffer.from(`${magic}\t${version}\t${json.length}\t`, 'latin1')
  const crc = crc32(json, crc32(head))
  return Buffer.concat([head, Buffer.from(`${hex8(crc)}\t`, 'latin1'), json, Buffer.from('\n', 'latin1')])
}

/** ASCII codes of the hex digits, for writing a CRC straight into a buffer. */
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0))

/**
 * Encodes one batch: `jsons[i]` is the JSON of the event with sequence number `begin + i`.
 * One buffer, ready for one write.
 *
 * The records are built as one string (each head with its JSON's length, a placeholder for the
 * CRC, the JSON, a newline) and converted to bytes once; each CRC is then computed on those bytes
 * (the short head with a table loop, the JSON natively) and its hex digits written over the
 * placeholder. The lengths are first taken in UTF-16 units, which are the byte lengths when every
 * JSON is ASCII (the common case); when the bytes came out longer, a JSON holds a non-ASCII
 * character and the string is built again with UTF-8 byte lengths.
 * @internal
 */
export function encodeBatch(begin: number, jsons: readonly string[]): Buffer {
  const lengths = jsons.map((json) => json.length)
  const heads = new Array<number>(jsons.length)
  let text = recordsText(begin, jsons, lengths, heads)
  let out = Buffer.from(text, 'utf8')
  if (out.length !== text.length) {
    for (let k = 0; k < jsons.length; k++) lengths[k] = Buffer.byteLength(jsons[k]!, 'utf8')
    text = recordsText(begin, jsons, lengths, heads)
    out = Buffer.from(text, 'utf8')
  }
  let p = 0
  for (let k = 0; k < jsons.length; k++) {
    const headEnd = p + heads[k]!
    const jsonStart = headEnd + 9
    const jsonEnd = jsonStart + lengths[k]!
    const crc = crc32(out.subarray(jsonStart, jsonEnd), crc32Range(out, p, headEnd))
    for (let j = 0; j < 8; j++) out[headEnd + j] = HEX_DIGITS[(crc >>> (28 - 4 * j)) & 15]!
    p = jsonEnd + 1
  }
  return out
}

/** The batch's records with `lengths` in their heads and a zero CRC; `heads[k]` gets the length of record k's head. */
function recordsText(begin: number, jsons: readonly string[], lengths: readonly number[], heads: number[]): string {
  const tail = `\t${begin}\t${begin + jsons.length - 1}\t`
  let text = ''
  for (let k = 0; k < jsons.length; k++) {
    const head = `${begin + k}${tail}${lengths[k]}\t`
    heads[k] = head.length
    text += `${head}00000000\t${jsons[k]}\n`
  }
  return text
}
