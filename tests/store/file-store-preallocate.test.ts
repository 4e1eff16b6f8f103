import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fileStore, InvalidArgumentError, JournalCorruptError, nodeFileSystem, type Durability, type StoreFileSystem } from '../../src/index.js'
import { append } from '../conformance/run-store.js'
import { events, header, terminal } from '../conformance/journal-fixtures.js'
import { CrashFs } from './crash-fs.js'
import { readAll, rejection, tempDir } from './helpers.js'

const journalOf = (dir: string, runId = 'r1'): string => join(dir, 'runs', `${runId}.wj`)

/** The journal's bytes after its header line. */
function recordsOf(path: string): Buffer {
  const bytes = readFileSync(path)
  return bytes.subarray(bytes.indexOf(0x0a) + 1)
}

/** Index just after the last newline: where the records end and the padding begins. */
function recordsEnd(bytes: Buffer): number {
  return bytes.lastIndexOf(0x0a) + 1
}

function isZero(bytes: Buffer): boolean {
  return bytes.every((b) => b === 0)
}

/** A run with events 1..n left running in a closed preallocating store: its journal keeps its padding. */
async function paddedJournal(n: number): Promise<{ dir: string; path: string; end: number }> {
  const dir = tempDir()
  const store = fileStore(dir)
  await store.create(header('r1'))
  await append(store, 'r1', events('r1', 1, n))
  await store.close()
  const path = journalOf(dir)
  const bytes = readFileSync(path)
  return { dir, path, end: recordsEnd(bytes) }
}

