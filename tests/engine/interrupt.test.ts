import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Type from 'typebox'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine, fileStore, InvalidArgumentError, LeaseConflictError, memoryStore, workflow, type JournalEvent, type RunStore } from '../../src/index.js'

async function journal(store: RunStore, runId: string): Promise<JournalEvent[]> {
  const out: JournalEvent[] = []
  for await (const e of store.read(runId)) out.push(e)
  return out
}

/** `a` then `slow` (which waits until aborted the first time) then `c`. */
function interruptible(calls: { slow: number; aborted: number }) {
  return workflow('interruptible', { version: '1', input: Type.Object({ n: Type.Number() }), output: Type.Number() })
    .step('a', { output: Type.Number(), run: ({ input }) => input.n + 1 })
    .step('slow', {
      needs: ['a'],
      output: Type.Number(),
      run: ({ deps, signal }) => {
        calls.slow++
        if (calls.slow > 1) return deps.a * 10
        return new Promise<number>((_, reject) =>
          signal.addEventListener('abort', () => {
            calls.aborted++
            reject(signal.reason)
          }),
        )
      },
    })
    .step('c', { needs: ['slow'], output: Type.Number(), run: ({ deps }) => deps.slow + 1 })
    .build(({ steps }) => steps.c ?? -1)
}

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('interruptions (resumable cancel) and run metadata', () => {
  it('an interrupted run ends cancelled, then resume continues it with the cancelled step re-run', async () => {
    const store = memoryStore()
    const calls = { slow: 0, aborted: 0 }
    const wf = interruptible(calls)
    const engine = createEngine({ store })
    const run = engine.start(wf, { n: 4 }, { runId: 'r1', metadata: { source: '/tmp/wf.yaml' } })
    for await (const e of run.events) if (e.type === 'step.started' && e.stepId === 'slow') break
    run.cancel('Ctrl-C', { resumable: true })
    const first = await run.result
    expect(first.status).toBe('cancelled')
    expect(calls.aborted).toBe(1)
    const before = await journal(store, 'r1')
    expect(before.at(-1)).toMatchObject({ type: 'run.cancelled', reason: 'Ctrl-C', resumable: true })
    expect(before[0]).toMatchObject({ type: 'run.started', metadata: { source: '/tmp/wf.yaml' } })
    expect((await store.get('r1'))?.metadata).toEqual({ source: '/tmp/wf.yaml' })
    expect((await store.get('r1'))?.status).toBe('cancelled')

    const resumed = await engine.resume('r1', wf)
    const second = await resumed.result
    expect(second).toMatchObject({ status: 'succeeded', output: 51 })
    expect(calls.slow).toBe(2)
    const after = await journal(store, 'r1')
    expect(after.filter((e) => e.type === 'step.started' && e.stepId === 'a')).toHaveLength(1)
    expect(after.find((e) => e.type === 'step.succeeded' && e.stepId === 'slow')).toMatchObject({ attempt: 2 })
    expect((await store.get('r1'))?.status).toBe('succeeded')
    // Every decision, across the interruption, replays.
    await expect(engine.replay('r1', wf)).resolves.toMatchObject({ segments: 2 })
  })

  it('a final cancel is not resumed; a signal to an interrupted run is kept for the resume', async () => {
    const store = memoryStore()
    const calls = { slow: 0, aborted: 0 }
    const wf = interruptible(calls)
    const engine = createEngine({ store })
    const run = engine.start(wf, { n: 1 }, { runId: 'r2' })
    for await (const e of run.events) if (e.type === 'step.started' && e.stepId === 'slow') break
    run.cancel('stop', { resumable: true })
    await run.result
    await engine.signal('r2', 'note', { ok: true })
    // Cancelling an interrupted run ends it for good, without running anything.
    const ended = await engine.cancel('r2', wf, 'no longer needed')
    expect(ended.status).toBe('cancelled')
    expect(calls.slow).toBe(1)
    const events = await journal(store, 'r2')
    expect(events.at(-1)).toEqual(expect.objectContaining({ type: 'run.cancelled', reason: 'no longer needed' }))
    expect(events.at(-1)).not.toHaveProperty('resumable')
    const again = await engine.resume('r2', wf)
    expect((await again.result).status).toBe('cancelled')
    expect(calls.slow).toBe(1)
    await expect(engine.replay('r2', wf)).resolves.toMatchObject({ segments: 2 })
  })

  it('engine.cancel of a run another live engine holds is refused (file store leases)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-interrupt-'))
    dirs.push(dir)
    const calls = { slow: 0, aborted: 0 }
    const wf = interruptible(calls)
    const owner = createEngine({ store: fileStore(dir), owner: 'owner-a' })
    const run = owner.start(wf, { n: 1 }, { runId: 'r3' })
    for await (const e of run.events) if (e.type === 'step.started' && e.stepId === 'slow') break
    const other = createEngine({ store: fileStore(dir), owner: 'owner-b' })
    await expect(other.cancel('r3', wf)).rejects.toBeInstanceOf(LeaseConflictError)
    // A signal from another engine would race the owner's appends: refused too, nothing journaled.
    await expect(other.signal('r3', 'go', { x: 1 })).rejects.toBeInstanceOf(LeaseConflictError)
    // The owner's own engine cancels it by id.
    await expect(owner.cancel('r3', wf, 'by id')).resolves.toMatchObject({ status: 'cancelled' })
    await owner.close()
    await other.close()
  })

  it('metadata is validated', () => {
    const engine = createEngine()
    const wf = interruptible({ slow: 2, aborted: 0 })
    expect(() => engine.start(wf, { n: 1 }, { metadata: { '': 'x' } })).toThrow(InvalidArgumentError)
    expect(() => engine.start(wf, { n: 1 }, { metadata: { k: 1 as unknown as string } })).toThrow(InvalidArgumentError)
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']))
    expect(() => engine.start(wf, { n: 1 }, { metadata: many })).toThrow(InvalidArgumentError)
  })

  it('the file store keeps metadata in the run summary across reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-meta-'))
    dirs.push(dir)
    const wf = interruptible({ slow: 2, aborted: 0 })
    const engine = createEngine({ store: fileStore(dir) })
    await engine.run(wf, { n: 2 }, { runId: 'm1', metadata: { source: 'a.yaml', by: 'ci' } })
    await engine.close()
    const reopened = fileStore(dir)
    expect(await reopened.get('m1')).toMatchObject({ status: 'succeeded', metadata: { source: 'a.yaml', by: 'ci' } })
    await reopened.close?.()
  })
})
