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

describe('the JSON of step events', () => {
  const text = fc.oneof(fc.string({ minLength: 1 }), fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u2028', 'é', '\ud83d', 'a'), minLength: 1 }))
  const number = fc.oneof(fc.integer({ min: 1, max: 2 ** 53 - 1 }), fc.constantFrom(1, 2 ** 31, 2 ** 53 - 1))
  const at = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 0, 1e21, 1e-7, 1_700_000_000_000))
  const dated = { toJSON: (key: string) => `key:${key}` }
  const output = fc.oneof(fc.jsonValue(), fc.anything(), fc.constantFrom(undefined, () => 1, Symbol('s'), dated, [dated], { d: new Date(0) }))
  /** Engine-built events, and literals changed the ways a store may be handed them. */
  const event = fc
    .tuple(fc.boolean(), number, at, text, number, output, fc.constantFrom('engine', 'literal', 'reordered', 'extra', 'inherited', 'toJSON', 'inherited toJSON'))
    .map(([started, seq, time, stepId, attempt, out, form]) => {
      const built: Record<string, unknown> = started ? new StepStartedEvent(seq, time, runId, stepId, attempt) : new StepSucceededEvent(seq, time, runId, stepId, attempt, out)
      if (form === 'engine') return built
      const literal: Record<string, unknown> = { ...built }
      if (form === 'reordered') return { type: literal.type, ...literal }
      if (form === 'extra') return { ...literal, note: 'x' }
      if (form === 'inherited') return Object.assign(Object.create({ inherited: 1 }), literal)
      if (form === 'toJSON') return { ...literal, toJSON: () => ({ replaced: true }) }
      // Not enumerable, so for…in does not list it; JSON.stringify still calls it.
      if (form === 'inherited toJSON') return Object.assign(Object.create(Object.defineProperty({}, 'toJSON', { value: () => ({ replaced: true }) })), literal)
      return literal
    })

  it('is what JSON.stringify writes, character for character, for every event the quick check accepts', () => {
    let quick = 0
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 5 }), (events) => {
        const batch = events.map((e, i) => ({ ...e, seq: i + 1 }))
        // Spreading keeps the member order; put back what spreading drops (inherited members).
        events.forEach((e, i) => Object.setPrototypeOf(batch[i]!, Object.getPrototypeOf(e)))
        const accepted = batch.filter((e) => isPlainStepEvent(e, runId))
        quick += accepted.length
        let jsons: string[] | undefined
        try {
          jsons = serializeBatch(runId, accepted as unknown as JournalEvent[])
        } catch (error) {
          // Only what JSON.stringify itself refuses (a BigInt somewhere in an output).
          expect(() => accepted.map((e) => JSON.stringify(e))).toThrow()
          return
        }
        expect(jsons).toEqual(accepted.map((e) => JSON.stringify(e)))
      }),
      { numRuns: 2000 },
    )
    expect(quick).toBeGreaterThan(1000)
  })

  it('keeps the bytes of an output whose toJSON sees its key', () => {
    const event = new StepSucceededEvent(1, 5, runId, 's1', 1, dated)
    expect(serializeBatch(runId, [event])).toEqual([JSON.stringify(event)])
    expect(JSON.parse(serializeBatch(runId, [event])[0]!).output).toBe('key:output')
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
