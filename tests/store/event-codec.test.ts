import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compile } from '../../src/contract/index.js'
import { JournalEventSchemas, type JournalEvent } from '../../src/journal/index.js'
import { sealDefinition, sealedDefinitionJson } from '../../src/journal/sealed-json.js'
import { StepStartedEvent, StepSucceededEvent } from '../../src/engine/step-records.js'
import { eventIssues, isPlainStepEvent, serializeBatch } from '../../src/store/event-codec.js'
import { InvalidEventError } from '../../src/store/store-errors.js'

const runId = 'run-1'
const schemaAccepts = (value: unknown): boolean => {
  const type = (value as { type?: unknown } | null)?.type
  return type === 'step.started' || type === 'step.succeeded' ? compile(JournalEventSchemas[type]).Check(value) : false
}

/** Values near and at the edges of what the two schemas accept. */
const anyValue = fc.oneof(
  fc.constantFrom(0, 1, 2, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, '', 's1', 'run-1', 'run-2', null, undefined, true, false, [], {}),
  fc.anything(),
)
const keys = ['type', 'seq', 'at', 'runId', 'stepId', 'attempt', 'output', 'simulated', 'fallback', 'extra'] as const
/** A valid step event with up to three members replaced by edge values or removed, as an object, an array or a null-prototype object. */
const near = fc
  .tuple(
    fc.constantFrom('step.started', 'step.succeeded'),
    fc.array(fc.tuple(fc.constantFrom(...keys), fc.option(anyValue, { nil: undefined }), fc.boolean()), { maxLength: 3 }),
    fc.constantFrom('object', 'array', 'null-prototype'),
  )
  .map(([type, changes, form]) => {
    const event: Record<string, unknown> = { seq: 2, at: 1_700_000_000_000, runId, type, stepId: 's1', attempt: 1, ...(type === 'step.succeeded' ? { output: { v: 1 } } : {}) }
    for (const [key, value, remove] of changes) {
      if (remove) delete event[key]
      else event[key] = value
    }
    return form === 'array' ? Object.assign([], event) : form === 'null-prototype' ? Object.assign(Object.create(null), event) : event
  })

describe('the hand-written check of step events', () => {
  it('accepts only what the schema accepts (random values at the edges)', () => {
    const counts = { fast: 0, schema: 0 }
    fc.assert(
      fc.property(near, (value) => {
        const fast = isPlainStepEvent(value, runId)
        if (fast) expect(schemaAccepts(value)).toBe(true)
        counts[fast ? 'fast' : 'schema']++
      }),
      { numRuns: 5000 },
    )
    // Both sides were exercised: many generated events pass the quick check, many do not.
    expect(counts.fast).toBeGreaterThan(500)
    expect(counts.schema).toBeGreaterThan(500)
  })

  it('accepts the events the engine writes, so that the schema check is skipped for them', () => {
    const started = new StepStartedEvent(3, 1_700_000_000_000, runId, 'fetch', 1)
    const succeeded = new StepSucceededEvent(4, 1_700_000_000_001, runId, 'fetch', 2, { v: 1 })
    const noOutput = new StepSucceededEvent(5, 1_700_000_000_001, runId, 'fetch', 1, undefined)
    for (const event of [started, succeeded, noOutput]) {
      expect(isPlainStepEvent(event, runId)).toBe(true)
      expect(schemaAccepts(event)).toBe(true)
    }
    // Another run's event, a flagged success and a bad attempt go to the schema check.
    expect(isPlainStepEvent(started, 'run-2')).toBe(false)
    expect(isPlainStepEvent({ ...succeeded, simulated: true }, runId)).toBe(false)
    expect(isPlainStepEvent({ ...started, attempt: 0 }, runId)).toBe(false)
  })

  it('leaves every problem of a rejected event to the schema check, which names them', () => {
    const bad = { seq: 1, at: 1, runId, type: 'step.started', stepId: '', attempt: 0 }
    expect(isPlainStepEvent(bad, runId)).toBe(false)
    expect(eventIssues(bad, runId).map((i) => i.path).sort()).toEqual(['/attempt', '/stepId'])
    expect(() => serializeBatch(runId, [bad as never])).toThrow(InvalidEventError)
  })
})

describe("a run.started event's sealed definition", () => {
  const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u2028', 'é', '\ud83d', 'a') }))
  const summary = fc.record(
    {
      input: text,
      output: text,
      steps: fc.array(fc.record({ id: text, needs: fc.array(text, { maxLength: 3 }), output: text }), { maxLength: 6 }),
    },
    { requiredKeys: ['input', 'steps'] },
  )
  const started = (definition: object, input: unknown = { n: 1 }): JournalEvent =>
    ({ seq: 1, at: 5, runId, type: 'run.started', workflowId: 'wf', version: '1', fingerprint: 'fp', input, seed: 7, definition }) as JournalEvent

  it('is serialized exactly as JSON.stringify would, sealed or not, last member or not', () => {
    fc.assert(
      fc.property(summary, fc.jsonValue(), fc.boolean(), (definition, input, sealFirst) => {
        const plain = started(structuredClone(definition), input)
        const sealed = started(sealDefinition(structuredClone(definition)), input)
        const notLast = { ...sealed, seed: 8 } as JournalEvent
        delete (notLast as { seed?: number }).seed
        ;(notLast as { seed?: number }).seed = 7 // `definition` no longer last: the seal is not used
        const batch = sealFirst ? [sealed, plain, notLast] : [plain, notLast, sealed]
        const jsons = serializeBatch(runId, batch.map((e, i) => ({ ...e, seq: i + 1 }) as JournalEvent))
        expect(jsons).toEqual(batch.map((e, i) => JSON.stringify({ ...e, seq: i + 1 })))
      }),
    )
  })

  it('still checks every other member of the event, and names what is wrong', () => {
    const definition = sealDefinition({ input: 'a', steps: [] })
    const bad = { ...started(definition), seed: 1.5, definition } as JournalEvent
    let caught: unknown
    try {
      serializeBatch(runId, [bad])
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(InvalidEventError)
    expect((caught as InvalidEventError).data.issues.map((issue) => issue.path)).toEqual(['/seed'])
  })

  it('seals only definition summaries', () => {
    expect(() => sealDefinition({ input: 'a' })).toThrow(TypeError)
    expect(() => sealDefinition({ input: 'a', steps: [{ id: 's1', needs: [1], output: 'b' }] })).toThrow(TypeError)
  })

  it('deep-freezes what it seals', () => {
    const definition = sealDefinition({ input: 'a', steps: [{ id: 's1', needs: ['s0'], output: 'b' }] })
    expect(Object.isFrozen(definition.steps[0]!.needs)).toBe(true)
    expect(sealedDefinitionJson(definition)).toBe(JSON.stringify(definition))
    expect(sealedDefinitionJson({ ...definition })).toBeUndefined()
  })
})
