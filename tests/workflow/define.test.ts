import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { defineWorkflow, workflow, WorkflowDefinitionError, type DefinitionProblem } from '../../src/index.js'

const out = Type.Object({ ok: Type.Boolean() })
const run = () => ({ ok: true })

function problemsOf(fn: () => unknown): DefinitionProblem[] {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowDefinitionError)
    return [...(error as WorkflowDefinitionError).data.problems]
  }
  throw new Error('expected a WorkflowDefinitionError')
}

describe('defineWorkflow validation', () => {
  it('reports every problem at once, each with its path', () => {
    const problems = problemsOf(() =>
      defineWorkflow({
        id: 'bad id!',
        input: 'nope',
        steps: [
          { id: 'a', needs: ['ghost'], output: out, run },
          { id: 'a', needs: ['phantom', 'b'], output: out, run },
          { id: '', needs: ['wraith'], output: out, run },
          { id: 'b', needs: ['b'], output: 42, run },
          { id: 'c', output: out, run: 'not a function', estimate: -1, priority: 'high' },
        ],
      }),
    )
    const byCode = problems.map((p) => `${p.code} ${p.path}`)
    expect(byCode).toEqual(
      expect.arrayContaining([
        'invalid-id /id',
        'invalid-contract /input',
        'unknown-need /steps/0/needs/0',
        'duplicate-step /steps/1/id',
        // steps left out of the graph still have their needs checked (a known one is fine)
        'unknown-need /steps/1/needs/0',
        'invalid-id /steps/2/id',
        'unknown-need /steps/2/needs/0',
        'self-dependency /steps/3/needs/0',
        'invalid-contract /steps/3/output',
        'invalid-option /steps/4/run',
        'invalid-option /steps/4/estimate',
        'invalid-option /steps/4/priority',
      ]),
    )
    expect(problems).toHaveLength(12)
    expect(problems.find((p) => p.path === '/steps/2/needs/0')?.message).toBe('step at /steps/2 needs unknown step "wraith"')
  })

  it('shows odd option values as they are, never failing on them (bigint, NaN, Infinity, symbol)', () => {
    const problems = problemsOf(() =>
      defineWorkflow({
        id: 'odd',
        steps: [
          { id: 'a', output: out, run, priority: 1n, estimate: Symbol('soon'), timeout: Number.NaN, retry: { attempts: 2n }, resources: { cpu: Number.POSITIVE_INFINITY } },
        ],
      } as never),
    )
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual(
      expect.arrayContaining([
        "/steps/0/priority: priority must be a finite number, got 1n",
        "/steps/0/estimate: estimate must be a non-negative duration (ms or '30s', '5m', '46h'), got Symbol(soon)",
        "/steps/0/timeout: timeout must be a positive duration (ms or '30s', '5m'), got NaN",
        '/steps/0/retry/attempts: retry.attempts must be an integer from 1 and up, got 2n',
        '/steps/0/resources/cpu: resources.cpu must be a non-negative number, got Infinity',
      ]),
    )
    expect(problems).toHaveLength(5)
  })

  it('reports a cycle with its path', () => {
    const problems = problemsOf(() =>
      defineWorkflow({
        id: 'cyclic',
        steps: [
          { id: 'a', needs: ['c'], output: out, run },
          { id: 'b', needs: ['a'], output: out, run },
          { id: 'c', needs: ['b'], output: out, run },
          { id: 'd', output: out, run },
        ],
      }),
    )
    expect(problems).toHaveLength(1)
    const cycle = problems[0]!.cycle!
    expect(problems[0]!.code).toBe('cycle')
    expect(cycle[0]).toBe(cycle[cycle.length - 1])
    expect(new Set(cycle)).toEqual(new Set(['a', 'b', 'c']))
  })

  it('rejects an empty workflow', () => {
    expect(problemsOf(() => defineWorkflow({ id: 'e', steps: [] })).map((p) => p.code)).toEqual(['empty-workflow'])
  })

  it('the typed builder validates at run time too', () => {
    const b = workflow('w').step('a', { output: out, run })
    // Bypass the compile-time check the way JS callers would.
    const untyped = b as unknown as { step(id: string, o: object): typeof b }
    expect(problemsOf(() => untyped.step('z', { needs: ['nope'], output: out, run }).build()).map((p) => p.code)).toEqual(['unknown-need'])
  })

  it('produces an immutable workflow with a stable fingerprint', () => {
    const make = () =>
      workflow('fp', { version: '2', input: Type.Object({ x: Type.Number() }) })
        .step('a', { output: out, run, estimate: '5m' })
        .step('b', { needs: ['a'], output: out, run: () => ({ ok: false }) })
        .build()
    const one = make()
    const two = make()
    expect(one.fingerprint).toMatch(/^[0-9a-f]{32}$/)
    expect(one.fingerprint).toBe(two.fingerprint)
    expect(Object.isFrozen(one)).toBe(true)
    expect(Object.isFrozen(one.steps[0])).toBe(true)
    expect(one.steps[0]!.estimate).toBe(300_000)
    const changed = workflow('fp', { version: '2', input: Type.Object({ x: Type.Number() }) })
      .step('a', { output: Type.Object({ ok: Type.String() }), run: () => ({ ok: 'y' }), estimate: '5m' })
      .step('b', { needs: ['a'], output: out, run })
      .build()
    expect(changed.fingerprint).not.toBe(one.fingerprint)
  })
})
