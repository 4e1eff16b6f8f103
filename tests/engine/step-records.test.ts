import { describe, expect, it } from 'vitest'
import { isJournaledData } from '../../src/contract/journaled-data.js'
import { keepStepShapes, StepStartedEvent, StepSucceededEvent } from '../../src/engine/step-records.js'
import { runStartedEvent, type RunStartedFields } from '../../src/engine/run-started-record.js'
import { EventStandIns, standInValue } from '../../src/engine/stand-in.js'

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

describe('event stand-ins (src/engine/stand-in.ts)', () => {
  const fields: RunStartedFields = {
    seq: 1,
    at: 1_700_000_000_123,
    runId: 'run-secret-id',
    workflowId: 'wf',
    version: '3',
    fingerprint: 'f'.repeat(64),
    input: { token: 'input-data' },
    seed: 3_000_000_000,
    concurrency: Infinity,
    failurePolicy: 'failFast',
    parentRunId: undefined,
    dryRun: undefined,
    metadata: undefined,
    estimates: undefined,
    definition: { input: 'i', steps: [{ id: 'a', needs: [], output: 'o' }] },
  }

  it('run.started: the event has exactly the members given, in the journal order; absent options are left out', () => {
    const standIns = new EventStandIns()
    expect(Object.keys(runStartedEvent(fields, standIns))).toEqual(['seq', 'at', 'runId', 'type', 'workflowId', 'version', 'fingerprint', 'input', 'seed', 'failurePolicy', 'definition'])
    const full = runStartedEvent({ ...fields, concurrency: 4, parentRunId: 'p', dryRun: true, metadata: { team: 'x' }, estimates: { a: 2 } }, standIns)
    expect(full).toStrictEqual({ ...fields, type: 'run.started', concurrency: 4, parentRunId: 'p', dryRun: true, metadata: { team: 'x' }, estimates: { a: 2 } } as unknown)
    expect(Object.keys(full)).toEqual(['seq', 'at', 'runId', 'type', 'workflowId', 'version', 'fingerprint', 'input', 'seed', 'concurrency', 'failurePolicy', 'parentRunId', 'dryRun', 'metadata', 'estimates', 'definition'])
  })

  it('keep one stand-in per set of optional members, with the same members and none of the runs’ data', () => {
    const standIns = new EventStandIns()
    runStartedEvent(fields, standIns)
    runStartedEvent({ ...fields, runId: 'child', parentRunId: 'run-secret-id' }, standIns)
    runStartedEvent({ ...fields, runId: 'again' }, standIns)
    expect(standIns.runStarted.size).toBe(2)
    const [plain, child] = [...standIns.runStarted.values()]
    expect(Object.keys(plain!)).toEqual(Object.keys(runStartedEvent(fields, new EventStandIns())))
    expect(Object.keys(child!)).toContain('parentRunId')
    const kept = JSON.stringify([...standIns.runStarted.values()])
    for (const secret of ['run-secret-id', 'input-data', 'child', 'again', '"a"']) expect(kept).not.toContain(secret)

    keepStepShapes(standIns, 1_700_000_000_123, { token: 'output-data' })
    expect(Object.keys(standIns.stepStarted!)).toEqual(['seq', 'at', 'runId', 'type', 'stepId', 'attempt'])
    expect(Object.keys(standIns.stepSucceeded!)).toEqual(['seq', 'at', 'runId', 'type', 'stepId', 'attempt', 'output'])
    expect(JSON.stringify(standIns.stepSucceeded)).not.toContain('output-data')
  })

  it('a stand-in value is stored as its value is: small integers, other numbers, references', () => {
    expect(standInValue(7)).toBe(0)
    expect(standInValue(2 ** 31)).toBe(0.5)
    expect(standInValue(1.5)).toBe(0.5)
    expect(standInValue({ a: 1 })).toEqual({})
    expect(standInValue([1])).toEqual({})
    expect(standInValue('text')).toBe('')
    for (const constant of [undefined, null, true, false]) expect(standInValue(constant)).toBe(constant)
  })
})
