import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Type from 'typebox'
import { afterEach, describe, expect, it } from 'vitest'
import { ContractViolation, createEngine, fileStore, memoryStore, workflow, type RunStore } from '../../src/index.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function stores(): [string, () => RunStore][] {
  return [
    ['memory store', () => memoryStore()],
    [
      'file store',
      () => {
        const dir = mkdtempSync(join(tmpdir(), 'weft-journaled-'))
        dirs.push(dir)
        return fileStore(dir)
      },
    ],
  ]
}

/** `make` → `use` (which returns what it got): what `use` sees must be what a resume would feed it. */
function handOff(make: () => unknown) {
  const seen: unknown[] = []
  const wf = workflow('handoff', { input: Type.Undefined() })
    .step('make', { output: Type.Any(), retry: { attempts: 3, base: 0 }, run: make })
    .step('use', { needs: ['make'], output: Type.Any(), run: ({ deps }) => (seen.push(deps.make), 'used') })
    .build()
  return { wf, seen }
}

describe('values that would not read back from the journal as they are', () => {
  for (const [name, store] of stores()) {
    it(`fail the step that returns them, with every problem named, whatever the store (${name})`, async () => {
      const made = { count: 0 }
      const { wf, seen } = handOff(() => (made.count++, { at: new Date(0), n: Number.NaN, big: 10n, list: [1, undefined] }))
      const s = store()
      const engine = createEngine({ store: s })
      const r = await engine.run(wf, undefined)
      expect(r.status).toBe('failed')
      expect(r.steps['make']).toMatchObject({ status: 'failed', attempts: 1 }) // a contract violation is not retried
      expect(r.steps['make']!.error).toMatchObject({ name: 'ContractViolation', code: 'WEFT_CONTRACT_VIOLATION' })
      expect(r.steps['make']!.error!.message).toContain('/at: a Date object is not JSON data')
      expect((r.steps['make']!.error!.data as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['/at', '/n', '/big', '/list/1'])
      expect(r.steps['use']!.status).toBe('not-run') // fail-fast: nothing new starts
      expect(seen).toEqual([])
      expect(made.count).toBe(1)
      // The run ended in the store too, its journal readable to the end.
      expect(await s.get(r.runId)).toMatchObject({ status: 'failed' })
      const types: string[] = []
      for await (const event of s.read(r.runId)) types.push(event.type)
      expect(types.at(-1)).toBe('run.failed')
      await engine.close() // lease released and files closed before the directory is removed
    })
  }

  it('a cyclic output fails its step instead of the whole run rejecting (file store)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-journaled-'))
    dirs.push(dir)
    const cyclic: Record<string, unknown> = {}
    cyclic['me'] = cyclic
    const { wf } = handOff(() => cyclic)
    const engine = createEngine({ store: fileStore(dir) })
    const r = await engine.run(wf, undefined)
    expect(r.status).toBe('failed')
    expect(r.steps['make']!.error!.message).toContain('/me: a value that contains itself (a cycle) is not JSON data')
    await engine.close()
  })

  it('accepts undefined members and an undefined output, which read back the same', async () => {
    const { wf, seen } = handOff(() => ({ a: 1, missing: undefined }))
    expect((await createEngine().run(wf, undefined)).status).toBe('succeeded')
    expect(seen).toEqual([{ a: 1, missing: undefined }])
    const nothing = handOff(() => undefined)
    expect((await createEngine().run(nothing.wf, undefined)).status).toBe('succeeded')
  })

  it('refuse a workflow input before anything is journaled', async () => {
    const wf = workflow('in', { input: Type.Any() }).step('a', { output: Type.Integer(), run: () => 1 }).build()
    const store = memoryStore()
    const engine = createEngine({ store })
    expect(() => engine.start(wf, { when: new Date(0) })).toThrow(ContractViolation)
    expect(() => engine.start(wf, { when: new Date(0) })).toThrow('workflow-input contract violated in workflow "in": /when: a Date object is not JSON data')
    const runs: unknown[] = []
    for await (const run of store.list()) runs.push(run)
    expect(runs).toEqual([])
  })

  it('fail the run when the workflow output mapper returns one', async () => {
    const wf = workflow('out', { input: Type.Undefined() })
      .step('a', { output: Type.Integer(), run: () => 1 })
      .build(({ steps }) => new Map([['a', steps.a]]))
    const r = await createEngine().run(wf, undefined)
    if (r.status !== 'failed') throw new Error(`expected a failed run, got ${r.status}`)
    expect(r.error).toMatchObject({ name: 'ContractViolation', message: expect.stringContaining('workflow-output contract violated in workflow "out": /: a Map object is not JSON data') })
  })

  it('fail a map item, its path prefixed with the item index', async () => {
    const wf = workflow('items', { input: Type.Undefined() })
      .map('each', { over: () => [1, 2, 3], item: Type.Integer(), output: Type.Any(), run: ({ item }) => (item === 2 ? { v: Number.POSITIVE_INFINITY } : { v: item }) })
      .build()
    const r = await createEngine().run(wf, undefined)
    expect(r.status).toBe('failed')
    expect(JSON.stringify(r.steps['each']!.error)).toContain('/1/v: Infinity is not a JSON number')
  })
})
