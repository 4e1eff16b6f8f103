import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  fileStore,
  InvalidEventError,
  InvalidRunIdError,
  isWeftError,
  JournalCorruptError,
  JournalVersionError,
  nodeFileSystem,
  nodeHost,
  RunNotFoundError,
  SimulatedClock,
  InvalidArgumentError,
  StoreIOError,
  type JournalEvent,
  type StoreFileSystem,
} from '../../src/index.js'
import { append } from '../conformance/run-store.js'
import { event, events, header, terminal } from '../conformance/journal-fixtures.js'
import { CrashFs } from './crash-fs.js'
import { eventually, readAll, rebootedHost, rejection, tempDir } from './helpers.js'

const journalOf = (dir: string, runId: string): string => join(dir, 'runs', `${runId.replaceAll(':', '%3A')}.wj`)

/** A store directory holding run `r1` with the given batches, written with durability 'none'. */
async function journalWith(batches: readonly (readonly JournalEvent[])[], runId = 'r1'): Promise<{ dir: string; path: string; ends: number[] }> {
  const dir = tempDir()
  const store = fileStore(dir, { durability: 'none' })
  await store.create(header(runId))
  const path = journalOf(dir, runId)
  const ends = [statSync(path).size]
  for (const batch of batches) {
    await append(store, runId, batch)
    ends.push(statSync(path).size)
  }
  await store.close()
  return { dir, path, ends }
}

/** Puts `bytes` as run r1's journal in a fresh store directory. */
function dirWithJournal(bytes: Uint8Array, runId = 'r1'): string {
  const dir = tempDir()
  mkdirSync(join(dir, 'runs'), { recursive: true })
  writeFileSync(journalOf(dir, runId), bytes)
  return dir
}

function line(seq: number, begin: number, end: number, json: string): string {
  const body = Buffer.from(json)
  const head = `${seq}\t${begin}\t${end}\t${body.length}\t`
  const crc = crc32(body, crc32(head))
  return `${head}${crc.toString(16).padStart(8, '0')}\t${json}\n`
}

