import { cpSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fileStore, isWeftError, nodeHost, SimulatedClock, type Durability, type JournalEvent, type StoreHost } from '../../src/index.js'
import { append } from '../conformance/run-store.js'
import { events, header, terminal } from '../conformance/journal-fixtures.js'
import { CrashFs, SimulatedCrash } from './crash-fs.js'
import { readAll, rebootedHost, tempDir } from './helpers.js'

const RUNS = ['a', 'b'] as const
/** Batch sizes appended to every run, one batch per run per round, concurrently. */
const ROUNDS = [1, 2, 1, 3, 1, 2]

/** Every event each run gets when nothing crashes: the rounds, then a terminal event for `a`. */
function fullJournal(runId: string): JournalEvent[] {
  const total = ROUNDS.reduce((a, b) => a + b, 0)
  const all = events(runId, 1, total)
  if (runId === 'a') all.push(terminal('a', total + 1, 'run.succeeded'))
  return all
}

interface Progress {
  /** Runs whose create resolved. */
  readonly created: Set<string>
  /** Per run, the last sequence number whose append resolved. */
  readonly resolved: Map<string, number>
}

async function workload(dir: string, durability: Durability, fs: CrashFs, progress: Progress): Promise<void> {
  const store = fileStore(dir, { durability, fs, clock: new SimulatedClock({ autoAdvance: false }) })
  for (const runId of RUNS) {
    await store.create(header(runId))
    progress.created.add(runId)
  }
  const fulls = new Map(RUNS.map((r) => [r, fullJournal(r)]))
  let seq = 1
  for (const size of ROUNDS) {
    const from = seq
    await Promise.all(
      RUNS.map((runId) =>
        append(store, runId, fulls.get(runId)!.slice(from - 1, from - 1 + size)).then(() => {
          progress.resolved.set(runId, from + size - 1)
        }),
      ),
    )
    seq += size
  }
  await append(store, 'a', [fulls.get('a')![seq - 1]!])
  progress.resolved.set('a', seq)
  await store.close()
}

/**
 * Checks a store directory after a crash: every run reads as a prefix of its full journal that
 * holds at least every acknowledged event (unless `lossy`), and appending continues from it.
 */
async function checkRecovered(dir: string, host: StoreHost, progress: Progress, lossy: boolean): Promise<void> {
  const store = fileStore(dir, { host, fs: new CrashFs() }) // no real fsyncs: only reading matters here
  try {
    for (const runId of RUNS) {
      const full = fullJournal(runId)
      const summary = await store.get(runId).catch((error: unknown) => {
        // Only 'none' after a power loss may leave a journal whose header never reached the disk.
        if (lossy && isWeftError(error, 'WEFT_JOURNAL_CORRUPT')) return undefined
        throw error
      })
      if (summary === undefined) {
        if (!lossy) expect(progress.created.has(runId), `run ${runId} was created but is gone`).toBe(false)
        continue
      }
      const recovered = await readAll(store, runId)
      expect(recovered).toEqual(full.slice(0, recovered.length))
      expect(summary.events).toBe(recovered.length)
      if (!lossy) expect(recovered.length).toBeGreaterThanOrEqual(progress.resolved.get(runId) ?? 0)
      if (recovered.length < full.length) {
        await append(store, runId, [full[recovered.length]!])
        expect(await readAll(store, runId)).toEqual(full.slice(0, recovered.length + 1))
      }
    }
  } finally {
    await store.close()
  }
}

describe('fileStore: a crash at any write or fsync leaves a recoverable journal', () => {
  for (const durability of ['always', 'batch', 'none'] satisfies Durability[]) {
    it(`durability '${durability}': every crash point, then a process crash, a power loss, a torn power loss`, async () => {
      let crashPoints = 0
      for (let crashAt = 1; ; crashAt++) {
        const dir = tempDir('weft-crash-')
        const fs = new CrashFs({ crashAt })
        const progress: Progress = { created: new Set(), resolved: new Map() }
        try {
          await workload(dir, durability, fs, progress)
        } catch (error) {
          const crash = error instanceof SimulatedCrash || (error instanceof Error && error.cause instanceof SimulatedCrash)
          if (!crash) throw error
        }
        fs.closeAll()
        if (!fs.crashed) {
          // The workload finished before this crash point: everything is there.
          await checkRecovered(dir, nodeHost, progress, false)
          expect(progress.resolved.get('a')).toBe(fullJournal('a').length)
          break
        }
        crashPoints++
        // The process died; the OS kept everything it was given.
        const processCrash = tempDir('weft-crash-')
        cpSync(dir, processCrash, { recursive: true })
        await checkRecovered(processCrash, nodeHost, progress, false)
        // The machine lost power: only what was fsync'ed survives (then: plus half of the rest).
        for (const keep of [0, 0.5]) {
          const powerLoss = tempDir('weft-crash-')
          cpSync(dir, powerLoss, { recursive: true })
          fs.powerLoss(dir, powerLoss, keep)
          await checkRecovered(powerLoss, rebootedHost(`boot-${crashAt}`), progress, durability === 'none')
        }
      }
      expect(crashPoints).toBeGreaterThan(durability === 'none' ? 10 : 20)
    })
  }
})
