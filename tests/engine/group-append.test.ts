import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, defineWorkflow, memoryStore, type JournalEvent, type RunStore } from '../../src/index.js'

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
