import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, InvalidArgumentError, memoryStore, recordedOutputs, reuseOutputs, workflow } from '../../src/index.js'

function build(calls: string[]) {
  return workflow('reuse', { version: '1', input: Type.Object({ n: Type.Number() }) })
    .step('a', { output: Type.Number(), retry: { attempts: 3 }, run: ({ input }) => (calls.push('a'), input.n + 1) })
    .step('b', { needs: ['a'], output: Type.Number(), compensate: () => void calls.push('undo b'), run: ({ deps }) => (calls.push('b'), deps.a * 2) })
    .step('c', { needs: ['b'], output: Type.Number(), run: ({ deps }) => (calls.push('c'), deps.b + 100) })
    .build()
}

describe('reuseOutputs', () => {
  it('runs only the steps not reused, feeding them the recorded outputs; keeps the fingerprint', async () => {
    const store = memoryStore()
    const engine = createEngine({ store })
    const calls: string[] = []
    const wf = build(calls)
    await engine.run(wf, { n: 1 }, { runId: 'first' })
    expect(calls).toEqual(['a', 'b', 'c'])
    const recorded = await recordedOutputs(store, 'first')
    expect(recorded).toEqual({ a: 2, b: 4, c: 104 })

    calls.length = 0
    const partial = reuseOutputs(wf, { a: recorded.a, b: recorded.b }, { from: 'first' })
    expect(partial.fingerprint).toBe(wf.fingerprint)
    expect(partial.stepById.get('a')?.meta).toMatchObject({ reusedFrom: 'first' })
    const result = await engine.run(partial, { n: 1 }, { runId: 'second' })
    expect(result).toMatchObject({ status: 'succeeded', steps: { a: { output: 2 }, b: { output: 4 }, c: { output: 104 } } })
    expect(calls).toEqual(['c'])
    // The run replays and resumes with the original definition.
    await expect(engine.replay('second', wf)).resolves.toMatchObject({ segments: 1 })
  })

  it('checks recorded outputs against the contracts and refuses unknown steps', async () => {
    const wf = build([])
    expect(() => reuseOutputs(wf, { nope: 1 })).toThrow(InvalidArgumentError)
    const result = await createEngine().run(reuseOutputs(wf, { a: 'not a number' }), { n: 1 })
    expect(result.steps.a).toMatchObject({ status: 'failed', error: { code: 'WEFT_CONTRACT_VIOLATION' } })
  })

  it('a reused step is not compensated (it did nothing in this run)', async () => {
    const calls: string[] = []
    const wf = workflow('saga', { version: '1' })
      .step('pay', { output: Type.Number(), compensate: () => void calls.push('refund'), run: () => 1 })
      .step('ship', { needs: ['pay'], output: Type.Number(), run: () => { throw new Error('no stock') } })
      .build()
    const result = await createEngine().run(reuseOutputs(wf, { pay: 1 }))
    expect(result.status).toBe('failed') // nothing to compensate: the reused step lost its compensation
    expect(calls).toEqual([])
  })
})