describe('fileStore: files and format', () => {
  it('keeps one journal per run: a version header, then one checksummed line per event', async () => {
    const dir = tempDir()
    const store = fileStore(dir, { preallocate: false })
    await store.create(header('r1'))
    await append(store, 'r1', events('r1', 1, 1))
    await append(store, 'r1', events('r1', 2, 4))
    const lines = readFileSync(journalOf(dir, 'r1'), 'utf8').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines[0]).toMatch(/^#weft-journal\t1\t\d+\t[0-9a-f]{8}\t\{"runId":"r1",/)
    const records = lines.slice(1).map((l) => l.split('\t'))
    expect(records.map((r) => r.slice(0, 3))).toEqual([['1', '1', '1'], ['2', '2', '4'], ['3', '2', '4'], ['4', '2', '4']])
    for (const r of records) {
      expect(r[3]).toBe(String(Buffer.byteLength(r[5]!)))
      expect(r[4]).toMatch(/^[0-9a-f]{8}$/)
    }
    expect(records.map((r) => JSON.parse(r[5]!))).toEqual(events('r1', 1, 4).map((e) => JSON.parse(JSON.stringify(e))))
    await store.close()
  })

  it('names files so that ":" never reaches the file system', async () => {
    const dir = tempDir()
    const store = fileStore(dir)
    await store.create(header('ns:run-1'))
    expect(readdirSync(join(dir, 'runs'))).toEqual(['ns%3Arun-1.wj'])
    await store.close()
  })

  it('keeps everything across store instances, and a reopened store continues the journal', async () => {
    const dir = tempDir()
    const first = fileStore(dir)
    await first.create(header('r1'))
    await append(first, 'r1', events('r1', 1, 3))
    await first.close()
    const second = fileStore(dir)
    expect(await readAll(second, 'r1')).toEqual(events('r1', 1, 3))
    expect(await second.get('r1')).toMatchObject({ status: 'running', events: 3, updatedAt: 1003 })
    await append(second, 'r1', [...events('r1', 4, 4), terminal('r1', 5, 'run.succeeded')])
    await second.close()
    const third = fileStore(dir)
    expect(await third.get('r1')).toMatchObject({ status: 'succeeded', events: 5 })
    await third.close()
  })

  it('shows one instance what another appended since (get, list, read)', async () => {
    const dir = tempDir()
    const writer = fileStore(dir)
    const reader = fileStore(dir)
    await writer.create(header('r1'))
    await append(writer, 'r1', events('r1', 1, 2))
    expect(await reader.get('r1')).toMatchObject({ events: 2 })
    await append(writer, 'r1', [...events('r1', 3, 3), terminal('r1', 4, 'run.failed')])
    expect(await reader.get('r1')).toMatchObject({ events: 4, status: 'failed' })
    await writer.create(header('r2', { createdAt: 5000 }))
    const listed: string[] = []
    for await (const run of reader.list()) listed.push(run.runId)
    expect(listed).toEqual(['r2', 'r1'])
    expect(await readAll(reader, 'r1')).toHaveLength(4)
    await writer.close()
    await reader.close()
  })

  it('closes a finished run\'s journal and reopens it if more is appended', async () => {
    const dir = tempDir()
    const store = fileStore(dir)
    await store.create(header('r1'))
    await append(store, 'r1', [event('r1', 1), terminal('r1', 2, 'run.cancelled')])
    await append(store, 'r1', [event('r1', 3)])
    expect((await readAll(store, 'r1')).map((e) => e.seq)).toEqual([1, 2, 3])
    await store.close()
  })

  it('rejects calls after close with StoreClosedError', async () => {
    const store = fileStore(tempDir())
    await store.close()
    await store.close()
    expect(isWeftError(await rejection(store.create(header('r1'))), 'WEFT_STORE_CLOSED')).toBe(true)
    expect(isWeftError(await rejection(append(store, 'r1', [event('r1', 1)])), 'WEFT_STORE_CLOSED')).toBe(true)
  })
})

describe('fileStore: run ids never escape the directory', () => {
  it.each(['../x', '/abs', 'a/b', 'a\\b', 'a\0b', '..', '../../etc/passwd'])('refuses %j everywhere with InvalidRunIdError', async (runId) => {
    const root = tempDir()
    const dir = join(root, 'store')
    const store = fileStore(dir)
    await store.create(header('ok'))
    const calls: (() => unknown)[] = [
      () => store.create(header(runId)),
      () => store.get(runId),
      () => readAll(store, runId),
      () => store.append(runId, [event(runId, 1)]),
      () => store.acquireLease(runId, 'me', 1000),
    ]
    for (const call of calls) expect(await rejection(call)).toBeInstanceOf(InvalidRunIdError)
    expect(readdirSync(root)).toEqual(['store'])
    expect(readdirSync(join(dir, 'runs'))).toEqual(['ok.wj'])
    expect(existsSync('/abs.wj')).toBe(false)
    await store.close()
  })
})

