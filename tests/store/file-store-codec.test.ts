import { randomBytes, randomUUID } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import fc from 'fast-check'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import {
  aesGcmCodec,
  CodecAuthenticationError,
  CodecKeyError,
  createEngine,
  fileStore,
  identityCodec,
  InvalidArgumentError,
  JournalCodecError,
  JournalCorruptError,
  JournalVersionError,
  workflow,
  type Durability,
  type JournalEvent,
  type PayloadCodec,
  type RunStore,
} from '../../src/index.js'
import { append } from '../conformance/run-store.js'
import { event, events, header, terminal } from '../conformance/journal-fixtures.js'
import { CrashFs } from './crash-fs.js'
import { readAll, rebootedHost, rejection, tempDir } from './helpers.js'

const K1 = randomBytes(32)
const K2 = randomBytes(32)
const withK1 = (): PayloadCodec => aesGcmCodec({ keys: { k1: K1 }, current: 'k1' })
const withK1K2 = (): PayloadCodec => aesGcmCodec({ keys: { k1: K1, k2: K2 }, current: 'k2' })
const withK2 = (): PayloadCodec => aesGcmCodec({ keys: { k2: K2 }, current: 'k2' })
const reader = aesGcmCodec({ keys: { k1: K1, k2: K2 }, current: 'k2' })

/**
 * One engine owner for every engine here: an engine gives a finished run's lease up without
 * waiting, so a resume by another owner right after could find it still held.
 */
const OWNER = 'codec-tests'

const journalOf = (dir: string, runId: string): string => join(dir, 'runs', `${runId}.wj`)

interface Line {
  /** Byte offset of the line in the file. */
  readonly offset: number
  readonly fields: string[]
}

/** The lines of a journal (ASCII: encoded journals are), with their byte offsets. */
function linesOf(path: string): Line[] {
  const text = readFileSync(path, 'latin1')
  const out: Line[] = []
  let offset = 0
  for (const line of text.split('\n').slice(0, -1)) {
    out.push({ offset, fields: line.split('\t') })
    offset += line.length + 1
  }
  return out
}

/** A record or header line with `payload`, its length and CRC-32 recomputed (what a forger does). */
function framed(prefix: readonly string[], payload: string): string {
  const head = `${prefix.join('\t')}\t${Buffer.byteLength(payload)}\t`
  return `${head}${crc32(Buffer.from(payload), crc32(head)).toString(16).padStart(8, '0')}\t${payload}`
}

function writeLines(path: string, lines: readonly string[]): void {
  writeFileSync(path, `${lines.join('\n')}\n`, 'latin1')
}

/** The line of record `seq` (1-based), re-framed with `payload` and a valid checksum. */
function forgeRecord(line: Line, payload: string): string {
  return framed(line.fields.slice(0, 3), payload)
}

/** `payload` with one base64url character of its ciphertext changed: still a well-formed record. */
function flipCiphertext(payload: string): string {
  const at = payload.length - 30 // inside the ciphertext/tag, past the key id and check
  const c = payload[at]!
  return payload.slice(0, at) + (c === 'A' ? 'B' : 'A') + payload.slice(at + 1)
}

async function listAll(store: RunStore): Promise<string[]> {
  const out: string[] = []
  for await (const run of store.list()) out.push(run.runId)
  return out
}

/** Every file under `dir`. */
function walk(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...walk(path))
    else out.push(path)
  }
  return out
}

/** Files under `dir` holding `marker` in any common form (raw, JSON-escaped, base64, hex). */
function filesHolding(dir: string, marker: string): string[] {
  const forms = [marker, Buffer.from(marker).toString('base64').slice(0, 16), Buffer.from(marker).toString('hex')]
  return walk(dir).filter((file) => {
    const bytes = readFileSync(file).toString('latin1')
    return forms.some((form) => bytes.includes(form))
  })
}

/** `a`, then `slow` (which waits until aborted the first time), then `c`; every output carries the input's `secret`. */
function sealed(calls: { a: number; slow: number; c: number }) {
  return workflow('sealed', { version: '1', input: Type.Object({ secret: Type.String() }), output: Type.String() })
    .step('a', {
      output: Type.Object({ echo: Type.String() }),
      run: ({ input, log }) => {
        calls.a++
        log.info(`got ${input.secret}`, { secret: input.secret })
        return { echo: input.secret }
      },
    })
    .step('slow', {
      needs: ['a'],
      output: Type.String(),
      run: ({ deps, signal }) => {
        calls.slow++
        if (calls.slow > 1) return `${deps.a.echo}!`
        return new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
      },
    })
    .step('c', {
      needs: ['slow'],
      output: Type.String(),
      run: ({ deps }) => {
        calls.c++
        return `${deps.slow}?`
      },
    })
    .build(({ steps }) => steps.c ?? '')
}

