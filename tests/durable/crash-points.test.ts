import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, defineWorkflow, fileStore, memoryStore, SimulatedClock, type JournalEvent, type StepSpec, type Workflow } from '../../src/index.js'
import { CrashFs } from '../store/crash-fs.js'

/** 20 steps: a chain of 8, a fan-out of 8, a join and a tail of 3. */
function twenty(): Workflow {
  const steps: StepSpec[] = []
  const body = (id: string) => ({ deps }: { deps: Readonly<Record<string, unknown>> }) => Object.values(deps).reduce<number>((s, v) => s + (v as number), id.length)
  for (let i = 0; i < 8; i++) steps.push({ id: `c${i}`, needs: i === 0 ? [] : [`c${i - 1}`], output: Type.Number(), run: body(`c${i}`) })
  for (let i = 0; i < 8; i++) steps.push({ id: `f${i}`, needs: ['c7'], output: Type.Number(), run: body(`f${i}`) })
  steps.push({ id: 'join', needs: Array.from({ length: 8 }, (_, i) => `f${i}`), output: Type.Number(), run: body('join') })
  for (let i = 0; i < 3; i++) steps.push({ id: `t${i}`, needs: [i === 0 ? 'join' : `t${i - 1}`], output: Type.Number(), run: body(`t${i}`) })
  return defineWorkflow({ id: 'twenty', steps })
}

const decision = (e: JournalEvent) => [e.type, 'stepId' in e ? e.stepId : undefined, e.type === 'step.succeeded' ? e.output : undefined]

async function journal(dir: string): Promise<JournalEvent[]> {
  const store = fileStore(dir)
  const out: JournalEvent[] = []
  if ((await store.get('r')) !== undefined) for await (const e of store.read('r')) out.push(e)
  await store.close()
  return out
}

describe('every crash point', () => {
  it('a file-system crash at the Nth write or fsync, for every N: the journal reopens as a prefix and resume completes the run', async () => {
    const reference = memoryStore()
    const full = await createEngine({ store: reference, concurrency: 1 }).run(twenty(), undefined, { runId: 'r', seed: 3 })
    expect(full.status).toBe('succeeded')
    const fullJournal: JournalEvent[] = []
    for await (const e of reference.read('r')) fullJournal.push(e)
    let crashes = 0
    for (let crashAt = 1; ; crashAt++) {
      const dir = mkdtempSync(join(tmpdir(), 'weft-crashpoint-'))
      const fs = new CrashFs({ crashAt })
      const storeClock = new SimulatedClock({ autoAdvance: false })
      const doomed = fileStore(dir, { fs, clock: storeClock })
      const first = await createEngine({ store: doomed, concurrency: 1, leaseTtl: '5s', leaseClock: new SimulatedClock({ autoAdvance: false }) })
        .run(twenty(), undefined, { runId: 'r', seed: 3 })
        .then((r) => r, (e: unknown) => e)
      fs.closeAll()
      if (!fs.crashed) {
        expect(first).toMatchObject({ status: 'succeeded' })
        break
      }
      crashes++
      const before = await journal(dir)
      // A valid prefix of the uninterrupted journal (same decisions, same order).
      expect(before.map(decision)).toEqual(fullJournal.slice(0, before.length).map(decision))
      await storeClock.advance(10_000) // the dead engine's lease runs out
      const store = fileStore(dir, { clock: storeClock })
      const engine = createEngine({ store, concurrency: 1, leaseTtl: '5s' })
      const handle = before.length === 0 ? engine.start(twenty(), undefined, { runId: 'r', seed: 3 }) : await engine.resume('r', twenty())
      const result = await handle.result
      expect(result.status).toBe('succeeded')
      if (result.status === 'succeeded' && full.status === 'succeeded') expect(result.output).toEqual(full.output)
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
    expect(crashes).toBeGreaterThan(20)
  }, 120_000)
})