describe('fileStore: format versions', () => {
  it('refuses a journal written in a newer format with JournalVersionError', async () => {
    const { path } = await journalWith([events('r1', 1, 2)])
    const text = readFileSync(path, 'utf8')
    // Format 2 is the encoded format (a store with a payload codec); 3 is newer than this version reads.
    const dir = dirWithJournal(Buffer.from(text.replace(/^#weft-journal\t1\t/, '#weft-journal\t3\t')))
    const store = fileStore(dir)
    for (const call of [() => store.get('r1'), () => readAll(store, 'r1'), () => store.append('r1', [event('r1', 3)])]) {
      const error = await rejection(call)
      expect(error).toBeInstanceOf(JournalVersionError)
      expect((error as JournalVersionError).data).toEqual({ runId: 'r1', version: 3, supported: 2 })
    }
    expect(readFileSync(journalOf(dir, 'r1'), 'utf8')).toBe(text.replace(/^#weft-journal\t1\t/, '#weft-journal\t3\t'))
    await store.close()
  })

  it.each([
    ['an empty file', ''],
    ['a file of another kind', '{"not":"a journal"}\n'],
    ['an incomplete header', '#weft-journal\t1\t20\t'],
  ])('reports %s as JournalCorruptError at offset 0', async (_, content) => {
    const store = fileStore(dirWithJournal(Buffer.from(content)))
    const error = await rejection(store.get('r1'))
    expect(error).toBeInstanceOf(JournalCorruptError)
    expect((error as JournalCorruptError).data).toMatchObject({ runId: 'r1', offset: 0 })
    await store.close()
  })
})

describe('fileStore: torn tails and corruption', () => {
  it('reads a journal cut at any byte of its last record as the records before it; the next append cuts the tail off', async () => {
    const batches = [1, 2, 3, 4, 5].map((seq) => [event('r1', seq)])
    const { path, ends } = await journalWith(batches)
    const full = readFileSync(path)
    const lastStart = ends[4]!
    for (let cut = lastStart; cut < full.length; cut++) {
      const dir = dirWithJournal(full.subarray(0, cut))
      const store = fileStore(dir, { durability: 'none' })
      expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 4))
      expect(await store.get('r1')).toMatchObject({ events: 4 })
      expect(readFileSync(journalOf(dir, 'r1')).length).toBe(cut) // reading never changes the file
      await append(store, 'r1', [event('r1', 5)])
      await store.close()
      expect(readFileSync(journalOf(dir, 'r1')).equals(full)).toBe(true)
    }
  })

  it('drops a torn batch entirely: batches are all-or-nothing', async () => {
    const { path, ends } = await journalWith([events('r1', 1, 1), events('r1', 2, 4)])
    const full = readFileSync(path)
    for (let cut = ends[1]! + 1; cut < full.length; cut += 7) {
      const store = fileStore(dirWithJournal(full.subarray(0, cut)))
      expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 1))
      await store.close()
    }
  })

  it('treats a last batch with a lost middle page as torn, not corrupt', async () => {
    const { path, ends } = await journalWith([events('r1', 1, 1), events('r1', 2, 4)])
    const bytes = Buffer.from(readFileSync(path))
    const secondRecord = bytes.indexOf('\n', ends[1]!) + 1
    bytes.fill(0, secondRecord, secondRecord + 40) // the batch's later records survived, one did not
    const store = fileStore(dirWithJournal(bytes))
    expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 1))
    await store.close()
  })

  it('raises JournalCorruptError for damage before the tail, with its offset, and changes nothing', async () => {
    const { path, ends } = await journalWith([1, 2, 3, 4, 5].map((seq) => [event('r1', seq)]))
    const bytes = Buffer.from(readFileSync(path))
    bytes[ends[1]! + 30]! ^= 0x04
    const dir = dirWithJournal(bytes)
    const store = fileStore(dir)
    for (const call of [() => readAll(store, 'r1'), () => store.get('r1'), () => store.append('r1', [event('r1', 6)])]) {
      const error = await rejection(call)
      expect(error).toBeInstanceOf(JournalCorruptError)
      expect(isWeftError(error, 'WEFT_JOURNAL_CORRUPT')).toBe(true)
      expect((error as JournalCorruptError).data).toEqual({ runId: 'r1', offset: ends[1], reason: 'checksum mismatch' })
    }
    expect(readFileSync(journalOf(dir, 'r1')).equals(bytes)).toBe(true)
    await store.close()
  })

  it('treats a well-formed record with the wrong sequence number as corruption, even at the end', async () => {
    const { path } = await journalWith([events('r1', 1, 1), events('r1', 2, 2)])
    const text = readFileSync(path, 'utf8')
    const lastLine = text.slice(text.lastIndexOf('\n', text.length - 2) + 1)
    const store = fileStore(dirWithJournal(Buffer.from(text + lastLine)))
    const error = await rejection(readAll(store, 'r1'))
    expect(error).toBeInstanceOf(JournalCorruptError)
    expect((error as JournalCorruptError).data.reason).toBe('sequence number 2, expected 3')
    await store.close()
  })

  it('checks every record against the journal event schema', async () => {
    const { path } = await journalWith([events('r1', 1, 2)])
    const bad = line(3, 3, 3, JSON.stringify({ seq: 3, at: 1, runId: 'r1', type: 'step.started', stepId: 'a' }))
    const other = line(3, 3, 3, JSON.stringify({ ...event('r1', 3), runId: 'r2' }))
    for (const extra of [bad, other]) {
      const store = fileStore(dirWithJournal(Buffer.concat([readFileSync(path), Buffer.from(extra)])))
      const error = await rejection(readAll(store, 'r1'))
      expect(error).toBeInstanceOf(JournalCorruptError)
      expect((error as JournalCorruptError).data.reason).toMatch(/^record is not a journal event/)
      await store.close()
    }
  })
})