describe("fileStore: preallocated journals ('always', 'batch')", () => {
  it('writes the same records as an appending store, then zeros to a 4 KiB page; a finished journal is cut to its records', async () => {
    const [padded, plain] = [tempDir(), tempDir()]
    const stores = [fileStore(padded), fileStore(plain, { preallocate: false })]
    for (const store of stores) {
      await store.create(header('r1'))
      await append(store, 'r1', events('r1', 1, 1))
      await append(store, 'r1', events('r1', 2, 4))
    }
    const open = readFileSync(journalOf(padded))
    expect(open.length).toBe(16 * 1024)
    const end = recordsEnd(open)
    expect(isZero(open.subarray(end))).toBe(true)
    expect(recordsOf(journalOf(padded)).subarray(0, end - (open.indexOf(0x0a) + 1))).toEqual(recordsOf(journalOf(plain)))
    for (const store of stores) {
      await append(store, 'r1', [terminal('r1', 5, 'run.succeeded')])
      await store.close()
    }
    expect(statSync(journalOf(padded)).size).toBe(recordsEnd(readFileSync(journalOf(padded))))
    expect(recordsOf(journalOf(padded))).toEqual(recordsOf(journalOf(plain)))
    const reader = fileStore(padded)
    expect(await readAll(reader, 'r1')).toEqual([...events('r1', 1, 4), terminal('r1', 5, 'run.succeeded')])
    await reader.close()
  })

  it('grows by its own size in zero-filled extents; between extensions an append costs one write and one fdatasync', async () => {
    const shim = new CrashFs()
    const dir = tempDir()
    const store = fileStore(dir, { fs: shim })
    await store.create(header('r1'))
    const sizes = [statSync(journalOf(dir)).size]
    let plainAppends = 0
    for (let seq = 1; seq <= 2000; seq += 2) {
      const before = { writes: shim.writes, syncs: shim.fdatasyncs }
      await append(store, 'r1', events('r1', seq, seq + 1))
      const size = statSync(journalOf(dir)).size
      if (size !== sizes[sizes.length - 1]) sizes.push(size)
      else {
        expect({ writes: shim.writes - before.writes, syncs: shim.fdatasyncs - before.syncs }).toEqual({ writes: 1, syncs: 1 })
        plainAppends++
      }
    }
    // 16 KiB at creation, then doubling (whole pages); 2,000 small events need a few extents only.
    expect(sizes.slice(0, 4)).toEqual([16384, 32768, 65536, 131072])
    expect(sizes.length).toBeLessThan(10)
    expect(plainAppends).toBeGreaterThan(990)
    const bytes = readFileSync(journalOf(dir))
    expect(isZero(bytes.subarray(recordsEnd(bytes)))).toBe(true)
    expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 2000))
    await store.close()
    const reader = fileStore(dir)
    expect(await readAll(reader, 'r1')).toEqual(events('r1', 1, 2000))
    await reader.close()
  })

  it('another instance reads a live preallocated journal, and sees appends made in place (the file size does not change)', async () => {
    const dir = tempDir()
    const writer = fileStore(dir)
    const reader = fileStore(dir)
    await writer.create(header('r1'))
    await append(writer, 'r1', events('r1', 1, 2))
    const size = statSync(journalOf(dir)).size
    expect(await reader.get('r1')).toMatchObject({ status: 'running', events: 2 })
    await append(writer, 'r1', events('r1', 3, 5))
    expect(statSync(journalOf(dir)).size).toBe(size)
    expect(await reader.get('r1')).toMatchObject({ status: 'running', events: 5 })
    expect(await readAll(reader, 'r1')).toEqual(events('r1', 1, 5))
    const listed = []
    for await (const summary of reader.list()) listed.push(summary)
    expect(listed).toMatchObject([{ runId: 'r1', events: 5 }])
    await writer.close()
    await reader.close()
  })

  it('a run closed while running keeps its padding; the next preallocating writer writes into it in place', async () => {
    const { dir, path } = await paddedJournal(3)
    expect(statSync(path).size).toBe(16 * 1024)
    const store = fileStore(dir)
    await append(store, 'r1', events('r1', 4, 6))
    expect(statSync(path).size).toBe(16 * 1024)
    expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 6))
    await append(store, 'r1', [terminal('r1', 7, 'run.succeeded')])
    await store.close()
    expect(statSync(path).size).toBe(recordsEnd(readFileSync(path)))
    const reader = fileStore(dir)
    expect(await reader.get('r1')).toMatchObject({ status: 'succeeded', events: 7 })
    await reader.close()
  })

  it('cuts a finished journal after its last append resolves; appending to or reading the run again waits for the cut', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let cuts = 0
    let writes = 0
    const fs: StoreFileSystem = {
      ...nodeFileSystem,
      ftruncate: async (fd, length) => {
        cuts++
        await gate
        return nodeFileSystem.ftruncate(fd, length)
      },
      pwrite: (...args) => {
        writes++
        return nodeFileSystem.pwrite!(...args)
      },
    }
    const dir = tempDir()
    const store = fileStore(dir, { fs })
    await store.create(header('r1'))
    await append(store, 'r1', events('r1', 1, 3))
    await append(store, 'r1', [terminal('r1', 4, 'run.failed')]) // resolves while the cut waits
    expect(cuts).toBe(1)
    const before = writes
    const appended = append(store, 'r1', events('r1', 5, 6))
    const read = readAll(store, 'r1')
    // Give a writer that did not wait every chance to write before the cut (it would be cut off).
    for (let i = 0; i < 50 && writes === before; i++) await new Promise((resolve) => setTimeout(resolve, 1))
    expect(writes).toBe(before)
    release()
    await appended
    expect(await read).toEqual([...events('r1', 1, 3), terminal('r1', 4, 'run.failed')])
    await store.close()
    const reader = fileStore(dir)
    expect(await readAll(reader, 'r1')).toEqual([...events('r1', 1, 3), terminal('r1', 4, 'run.failed'), ...events('r1', 5, 6)])
    await reader.close()
  })

  it("'batch' writes into the padding too, and its group commit makes the in-place records durable", async () => {
    const { dir, path } = await paddedJournal(3)
    const shim = new CrashFs()
    const store = fileStore(dir, { durability: 'batch', fs: shim })
    await append(store, 'r1', events('r1', 4, 5))
    expect(statSync(path).size).toBe(16 * 1024)
    shim.closeAll() // the process dies; a power loss keeps what was fsync'ed
    shim.powerLoss(dir, dir, 0)
    const reader = fileStore(dir)
    expect(await readAll(reader, 'r1')).toEqual(events('r1', 1, 5))
    await reader.close()
  })

  for (const [name, options] of [
    ["'none'", { durability: 'none' }],
    ["'always' without preallocation", { preallocate: false }],
  ] as [string, { durability?: Durability; preallocate?: boolean }][]) {
    it(`an appending store (${name}) cuts the padding off before it appends`, async () => {
      const { dir, path } = await paddedJournal(3)
      const store = fileStore(dir, options)
      await append(store, 'r1', events('r1', 4, 5))
      await store.close()
      const bytes = readFileSync(path)
      expect(bytes.includes(0)).toBe(false)
      expect(bytes.length).toBe(recordsEnd(bytes))
      const reader = fileStore(dir)
      expect(await readAll(reader, 'r1')).toEqual(events('r1', 1, 5))
      await reader.close()
    })
  }

  it('a non-zero byte in the padding is a torn tail: nothing is lost, and the next writer cuts it off', async () => {
    const { dir, path, end } = await paddedJournal(3)
    const bytes = readFileSync(path)
    bytes[end + 1000] = 0x31
    writeFileSync(path, bytes)
    const store = fileStore(dir)
    expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 3))
    await append(store, 'r1', events('r1', 4, 4))
    await store.close()
    const after = readFileSync(path)
    expect(after.subarray(end).includes(0x31)).toBe(true) // the new record ...
    expect(isZero(after.subarray(recordsEnd(after)))).toBe(true) // ... and zeros after it: the stray byte is gone
    const reader = fileStore(dir)
    expect(await readAll(reader, 'r1')).toEqual(events('r1', 1, 4))
    await reader.close()
  })

  it('zeros followed by complete batches are damage before the tail (a lost page), reported and left as they are', async () => {
    const { dir, path, end } = await paddedJournal(3)
    // Two later batches (records 4 and 5), as an appending store writes them, 100 zero bytes after the records.
    const reference = tempDir()
    const plain = fileStore(reference, { preallocate: false })
    await plain.create(header('r1'))
    await append(plain, 'r1', events('r1', 1, 3))
    const before = statSync(journalOf(reference)).size
    await append(plain, 'r1', events('r1', 4, 4))
    await append(plain, 'r1', events('r1', 5, 5))
    await plain.close()
    const later = readFileSync(journalOf(reference)).subarray(before)
    const bytes = readFileSync(path)
    bytes[end + 99] = 0x0a
    later.copy(bytes, end + 100)
    writeFileSync(path, bytes)
    const store = fileStore(dir)
    const error = await rejection(readAll(store, 'r1'))
    expect(error).toBeInstanceOf(JournalCorruptError)
    expect((error as JournalCorruptError).data.offset).toBe(end)
    expect(await rejection(append(store, 'r1', events('r1', 4, 4)))).toBeInstanceOf(JournalCorruptError)
    await store.close()
    expect(readFileSync(path)).toEqual(bytes)
  })

  it('a fenced append notices records written into its padding behind its back, and never writes over them', async () => {
    const dir = tempDir()
    const a = fileStore(dir)
    await a.create(header('r1'))
    // A lease with less than a second left is checked on every fenced append.
    const lease = (await a.acquireLease('r1', 'a', 500))!
    await append(a, 'r1', events('r1', 1, 2), { fence: lease.token })
    // Another writer that ignores leases appends records 3 and 4 in place: the size stays.
    const rogue = fileStore(dir)
    await append(rogue, 'r1', events('r1', 3, 4))
    await rogue.close()
    expect(statSync(journalOf(dir)).size).toBe(16 * 1024)
    // `a` starts over from the file, which now ends at 4: its record 3 is refused, not written.
    const error = await rejection(append(a, 'r1', events('r1', 3, 3), { fence: lease.token }))
    expect(error).toMatchObject({ code: 'WEFT_JOURNAL_SEQUENCE', message: expect.stringContaining('expected event seq 5, got 3') })
    await a.close()
    const reader = fileStore(dir)
    expect(await readAll(reader, 'r1')).toEqual(events('r1', 1, 4))
    await reader.close()
  })

  it('checks the option, and appends without padding on a file system that has no pwrite', async () => {
    expect(() => fileStore(tempDir(), { preallocate: 'yes' as unknown as boolean })).toThrow(InvalidArgumentError)
    expect(() => fileStore(tempDir(), { preallocate: 'yes' as unknown as boolean })).toThrow(/preallocate/)
    const { pwrite: _, ...appendOnly } = nodeFileSystem
    const dir = tempDir()
    const store = fileStore(dir, { fs: appendOnly as StoreFileSystem })
    await store.create(header('r1'))
    await append(store, 'r1', events('r1', 1, 3))
    const bytes = readFileSync(journalOf(dir))
    expect(bytes.length).toBe(recordsEnd(bytes))
    await store.close()
  })
})
