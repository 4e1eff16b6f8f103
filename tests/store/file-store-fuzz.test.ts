import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fileStore, JournalCorruptError, JournalVersionError, type JournalEvent } from '../../src/index.js'
import { append } from '../conformance/run-store.js'
import { events, header } from '../conformance/journal-fixtures.js'
import { readAll, tempDir } from './helpers.js'

interface Journal {
  readonly bytes: Buffer
  /** ends[0] is the end of the header line, ends[k] the end of batch k. */
  readonly ends: readonly number[]
  readonly batches: readonly (readonly JournalEvent[])[]
}

async function writeJournal(sizes: readonly number[]): Promise<Journal> {
  const dir = tempDir()
  const store = fileStore(dir, { durability: 'none' })
  await store.create(header('r1'))
  const path = join(dir, 'runs', 'r1.wj')
  const ends = [statSync(path).size]
  const batches: JournalEvent[][] = []
  let seq = 1
  for (const size of sizes) {
    const batch = events('r1', seq, seq + size - 1)
    await append(store, 'r1', batch)
    batches.push(batch)
    ends.push(statSync(path).size)
    seq += size
  }
  await store.close()
  return { bytes: readFileSync(path), ends, batches }
}

const VERSION_OFFSET = '#weft-journal\t'.length

describe('fileStore: damaged journals (property)', () => {
  // `padding`: zero bytes after the last batch, as a preallocated journal has them (unused space,
  // not damage); a flip or a cut there is damage after every batch. The store that reads and then
  // appends is an appending one (`'none'`) or a preallocating one (`'always'`, which keeps clean
  // padding and writes into it).
  it('recovers exactly the batches before the first damage, or raises JournalCorruptError — nothing else', async () => {
    const shapes = new Map<string, Journal>()
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 6 }),
        fc.array(fc.record({ at: fc.noBias(fc.nat()), bit: fc.integer({ min: 0, max: 7 }) }), { maxLength: 3 }),
        fc.option(fc.noBias(fc.nat()), { nil: undefined }),
        fc.constantFrom(0, 0, 1, 700, 5000),
        fc.constantFrom('none' as const, 'always' as const),
        async (sizes, flips, cutAt, padding, durability) => {
          const key = sizes.join(',')
          let journal = shapes.get(key)
          if (journal === undefined) {
            journal = await writeJournal(sizes)
            shapes.set(key, journal)
          }
          const { ends, batches } = journal
          const bytes = Buffer.concat([journal.bytes, Buffer.alloc(padding)])
          const size = bytes.length
          const flipped = flips.map((f) => f.at % size)
          for (const [i, at] of flipped.entries()) bytes[at]! ^= 1 << flips[i]!.bit
          const cut = cutAt === undefined ? size : cutAt % (size + 1)
          const damaged = bytes.subarray(0, cut)
          const firstDamage = Math.min(cut === size ? Infinity : cut, ...flipped.filter((at) => at < cut))

          const dir = tempDir()
          mkdirSync(join(dir, 'runs'))
          writeFileSync(join(dir, 'runs', 'r1.wj'), damaged)
          const store = fileStore(dir, { durability })
          try {
            let recovered: JournalEvent[]
            try {
              recovered = await readAll(store, 'r1')
            } catch (error) {
              if (error instanceof JournalVersionError) {
                expect(flipped).toContain(VERSION_OFFSET)
                return
              }
              expect(error).toBeInstanceOf(JournalCorruptError)
              // It names the damaged record: at or before the first damaged byte, inside its batch.
              const at = (error as JournalCorruptError).data.offset
              const batchStart = Math.max(0, ...ends.filter((end) => end <= firstDamage))
              expect(at).toBeLessThanOrEqual(firstDamage)
              expect(at).toBeGreaterThanOrEqual(firstDamage < ends[0]! ? 0 : batchStart)
              // Only a flip (or a cut inside the header) is ever corruption; damage in the last batch never is.
              expect(flipped.some((f) => f < cut) || cut < ends[0]!).toBe(true)
              expect(firstDamage < ends[ends.length - 2]!).toBe(true)
              return
            }
            expect(firstDamage >= ends[0]!).toBe(true)
            const intact = ends.filter((end, k) => k > 0 && end <= firstDamage).length
            expect(recovered).toEqual(batches.slice(0, intact).flat())
            // A batch after the damaged one that survived intact proves damage before the tail.
            const survivor = ends.some((end, k) => k >= 2 && ends[k - 1]! > firstDamage && end <= cut && !flipped.some((f) => f >= ends[k - 1]! && f < end))
            expect(survivor).toBe(false)
            expect((await store.get('r1'))?.events).toBe(recovered.length)
            const next = events('r1', recovered.length + 1, recovered.length + 1)
            await append(store, 'r1', next)
            expect(await readAll(store, 'r1')).toEqual([...recovered, ...next])
          } finally {
            await store.close()
          }
        },
      ),
      { numRuns: 200, seed: 20_251_125 },
    )
  })

  it('never mistakes a pure truncation for corruption', async () => {
    const journal = await writeJournal([1, 3, 2, 1])
    for (let cut = journal.ends[0]!; cut <= journal.bytes.length; cut += 9) {
      const dir = tempDir()
      mkdirSync(join(dir, 'runs'))
      writeFileSync(join(dir, 'runs', 'r1.wj'), journal.bytes.subarray(0, cut))
      const store = fileStore(dir, { durability: 'none' })
      const intact = journal.ends.filter((end, k) => k > 0 && end <= cut).length
      expect(await readAll(store, 'r1')).toEqual(journal.batches.slice(0, intact).flat())
      await store.close()
    }
  })
})