describe('fileStore: appending', () => {
  it('refuses events that are not journal events of the run, writing nothing', async () => {
    const dir = tempDir()
    const store = fileStore(dir)
    await store.create(header('r1'))
    const size = statSync(journalOf(dir, 'r1')).size
    const bad: unknown[] = [
      [{ seq: 1, at: 1, runId: 'r1', type: 'step.started' }],
      [{ ...event('r1', 1), runId: 'r2' }],
      [{ seq: 1, at: 1, runId: 'r1', type: 'no.such.type' }],
      [{ ...event('r1', 1), input: { big: 10n } }],
    ]
    for (const batch of bad) {
      const error = await rejection(append(store, 'r1', batch as JournalEvent[]))
      expect(error).toBeInstanceOf(InvalidEventError)
      expect((error as InvalidEventError).data).toMatchObject({ runId: 'r1', seq: 1 })
    }
    expect(statSync(journalOf(dir, 'r1')).size).toBe(size)
    await append(store, 'r1', events('r1', 1, 1))
    expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 1))
    await store.close()
  })

  it('read yields only acknowledged events while an append is in flight', async () => {
    for (const durability of ['always', 'batch'] as const) {
      const store = fileStore(tempDir(), { durability })
      await store.create(header('r1'))
      await append(store, 'r1', events('r1', 1, 2))
      const pending = append(store, 'r1', events('r1', 3, 4))
      expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 2))
      await pending
      expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 4))
      await store.close()
    }
  })

  it("'always' costs one write and one fdatasync per append", async () => {
    const shim = new CrashFs()
    const store = fileStore(tempDir(), { fs: shim })
    await store.create(header('r1'))
    const before = { writes: shim.writes, syncs: shim.fdatasyncs + shim.fsyncs }
    for (let seq = 1; seq <= 10; seq += 2) await append(store, 'r1', events('r1', seq, seq + 1))
    expect({ writes: shim.writes - before.writes, syncs: shim.fdatasyncs + shim.fsyncs - before.syncs }).toEqual({ writes: 5, syncs: 5 })
    await store.close()
  })

  it('createLeased with first events makes them durable with the journal: one fdatasync less than an append after it', async () => {
    const syncs = async (withEvents: boolean): Promise<number> => {
      const shim = new CrashFs()
      const dir = tempDir()
      const store = fileStore(dir, { fs: shim })
      await store.health() // opens the store (its directories), outside the count
      const before = shim.fdatasyncs + shim.fsyncs
      if (withEvents) expect(await store.createLeased(header('r1'), 'a', 1000, events('r1', 1, 3))).toMatchObject({ token: 1 })
      else {
        await store.createLeased(header('r1'), 'a', 1000)
        await append(store, 'r1', events('r1', 1, 3))
      }
      const count = shim.fdatasyncs + shim.fsyncs - before
      expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 3))
      await store.close()
      // Another instance reads them from the file (and appends after them).
      const reopened = fileStore(dir)
      expect(await reopened.get('r1')).toMatchObject({ status: 'running', events: 3 })
      await append(reopened, 'r1', events('r1', 4, 4))
      expect(await readAll(reopened, 'r1')).toEqual(events('r1', 1, 4))
      await reopened.close()
      return count
    }
    expect(await syncs(true)).toBe((await syncs(false)) - 1)
  })

  it("'none' writes before append returns (a settled promise) and never fsyncs an append", async () => {
    const shim = new CrashFs()
    const store = fileStore(tempDir(), { fs: shim, durability: 'none' })
    await store.create(header('r1'))
    await append(store, 'r1', events('r1', 1, 1)) // opens nothing: the run is open since create
    const writes = shim.writes
    const appended = store.append('r1', events('r1', 2, 2))
    expect(shim.writes).toBe(writes + 1) // in the file (the OS's cache) already: a process crash from here on loses nothing
    expect(appended).toBeInstanceOf(Promise)
    await appended
    const rejected = store.append('r1', events('r1', 9, 9))
    expect(shim.writes).toBe(writes + 1)
    await expect(rejected).rejects.toThrow(/expected event seq 3/)
    expect(shim.fdatasyncs + shim.fsyncs).toBe(0)
    expect(await readAll(store, 'r1')).toEqual(events('r1', 1, 2))
    await store.close()
  })

  it("'batch' makes 50 appends to 50 runs in one turn durable with one fdatasync", async () => {
    const counts: Record<string, number> = {}
    for (const durability of ['always', 'batch'] as const) {
      const shim = new CrashFs()
      const dir = tempDir()
      const store = fileStore(dir, { fs: shim, durability })
      const runs = Array.from({ length: 50 }, (_, i) => `run-${i}`)
      for (const runId of runs) await store.create(header(runId))
      await Promise.all(runs.map((runId) => append(store, runId, events(runId, 1, 2)))) // 'batch' creates its commit log here
      const before = shim.fdatasyncs + shim.fsyncs
      await Promise.all(runs.map((runId) => append(store, runId, events(runId, 3, 4))))
      counts[durability] = shim.fdatasyncs + shim.fsyncs - before
      for (const runId of runs) expect(await readAll(store, runId)).toEqual(events(runId, 1, 4))
      await store.close()
    }
    expect(counts).toEqual({ always: 50, batch: 1 })
  })

  it("'batch' checkpoints: journals are fdatasync'ed and the commit log emptied, and close removes it", async () => {
    const shim = new CrashFs()
    const dir = tempDir()
    const store = fileStore(dir, { fs: shim, durability: 'batch', commitLogBytes: 1 })
    await store.create(header('r1'))
    await store.create(header('r2'))
    await Promise.all([append(store, 'r1', events('r1', 1, 2)), append(store, 'r2', events('r2', 1, 2))])
    const [segment] = readdirSync(join(dir, 'log'))
    expect(segment).toMatch(/^seg\..+\.wal$/)
    const text = (): string => readFileSync(join(dir, 'log', segment!), 'utf8')
    // two creates, the log's creation, the commit; then the checkpoint (after the appends resolved): two journals, the emptied log
    await eventually(() => shim.fdatasyncs === 2 + 1 + 1 + 2 + 1)
    expect(text()).toMatch(/^#weft-log\t1\t[^\n]*\n$/)
    await store.close()
    expect(readdirSync(join(dir, 'log'))).toEqual([])
  })

  it('fails the append whose fdatasync failed, and every later one of that run; other runs go on', async () => {
    const shim = new CrashFs({ failAt: 3, count: 'sync' })
    const store = fileStore(tempDir(), { fs: shim })
    await store.create(header('r1')) // syncs 1 and 2: the new file, its directory
    const error = await rejection(append(store, 'r1', events('r1', 1, 1)))
    expect(error).toBeInstanceOf(StoreIOError)
    expect((error as StoreIOError).data).toMatchObject({ runId: 'r1', operation: 'fsync' })
    expect(await rejection(append(store, 'r1', events('r1', 2, 2)))).toBe(error)
    await store.create(header('r2'))
    await append(store, 'r2', events('r2', 1, 1))
    const report = await store.health()
    expect(report.ok).toBe(false)
    expect(report.checks.find((c) => c.name === 'journals')).toMatchObject({ ok: false, detail: expect.stringContaining('"r1"') })
    await store.close()
  })

  for (const preallocate of [false, true]) {
    it(`recovers from a failed write: the next append cuts the partial record off (preallocate: ${preallocate})`, async () => {
      // create writes the header (write 1) and, preallocated, the zero padding (write 2)
      const creates = preallocate ? 2 : 1
      const shim = new CrashFs({ failAt: creates + 2, count: 'write' })
      const dir = tempDir()
      const store = fileStore(dir, { fs: shim, preallocate })
      await store.create(header('r1'))
      await append(store, 'r1', events('r1', 1, 1))
      const error = await rejection(append(store, 'r1', events('r1', 2, 3))) // fails half-way
      expect(error).toBeInstanceOf(StoreIOError)
      expect(shim.writes).toBe(creates + 2)
      expect(statSync(journalOf(dir, 'r1')).size).toBeGreaterThan(0)
      await append(store, 'r1', events('r1', 2, 3))
      await append(store, 'r1', events('r1', 4, 4))
      await store.close()
      const reopened = fileStore(dir)
      expect(await readAll(reopened, 'r1')).toEqual(events('r1', 1, 4))
      await reopened.close()
    })
  }
})

