import { describe, expect, it } from 'vitest'
import { isJournaledData } from '../../src/contract/journaled-data.js'
import { StepStartedEvent, StepSucceededEvent } from '../../src/engine/step-records.js'

// The constructor-built step events must be indistinguishable from the literals they replace.
describe('step records', () => {
  it('equal the object literals: same keys in the same order, plain prototype, same JSON', () => {
    const started = new StepStartedEvent(3, 1_700_000_000_123, 'run-1', 's1', 2)
    const literal = { seq: 3, at: 1_700_000_000_123, runId: 'run-1', type: 'step.started', stepId: 's1', attempt: 2 }
    expect(started).toStrictEqual(literal)
    expect(Object.keys(started)).toEqual(Object.keys(literal))
    expect(Object.getPrototypeOf(started)).toBe(Object.prototype)
    expect(started.constructor).toBe(Object)
    expect(JSON.stringify(started)).toBe(JSON.stringify(literal))
    expect({ ...started }).toStrictEqual(literal)
    expect(isJournaledData(started)).toBe(true)

    const output = { v: [1, 'two', { three: true }] }
    const succeeded = new StepSucceededEvent(4, 5, 'run-1', 's1', 1, output)
    const succeededLiteral = { seq: 4, at: 5, runId: 'run-1', type: 'step.succeeded', stepId: 's1', attempt: 1, output }
    expect(succeeded).toStrictEqual(succeededLiteral)
    expect(Object.keys(succeeded)).toEqual(Object.keys(succeededLiteral))
    expect(Object.getPrototypeOf(succeeded)).toBe(Object.prototype)
    expect(JSON.stringify(succeeded)).toBe(JSON.stringify(succeededLiteral))
    expect(succeeded.output).toBe(output)
  })
})