/** Starts `sealed` as run `runId` on a store with `codec` and interrupts it in `slow` (resumable). */
async function interrupted(dir: string, codec: PayloadCodec, runId: string, secret: string, calls = { a: 0, slow: 0, c: 0 }): Promise<void> {
  const store = fileStore(dir, { codec })
  const engine = createEngine({ store, owner: OWNER })
  const run = engine.start(sealed(calls), { secret }, { runId, metadata: { label: secret } })
  for await (const e of run.events) if (e.type === 'step.started' && e.stepId === 'slow') break
  run.cancel('interrupted by the test', { resumable: true })
  expect((await run.result).status).toBe('cancelled')
  await engine.close()
  await store.close()
}

/** A store directory with run `r1` (events 1..n in batches of `size`) written with `codec`. */
async function encryptedJournal(codec: PayloadCodec, n = 6, size = 2, runId = 'r1', dir = tempDir()): Promise<{ dir: string; path: string }> {
  const store = fileStore(dir, { codec, durability: 'none' })
  await store.create(header(runId))
  for (let seq = 1; seq <= n; seq += size) await append(store, runId, events(runId, seq, Math.min(n, seq + size - 1)))
  await store.close()
  return { dir, path: journalOf(dir, runId) }
}

describe('fileStore with a payload codec: format', () => {
  it('writes format 2: the codec id and the encoded header in the header line, one encoded payload per record', async () => {
    const marker = `canary-${randomUUID()}`
    const dir = tempDir()
    const store = fileStore(dir, { codec: withK1() })
    await store.create(header('r1', { metadata: { note: marker } }))
    await append(store, 'r1', [{ ...event('r1', 1), input: { marker } } as JournalEvent])
    await append(store, 'r1', events('r1', 2, 4))
    await store.close()
    const [head, ...records] = linesOf(journalOf(dir, 'r1'))
    expect(head!.fields.slice(0, 2)).toEqual(['#weft-journal', '2'])
    const envelope = JSON.parse(head!.fields[4]!) as { runId: string; codec: string; header: string }
    expect(Object.keys(envelope)).toEqual(['runId', 'codec', 'header'])
    expect(envelope).toMatchObject({ runId: 'r1', codec: 'aes-256-gcm' })
    expect(JSON.parse(reader.decode(envelope.header, { runId: 'r1', seq: 0 }))).toMatchObject({ ...header('r1'), metadata: { note: marker }, ordinal: expect.any(Number) })
    expect(records.map((r) => r.fields.slice(0, 3))).toEqual([['1', '1', '1'], ['2', '2', '4'], ['3', '2', '4'], ['4', '2', '4']])
    for (const [i, r] of records.entries()) {
      expect(r.fields[5]).toMatch(/^wgcm1\.k1\./)
      expect(r.fields[3]).toBe(String(r.fields[5]!.length))
      // The checksum covers the encoded bytes.
      expect(framed(r.fields.slice(0, 3), r.fields[5]!)).toBe(r.fields.join('\t'))
      expect(JSON.parse(reader.decode(r.fields[5]!, { runId: 'r1', seq: i + 1 }))).toMatchObject({ seq: i + 1, runId: 'r1' })
    }
    expect(filesHolding(dir, marker)).toEqual([])
  })

  it('identityCodec() (the default) keeps format 1 byte for byte', async () => {
    const write = async (codec?: PayloadCodec): Promise<string[]> => {
      const dir = tempDir()
      const store = fileStore(dir, codec === undefined ? {} : { codec })
      await store.create(header('r1'))
      await append(store, 'r1', events('r1', 1, 3))
      await append(store, 'r1', [terminal('r1', 4, 'run.succeeded')])
      await store.close()
      // The header differs only in its creation stamp (`ordinal`) and, through it, its length and checksum.
      return readFileSync(journalOf(dir, 'r1'), 'utf8').split('\n').map((l, i) => (i === 0 ? l.replace(/^(#weft-journal\t1\t)\d+\t[0-9a-f]{8}\t(.*)"ordinal":\d+\}$/, '$1$2') : l))
    }
    const plain = await write()
    expect(plain[0]).toMatch(/^#weft-journal\t1\t\{"runId":"r1",/)
    expect(await write(identityCodec())).toEqual(plain)
    // And a journal written without a codec reads with identityCodec(), and the other way round.
    const { dir } = await encryptedJournal(identityCodec())
    const store = fileStore(dir)
    expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 6))
    await store.close()
  })

  it('validates the codec option', () => {
    expect(() => fileStore(tempDir(), { codec: {} as PayloadCodec })).toThrow(InvalidArgumentError)
    expect(() => fileStore(tempDir(), { codec: { id: '', encode: String, decode: String } })).toThrow(/codec/)
  })
})

describe('fileStore with a payload codec: engine runs', () => {
  it('round-trips engine runs, and a reopened store resumes an interrupted run', async () => {
    const secret = `secret-${randomUUID()}`
    const dir = tempDir()
    const calls = { a: 0, slow: 0, c: 0 }
    await interrupted(dir, withK1(), 'r1', secret, calls)
    const store = fileStore(dir, { codec: withK1() })
    expect(await store.get('r1')).toMatchObject({ status: 'cancelled', metadata: { label: secret } })
    const engine = createEngine({ store, owner: OWNER })
    const resumed = await engine.resume('r1', sealed(calls))
    expect(await resumed.result).toMatchObject({ status: 'succeeded', output: `${secret}!?` })
    expect(calls).toEqual({ a: 1, slow: 2, c: 1 })
    await expect(engine.replay('r1', sealed(calls))).resolves.toMatchObject({ segments: 2 })
    expect(await listAll(store)).toEqual(['r1'])
    expect(await store.get('r1')).toMatchObject({ status: 'succeeded' })
    await engine.close()
    await store.close()
    expect(filesHolding(dir, secret)).toEqual([])
  })

  it('rotates keys: old records stay readable, new ones use the current key; without the old key nothing runs', async () => {
    const dir = tempDir()
    const path = journalOf(dir, 'r1')
    const calls = { a: 0, slow: 0, c: 0 }
    await interrupted(dir, withK1(), 'r1', 'rotate-me', calls)
    const before = linesOf(path)
    expect(before.slice(1).every((l) => reader.keyIdOf(l.fields[5]!) === 'k1')).toBe(true)

    // Only the new key: refused with CodecKeyError before any step runs, and nothing is written.
    // (Token files only: the first engine may still be giving its lease up in the background.)
    const tokens = (): string[] => walk(join(dir, 'leases')).filter((f) => f.endsWith('.lease'))
    const leases = tokens()
    const onlyK2 = fileStore(dir, { codec: withK2() })
    const refused = await rejection(createEngine({ store: onlyK2, owner: OWNER }).resume('r1', sealed(calls)))
    expect(refused).toBeInstanceOf(CodecKeyError)
    expect((refused as CodecKeyError).data).toMatchObject({ keyId: 'k1', problem: 'missing' })
    expect(await rejection(onlyK2.get('r1'))).toBeInstanceOf(CodecKeyError)
    expect(await rejection(readAll(onlyK2, 'r1'))).toBeInstanceOf(CodecKeyError)
    expect(await rejection(append(onlyK2, 'r1', [event('r1', before.length)]))).toBeInstanceOf(CodecKeyError)
    await onlyK2.close()
    expect(calls).toEqual({ a: 1, slow: 1, c: 0 })
    expect(linesOf(path)).toEqual(before)
    expect(tokens()).toEqual(leases) // no lease was taken

    // Both keys, k2 current: the run resumes; its old records decrypt with k1, new ones are k2's.
    const rotated = fileStore(dir, { codec: withK1K2() })
    const engine = createEngine({ store: rotated, owner: OWNER })
    expect(await (await engine.resume('r1', sealed(calls))).result).toMatchObject({ status: 'succeeded', output: 'rotate-me!?' })
    await engine.close()
    await rotated.close()
    const after = linesOf(path)
    expect(after.slice(0, before.length)).toEqual(before)
    expect(after.length).toBeGreaterThan(before.length)
    expect(after.slice(before.length).every((l) => reader.keyIdOf(l.fields[5]!) === 'k2')).toBe(true)
    const again = fileStore(dir, { codec: withK1K2() })
    expect((await readAll(again, 'r1')).at(-1)).toMatchObject({ type: 'run.succeeded' })
    await again.close()
    // A new run on the rotated store is k2's from its header on, and reads without k1.
    const fresh = fileStore(dir, { codec: withK1K2() })
    await fresh.create(header('r2'))
    await append(fresh, 'r2', events('r2', 1, 2))
    await fresh.close()
    const k2only = fileStore(dir, { codec: withK2() })
    expect(await readAll(k2only, 'r2')).toEqual(events('r2', 1, 2))
    // Listing needs every journal's key.
    expect(await rejection(listAll(k2only))).toBeInstanceOf(CodecKeyError)
    await k2only.close()
  })

  it('refuses a wrong key given under the right id (mismatch) before any step runs', async () => {
    const dir = tempDir()
    const calls = { a: 0, slow: 0, c: 0 }
    await interrupted(dir, withK1(), 'r1', 'x', calls)
    const bytes = readFileSync(journalOf(dir, 'r1'))
    const store = fileStore(dir, { codec: aesGcmCodec({ keys: { k1: K2 }, current: 'k1' }) })
    const error = await rejection(createEngine({ store, owner: OWNER }).resume('r1', sealed(calls)))
    expect(error).toBeInstanceOf(CodecKeyError)
    expect((error as CodecKeyError).data).toMatchObject({ keyId: 'k1', problem: 'mismatch', runId: 'r1', seq: 0 })
    expect(calls).toEqual({ a: 1, slow: 1, c: 0 })
    expect(readFileSync(journalOf(dir, 'r1')).equals(bytes)).toBe(true)
    await store.close()
  })

  it('refuses a journal of another codec with JournalCodecError, before anything runs or is written', async () => {
    const dir = tempDir()
    const calls = { a: 0, slow: 0, c: 0 }
    await interrupted(dir, withK1(), 'sealed', 'x', calls)
    await interrupted(dir, identityCodec(), 'plain', 'x', calls)
    const reversed: PayloadCodec = { id: 'reverse', encode: (p) => [...String(p)].reverse().join(''), decode: (e) => [...e].reverse().join('') }
    const cases: [PayloadCodec | undefined, string, string, string][] = [
      [undefined, 'sealed', 'aes-256-gcm', 'identity'],
      [identityCodec(), 'sealed', 'aes-256-gcm', 'identity'],
      [withK1(), 'plain', 'identity', 'aes-256-gcm'],
      [reversed, 'sealed', 'aes-256-gcm', 'reverse'],
    ]
    for (const [codec, runId, journalCodec, storeCodec] of cases) {
      const bytes = readFileSync(journalOf(dir, runId))
      const store = fileStore(dir, codec === undefined ? {} : { codec })
      for (const call of [() => store.get(runId), () => readAll(store, runId), () => append(store, runId, [event(runId, 99)]), () => createEngine({ store, owner: OWNER }).resume(runId, sealed(calls))]) {
        const error = await rejection(call)
        expect(error).toBeInstanceOf(JournalCodecError)
        expect((error as JournalCodecError).data).toEqual({ runId, journalCodec, storeCodec })
      }
      await store.close()
      expect(readFileSync(journalOf(dir, runId)).equals(bytes)).toBe(true)
    }
    expect(calls).toEqual({ a: 2, slow: 2, c: 0 })
  })
})

describe('fileStore with a payload codec: tampering', () => {
  it('reports a record whose checksum was fixed up but fails authentication as JournalCorruptError, and cuts nothing', async () => {
    for (const target of [3, 6]) { // a record in the middle, and the very last one
      const { dir, path } = await encryptedJournal(withK1())
      const lines = linesOf(path)
      const text = lines.map((l) => l.fields.join('\t'))
      text[target] = forgeRecord(lines[target]!, flipCiphertext(lines[target]!.fields[5]!))
      writeLines(path, text)
      const tampered = readFileSync(path)
      const store = fileStore(dir, { codec: withK1() })
      for (const call of [() => readAll(store, 'r1'), () => store.get('r1'), () => append(store, 'r1', [event('r1', 7)])]) {
        const error = await rejection(call)
        expect(error).toBeInstanceOf(JournalCorruptError)
        expect((error as JournalCorruptError).data).toMatchObject({ runId: 'r1', offset: lines[target]!.offset })
        expect((error as JournalCorruptError).cause).toBeInstanceOf(CodecAuthenticationError)
        expect((error as JournalCorruptError).cause).toMatchObject({ data: { runId: 'r1', seq: target, reason: 'authentication' } })
      }
      await store.close()
      expect(readFileSync(path).equals(tampered)).toBe(true)
    }
  })

  it('still cuts a torn last record (found by its length and checksum) off an encrypted journal', async () => {
    const { dir, path } = await encryptedJournal(withK1())
    const full = readFileSync(path)
    const last = linesOf(path).at(-1)!
    for (const cut of [last.offset + 3, last.offset + 60, full.length - 1]) {
      writeFileSync(path, full.subarray(0, cut))
      const store = fileStore(dir, { codec: withK1(), durability: 'none' })
      expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 4)) // the last batch was 5..6
      await append(store, 'r1', events('r1', 5, 5))
      expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 5))
      await store.close()
    }
  })

  it('reports a forged header as JournalCorruptError at offset 0', async () => {
    const { dir, path } = await encryptedJournal(withK1())
    const lines = linesOf(path)
    const envelope = JSON.parse(lines[0]!.fields[4]!) as { header: string }
    const text = lines.map((l) => l.fields.join('\t'))
    text[0] = framed(['#weft-journal', '2'], JSON.stringify({ ...envelope, header: flipCiphertext(envelope.header) }))
    writeLines(path, text)
    const store = fileStore(dir, { codec: withK1() })
    const error = await rejection(store.get('r1'))
    expect(error).toBeInstanceOf(JournalCorruptError)
    expect((error as JournalCorruptError).data).toMatchObject({ runId: 'r1', offset: 0 })
    expect((error as JournalCorruptError).cause).toBeInstanceOf(CodecAuthenticationError)
    await store.close()
  })

  it('binds records to their run and position: a record copied from another run, or moved, fails authentication', async () => {
    const dir = tempDir()
    const a = await encryptedJournal(withK1(), 6, 1, 'a', dir)
    const b = await encryptedJournal(withK1(), 6, 1, 'b', dir)
    const aLines = linesOf(a.path)
    const bLines = linesOf(b.path)
    // a's record 3 as b's record 3: its framing (seq 3, batch 3..3) and checksum are valid as they are.
    const copied = bLines.map((l) => l.fields.join('\t'))
    copied[3] = aLines[3]!.fields.join('\t')
    writeLines(b.path, copied)
    // a's records 2 and 3 swapped, each re-framed for its new position.
    const swapped = aLines.map((l) => l.fields.join('\t'))
    swapped[2] = forgeRecord(aLines[2]!, aLines[3]!.fields[5]!)
    swapped[3] = forgeRecord(aLines[3]!, aLines[2]!.fields[5]!)
    writeLines(a.path, swapped)
    const store = fileStore(dir, { codec: withK1() })
    for (const [runId, offset] of [['b', bLines[3]!.offset], ['a', aLines[2]!.offset]] as const) {
      const error = await rejection(readAll(store, runId))
      expect(error).toBeInstanceOf(JournalCorruptError)
      expect((error as JournalCorruptError).data).toMatchObject({ runId, offset })
      expect((error as JournalCorruptError).cause).toBeInstanceOf(CodecAuthenticationError)
    }
    await store.close()
  })

  it('catches random damage by the framing first: a prefix of the batches, or a typed error, never other events', async () => {
    const { path } = await encryptedJournal(withK1(), 6, 2)
    const bytes = readFileSync(path)
    const ends = [linesOf(path)[1]!.offset, linesOf(path)[3]!.offset, linesOf(path)[5]!.offset, bytes.length]
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 7 }), async (at, bit) => {
        const damaged = Buffer.from(bytes)
        damaged[at]! ^= 1 << bit
        const dir = tempDir()
        const store = fileStore(dir, { codec: withK1(), durability: 'none' })
        await store.health() // creates runs/
        writeFileSync(journalOf(dir, 'r1'), damaged)
        try {
          const recovered = await readAll(store, 'r1')
          // Only damage in the last batch reads as a torn tail: the batches before it.
          expect(at).toBeGreaterThanOrEqual(ends[2]!)
          expect(recovered).toEqual(events('r1', 1, 4))
        } catch (error) {
          expect(error instanceof JournalCorruptError || error instanceof JournalVersionError).toBe(true)
        } finally {
          await store.close()
        }
      }),
      { numRuns: 150, seed: 20_251_126 },
    )
  })
})