describe("fileStore: 'batch' commit-log recovery", () => {
  async function crashedBatchStore(): Promise<{ dir: string; shim: CrashFs }> {
    const shim = new CrashFs()
    const dir = tempDir()
    const store = fileStore(dir, { fs: shim, durability: 'batch' })
    for (const runId of ['a', 'b']) await store.create(header(runId))
    for (let seq = 1; seq <= 6; seq += 2) await Promise.all(['a', 'b'].map((runId) => append(store, runId, events(runId, seq, seq + 1))))
    // The process dies without closing: journals were never fsync'ed, the commit log was.
    shim.closeAll()
    return { dir, shim }
  }

  it('replays the commit log of a store that died before a power loss', async () => {
    const { dir, shim } = await crashedBatchStore()
    shim.powerLoss(dir, dir, 0) // in place: keep only what was fsync'ed
    expect(readFileSync(journalOf(dir, 'a'), 'utf8').split('\n')).toHaveLength(2) // the header line only
    const store = fileStore(dir, { host: rebootedHost() })
    for (const runId of ['a', 'b']) expect(await readAll(store, runId)).toEqual(events(runId, 1, 6))
    expect(readdirSync(join(dir, 'log'))).toEqual([])
    await append(store, 'a', events('a', 7, 7))
    await store.close()
  })

  it('leaves the commit log of a live process alone, and removes that of an exited one after syncing its journals', async () => {
    const { dir } = await crashedBatchStore()
    const live = fileStore(dir)
    expect(await readAll(live, 'a')).toEqual(events('a', 1, 6))
    expect(readdirSync(join(dir, 'log'))).toHaveLength(1)
    await live.close()
    const shim = new CrashFs()
    const later = fileStore(dir, { fs: shim, host: { ...nodeHost, bootId: nodeHost.bootId, isAlive: () => false } })
    expect(await readAll(later, 'b')).toEqual(events('b', 1, 6))
    expect(readdirSync(join(dir, 'log'))).toEqual([])
    expect(shim.fdatasyncs).toBe(2) // one per journal named in the log
    await later.close()
  })
})

