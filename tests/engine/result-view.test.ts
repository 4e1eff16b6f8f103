import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, workflow } from '../../src/index.js'

describe("a workflow's result function sees the step outputs as a read-only record", () => {
  const build = (result: (steps: Readonly<Record<string, unknown>>) => unknown) =>
    workflow('view', { version: '1' })
      .step('a', { output: Type.Number(), run: () => 1 })
      .step('skipped', { output: Type.Number(), when: () => false, run: () => 2 })
      .step('b', { needs: ['a'], output: Type.Number(), run: ({ deps }) => deps.a + 1 })
      .build(({ steps }) => result(steps))

  it('reads, enumerates, spreads and serializes like a plain record of the steps that succeeded', async () => {
    let seen: unknown
    const wf = build((steps) => {
      seen = { keys: Object.keys(steps), spread: { ...steps }, json: JSON.stringify(steps), has: ['a' in steps, 'skipped' in steps, 'nope' in steps], entries: Object.entries(steps) }
      return (steps.a as number) + (steps.b as number)
    })
    const result = await createEngine().run(wf)
    expect(result).toMatchObject({ status: 'succeeded', output: 3 })
    expect(seen).toEqual({ keys: ['a', 'b'], spread: { a: 1, b: 2 }, json: '{"a":1,"b":2}', has: [true, false, false], entries: [['a', 1], ['b', 2]] })
  })

  it('is read-only, and returning it as the output gives a plain object', async () => {
    const wf = build((steps) => {
      expect(() => {
        ;(steps as Record<string, unknown>).a = 5
      }).toThrow(TypeError)
      return steps
    })
    const result = await createEngine().run(wf)
    if (result.status !== 'succeeded') throw new Error(`run ${result.status}`)
    expect(result.output).toEqual({ a: 1, b: 2 })
    expect(structuredClone(result.output)).toEqual({ a: 1, b: 2 }) // not a Proxy
  })
})