describe('fileStore with a payload codec: no plaintext on disk', () => {
  for (const durability of ['always', 'batch', 'none'] satisfies Durability[]) {
    it(`durability '${durability}': no file under the store directory holds a marker from inputs, outputs, logs, errors or metadata`, async () => {
      const run = async (codec: PayloadCodec | undefined): Promise<{ dir: string; found: string[] }> => {
        const marker = `marker-${randomUUID()}`
        const dir = tempDir()
        const store = fileStore(dir, codec === undefined ? { durability } : { durability, codec })
        const engine = createEngine({ store, owner: OWNER })
        const calls = { a: 0, slow: 1, c: 0 } // `slow` does not wait: every run completes
        const failing = workflow('failing', { version: '1', input: Type.Object({ secret: Type.String() }), output: Type.Null() })
          .step('boom', { output: Type.Null(), run: ({ input }) => { throw new Error(`failed with ${input.secret}`) } })
          .build(() => null)
        // Runs at the same time, so that 'batch' group-commits several journals through its commit log.
        const results = await Promise.all([
          ...['r1', 'r2', 'r3'].map((runId) => engine.run(sealed(calls), { secret: marker }, { runId, metadata: { label: marker } })),
          engine.run(failing, { secret: marker }, { runId: 'r4' }),
        ])
        expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed'])
        if (durability === 'batch') {
          const [segment] = walk(join(dir, 'log'))
          const logged = readFileSync(segment!, 'utf8')
          expect(logged).toContain('"runId":"r1"') // records were group-committed through the segment
          if (codec !== undefined) expect(logged).toMatch(/^#weft-log\t2\t.*"codec":"aes-256-gcm"/)
        }
        const found = filesHolding(dir, marker) // while the store is open: the commit log is still there
        await engine.close()
        await store.close()
        return { dir, found: [...new Set([...found, ...filesHolding(dir, marker)])] }
      }
      // The scan finds the marker in a plain store...
      expect((await run(undefined)).found.length).toBeGreaterThan(0)
      // ...and nowhere in an encrypted one; which still reads back.
      const { dir, found } = await run(withK1())
      expect(found).toEqual([])
      const store = fileStore(dir, { codec: withK1() })
      expect((await readAll(store, 'r1')).some((e) => e.type === 'step.succeeded')).toBe(true)
      expect((await store.health()).checks.find((c) => c.name === 'codec')).toMatchObject({ ok: true })
      await store.close()
    })
  }
})

describe("fileStore with a payload codec: 'batch' commit-log recovery", () => {
  async function crashedBatchStore(): Promise<{ dir: string; shim: CrashFs }> {
    const shim = new CrashFs()
    const dir = tempDir()
    const store = fileStore(dir, { fs: shim, durability: 'batch', codec: withK1() })
    for (const runId of ['a', 'b']) await store.create(header(runId))
    for (let seq = 1; seq <= 6; seq += 2) await Promise.all(['a', 'b'].map((runId) => append(store, runId, events(runId, seq, seq + 1))))
    shim.closeAll() // the process dies without closing: journals never fsync'ed, the commit log was
    return { dir, shim }
  }

  it('replays the encoded commit log after a power loss, without needing the keys', async () => {
    const { dir, shim } = await crashedBatchStore()
    shim.powerLoss(dir, dir, 0)
    expect(linesOf(journalOf(dir, 'a'))).toHaveLength(1) // the header line only
    // A store without the keys recovers the log (it only copies encoded records back)...
    const keyless = fileStore(dir, { host: rebootedHost() })
    expect((await keyless.health()).ok).toBe(true)
    expect(readdirSync(join(dir, 'log'))).toEqual([])
    expect(await rejection(keyless.get('a'))).toBeInstanceOf(JournalCodecError)
    await keyless.close()
    // ...and the store with them reads every acknowledged event, and goes on.
    const store = fileStore(dir, { codec: withK1() })
    for (const runId of ['a', 'b']) expect(await readAll(store, runId)).toEqual(events(runId, 1, 6))
    await append(store, 'a', events('a', 7, 7))
    expect(await readAll(store, 'a')).toEqual(events('a', 1, 7))
    await store.close()
    const [head, ...records] = linesOf(journalOf(dir, 'b'))
    expect(head!.fields[1]).toBe('2')
    expect(records.map((r) => reader.keyIdOf(r.fields[5]!))).toEqual(Array(6).fill('k1'))
  })
})
