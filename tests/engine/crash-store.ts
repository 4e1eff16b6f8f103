import { memoryStore, type JournalEvent, type MemoryStore, type RunStore } from '../../src/index.js'

/** A store that "loses the process" at the Nth append: that batch and everything after it fail. */
export function crashingStore(inner: MemoryStore, crashAtAppend: number): RunStore & { crashed: boolean } {
  let appends = 0
  const store = {
    crashed: false,
    create: inner.create.bind(inner),
    read: inner.read.bind(inner),
    get: inner.get.bind(inner),
    list: inner.list.bind(inner),
    append(runId: string, events: readonly JournalEvent[]): void {
      if (store.crashed || ++appends >= crashAtAppend) {
        store.crashed = true
        throw new Error('simulated crash')
      }
      inner.append(runId, events)
    },
  }
  return store
}

export async function readAll(store: RunStore, runId: string): Promise<JournalEvent[]> {
  const out: JournalEvent[] = []
  for await (const e of store.read(runId)) out.push(e)
  return out
}

/** Loads a journal into a fresh memory store. */
export async function storeWith(events: readonly JournalEvent[]): Promise<MemoryStore> {
  const store = memoryStore()
  const first = events[0] as Extract<JournalEvent, { type: 'run.started' }>
  await store.create({ runId: first.runId, workflowId: first.workflowId, version: first.version, fingerprint: first.fingerprint, createdAt: first.at })
  store.append(first.runId, events)
  return store
}