describe('fileStore: prune, health, options', () => {
  it('prune deletes the journal and the lease files of removed runs', async () => {
    const clock = new SimulatedClock({ start: 10_000, autoAdvance: false })
    const dir = tempDir()
    const store = fileStore(dir, { clock })
    await store.create(header('done'))
    await store.acquireLease('done', 'me', 10)
    await append(store, 'done', [event('done', 1), terminal('done', 2, 'run.succeeded', 0)])
    await store.create(header('live'))
    expect(await store.prune({ olderThan: 1 })).toEqual(['done'])
    expect(readdirSync(join(dir, 'runs'))).toEqual(['live.wj'])
    expect(readdirSync(join(dir, 'leases'))).toEqual([])
    await store.close()
  })

  it('health fails the free-space check below minFreeBytes', async () => {
    const fs: StoreFileSystem = { ...nodeFileSystem, statfs: async () => ({ bavail: 10, bsize: 4096 }) }
    const store = fileStore(tempDir(), { fs, minFreeBytes: 1 << 20 })
    const report = await store.health()
    expect(report.ok).toBe(false)
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([['directory', true], ['fsync', true], ['free-space', false], ['journals', true]])
    expect(report.checks[2]!.detail).toBe('40.0 KiB free (minimum 1.0 MiB)')
    await store.close()
  })

  it('health fails the directory and fsync checks when the directory is not writable', async () => {
    const fs: StoreFileSystem = {
      ...nodeFileSystem,
      open: (path, flags, mode) => (flags === 'wx' ? Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })) : nodeFileSystem.open(path, flags, mode)),
    }
    const store = fileStore(tempDir(), { fs })
    const report = await store.health()
    expect(report.ok).toBe(false)
    expect(report.checks.slice(0, 2)).toEqual([
      { name: 'directory', ok: false, detail: expect.stringContaining('EACCES') },
      { name: 'fsync', ok: false, detail: 'not tried: the directory is not writable' },
    ])
    await store.close()
  })

  it('validates its options with exact messages', () => {
    expect(() => fileStore(tempDir(), { durability: 'sometimes' as never })).toThrow("Expected `durability` to be one of 'always', 'batch', 'none', got `\"sometimes\" (string)`")
    expect(() => fileStore(tempDir(), { commitLogBytes: 0 })).toThrow('Expected `commitLogBytes` to be an integer from 1, got `0 (number)`')
    expect(() => fileStore('')).toThrow(InvalidArgumentError)
    expect(() => fileStore(tempDir(), { fs: { ...nodeFileSystem, link: undefined } as never })).toThrow('Expected `fs` to be a StoreFileSystem (missing `link`)')
  })

  it('reports a missing run the same way for every call', async () => {
    const store = fileStore(tempDir())
    expect(await store.get('nope')).toBeUndefined()
    for (const call of [() => readAll(store, 'nope'), () => store.append('nope', [event('nope', 1)]), () => store.acquireLease('nope', 'me', 1)]) {
      expect(await rejection(call)).toBeInstanceOf(RunNotFoundError)
    }
    expect(existsSync(join(dirname(journalOf(store.dir, 'nope')), 'nope.wj'))).toBe(false)
    await store.close()
  })
})

describe('the crash shim', () => {
  it('keeps only synced bytes and directory entries on power loss', async () => {
    const results: Record<string, unknown> = {}
    for (const durability of ['always', 'none'] as const) {
      const shim = new CrashFs()
      const dir = tempDir()
      const store = fileStore(dir, { fs: shim, durability })
      await store.create(header('r1'))
      await append(store, 'r1', events('r1', 1, 3))
      await store.close()
      shim.powerLoss(dir, dir, 0)
      results[durability] = readdirSync(join(dir, 'runs'))
    }
    expect(results).toEqual({ always: ['r1.wj'], none: [] }) // 'none' never fsync'ed the directory
  })
})
