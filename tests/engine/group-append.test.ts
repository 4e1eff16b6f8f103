import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, defineWorkflow, fileStore, memoryStore, type JournalEvent, type RunStore } from '../../src/index.js'
import { CrashFs } from '../store/crash-fs.js'
import { readAll, tempDir } from '../store/helpers.js'

/** A memory store whose appends complete asynchronously (like a file store's fsync), recording each append. */
function asyncStore(appends: JournalEvent[][]): RunStore {
  const inner = memoryStore()
  return {
    create: (h) => inner.create(h),
    read: (id) => inner.read(id),
    get: (id) => inner.get(id),
    list: (f) => inner.list(f),
    append: async (runId, events, options) => {
      appends.push([...events])
      await inner.append(runId, events, options)
      await new Promise((r) => setImmediate(r))
    },
  }
}

describe('group commit in the engine', () => {
  it('parallel steps finishing in the same tick are journaled with one append (one fsync on a file store)', async () => {
    const appends: JournalEvent[][] = []
    const fan = Array.from({ length: 20 }, (_, i) => ({ id: `f${i}`, needs: ['root'], output: Type.Number(), run: async ({ deps }: { deps: Readonly<Record<string, unknown>> }) => (deps.root as number) + 1 }))
    const wf = defineWorkflow({ id: 'fan', steps: [{ id: 'root', output: Type.Number(), run: () => 1 }, ...fan] })
    const result = await createEngine({ store: asyncStore(appends) }).run(wf)
    expect(result.status).toBe('succeeded')
    const fanEnds = appends.map((batch) => batch.filter((e) => e.type === 'step.succeeded' && e.stepId !== 'root').length).filter((n) => n > 0)
    expect(fanEnds).toEqual([20])
  })
})

describe("group commit on the file store with durability 'none'", () => {
  it('a wave of parallel steps is one write, and the journal is whole after the run', async () => {
    const shim = new CrashFs()
    const store = fileStore(tempDir(), { fs: shim, durability: 'none' })
    const fan = Array.from({ length: 40 }, (_, i) => ({ id: `f${i}`, needs: ['root'], output: Type.Number(), run: async ({ deps }: { deps: Readonly<Record<string, unknown>> }) => (deps.root as number) + i }))
    const join = { id: 'join', needs: fan.map((s) => s.id), output: Type.Number(), run: ({ deps }: { deps: Readonly<Record<string, unknown>> }) => Object.values(deps).reduce((a: number, b) => a + (b as number), 0) }
    const wf = defineWorkflow({ id: 'fan-none', output: Type.Number(), result: ({ steps }: { steps: Readonly<Record<string, unknown>> }) => steps.join as number, steps: [{ id: 'root', output: Type.Number(), run: () => 1 }, ...fan, join] })
    const writes = shim.writes
    const result = await createEngine({ store }).run(wf, undefined, { runId: 'r1' })
    expect(result).toMatchObject({ status: 'succeeded', output: 40 + (39 * 40) / 2 })
    // 42 steps: with one write per reaction this was over 40; grouped, a handful (run start, root, the wave, join, run end).
    expect(shim.writes - writes).toBeLessThanOrEqual(6)
    const journal = await readAll(store, 'r1')
    expect(journal.map((e) => e.seq)).toEqual(journal.map((_, k) => k + 1))
    expect(journal.filter((e) => e.type === 'step.succeeded')).toHaveLength(42)
    await store.close()
  })
})
