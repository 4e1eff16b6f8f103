import fc from 'fast-check'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { simulate } from '../../src/plan/index.js'
import { createEngine, defineWorkflow, InvalidArgumentError, isWeftError, WorkflowDefinitionError, type StepSpec, type Workflow } from '../../src/index.js'

const out = Type.Null()
const run = (): null => null

function wf(steps: readonly Omit<StepSpec, 'output' | 'run'>[]): Workflow {
  return defineWorkflow({ id: 'sim', steps: steps.map((s) => ({ output: out, run, ...s })) })
}

/** a(2) → b(3), c(5) → d(1) */
const diamond = wf([
  { id: 'a', estimate: 2 },
  { id: 'b', needs: ['a'], estimate: 3 },
  { id: 'c', needs: ['a'], estimate: 5 },
  { id: 'd', needs: ['b', 'c'], estimate: 1 },
])

describe('simulate', () => {
  it('unlimited concurrency: every step starts when its last need ends', () => {
    const sim = simulate(diamond)
    expect(sim.timeline).toEqual([
      { id: 'a', start: 0, end: 2 },
      { id: 'c', start: 2, end: 7 }, // longer chain first
      { id: 'b', start: 2, end: 5 },
      { id: 'd', start: 7, end: 8 },
    ])
    expect(sim.makespan).toBe(8)
    expect(sim.criticalPath).toEqual({ steps: ['a', 'c', 'd'], total: 8 })
    expect(sim.peakParallelism).toBe(2)
    expect(sim.order).toEqual(['a', 'c', 'b', 'd'])
  })

  it('concurrency 1 gives the serial order and the total', () => {
    const sim = simulate(diamond, { concurrency: 1 })
    expect(sim.timeline).toEqual([
      { id: 'a', start: 0, end: 2 },
      { id: 'c', start: 2, end: 7 },
      { id: 'b', start: 7, end: 10 },
      { id: 'd', start: 10, end: 11 },
    ])
    expect(sim.makespan).toBe(11)
    expect(sim.peakParallelism).toBe(1)
  })

  it('priority outranks the critical path', () => {
    const sim = simulate(
      wf([
        { id: 'long', estimate: 10 },
        { id: 'urgent', estimate: 1, priority: 5 },
      ]),
      { concurrency: 1 },
    )
    expect(sim.order).toEqual(['urgent', 'long'])
    expect(sim.makespan).toBe(11)
  })

  it('resource pools: a step waits for its pool; smaller steps backfill meanwhile', () => {
    const sim = simulate(
      wf([
        { id: 'x', estimate: 4, resources: { gpu: 1 } },
        { id: 'y', estimate: 4, resources: { gpu: 1 } },
        { id: 'z', estimate: 1 },
      ]),
      { pools: { gpu: 1 } },
    )
    expect(sim.timeline).toEqual([
      { id: 'x', start: 0, end: 4 },
      { id: 'z', start: 0, end: 1 },
      { id: 'y', start: 4, end: 8 },
    ])
    expect(sim.makespan).toBe(8)
    expect(sim.peakParallelism).toBe(2)
  })

  it('reads resources and concurrency keys where the engine does: meta is free-form and limits nothing', async () => {
    const steps = [
      { id: 'q1', estimate: 3, meta: { concurrencyKey: 'db' } },
      { id: 'q2', estimate: 3, meta: { concurrencyKey: 'db' } },
      { id: 'big', estimate: 2, meta: { resources: { cpu: 4 } } },
      { id: 'small', estimate: 2, meta: { resources: { cpu: 1 } } },
    ]
    const options = { pools: { cpu: 4 }, limits: { db: 1 } }
    const sim = simulate(wf(steps), options)
    expect(sim.peakParallelism).toBe(4)
    expect(sim.makespan).toBe(3)
    // The engine, with the same pools and limits, runs the four at once too.
    let running = 0
    let peak = 0
    const body = async (): Promise<null> => {
      peak = Math.max(peak, ++running)
      await new Promise((resolve) => setImmediate(resolve))
      running--
      return null
    }
    const live = defineWorkflow({ id: 'sim', steps: steps.map((s) => ({ ...s, output: out, run: body })) })
    const result = await createEngine(options).run(live)
    expect(result.status).toBe('succeeded')
    expect(peak).toBe(4)
    // Declared as options, the same demands do limit both.
    const declared = wf([
      { id: 'q1', estimate: 3, concurrencyKey: 'db' },
      { id: 'q2', estimate: 3, concurrencyKey: 'db' },
      { id: 'big', estimate: 2, resources: { cpu: 4 } },
      { id: 'small', estimate: 2, resources: { cpu: 1 } },
    ])
    expect(simulate(declared, options).timeline).toEqual([
      { id: 'q1', start: 0, end: 3 },
      { id: 'big', start: 0, end: 2 },
      { id: 'small', start: 2, end: 4 },
      { id: 'q2', start: 3, end: 6 },
    ])
  })

  it('a step asking for more than a pool holds is a definition error, not a deadlock', () => {
    const greedy = wf([
      { id: 'ok', resources: { gpu: 1 } },
      { id: 'greedy', resources: { gpu: 3 } },
      { id: 'free', resources: { tpu: 1 } },
    ])
    let error: unknown
    try {
      simulate(greedy, { pools: { gpu: 2 } })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(WorkflowDefinitionError)
    expect(isWeftError(error, 'WEFT_WORKFLOW_DEFINITION')).toBe(true)
    expect((error as WorkflowDefinitionError).data.problems).toEqual([
      { path: '/steps/1/resources/gpu', code: 'invalid-option', stepId: 'greedy', message: 'step "greedy" asks 3 of pool "gpu", which holds 2' },
    ])
  })

  it('a resource no pool names is not limited, as in the engine: simulating needs no pools', () => {
    const gpuSteps = wf([
      { id: 'a', estimate: 4, resources: { gpu: 2 } },
      { id: 'b', estimate: 4, resources: { gpu: 2 } },
      { id: 'c', estimate: 1, needs: ['a'] },
    ])
    const sim = simulate(gpuSteps)
    expect(sim.timeline).toEqual([
      { id: 'a', start: 0, end: 4 },
      { id: 'b', start: 0, end: 4 },
      { id: 'c', start: 4, end: 5 },
    ])
    expect(simulate(gpuSteps, { pools: { gpu: 2 } }).makespan).toBe(8) // named: a and b take turns
  })

  it('rejects invalid options', () => {
    expect(() => simulate(diamond, { concurrency: 0 })).toThrow('Expected `concurrency` to be an integer from 1 and up (or Infinity), got `0 (number)`')
    expect(() => simulate(diamond, { pools: { cpu: -1 }, limits: { db: 0 } })).toThrow(
      'Expected `pools` and `limits` to be valid (pool "cpu" must hold a number ≥ 0, got `-1` (number); limit "db" must be an integer ≥ 1 or Infinity, got `0` (number)), got `{"pools":{"cpu":-1},"limits":{"db":0}} (object)`',
    )
    expect(() => simulate({} as never)).toThrow(InvalidArgumentError)
  })

  it('an empty-ish workflow: one step of estimate 0', () => {
    const sim = simulate(wf([{ id: 'now', estimate: 0 }]))
    expect(sim).toMatchObject({ makespan: 0, peakParallelism: 1, order: ['now'], criticalPath: { steps: ['now'], total: 0 } })
  })
})

describe('simulate on random DAGs (property)', () => {
  const dag = fc.integer({ min: 1, max: 40 }).chain((n) =>
    fc.record({
      estimates: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: n, maxLength: n }),
      needs: fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n }),
      priorities: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
    }),
  )
  const build = (d: { estimates: number[]; needs: number[][]; priorities: number[] }): Workflow =>
    wf(d.estimates.map((estimate, i) => ({ id: `s${i}`, estimate, priority: d.priorities[i], needs: i === 0 ? [] : [...new Set(d.needs[i]!.map((j) => `s${j % i}`))] })))

  it('unlimited concurrency: makespan = critical path; concurrency 1: makespan = sum of estimates', () => {
    fc.assert(
      fc.property(dag, (d) => {
        const w = build(d)
        const free = simulate(w)
        expect(free.makespan).toBe(free.criticalPath.total)
        const serial = simulate(w, { concurrency: 1 })
        expect(serial.makespan).toBe(d.estimates.reduce((a, b) => a + b, 0))
        expect(serial.peakParallelism).toBe(d.estimates.length > 0 ? 1 : 0)
      }),
      { numRuns: 200 },
    )
  })

  it('any concurrency: needs end before a step starts, every step once, bounds hold', () => {
    fc.assert(
      fc.property(dag, fc.integer({ min: 1, max: 6 }), (d, concurrency) => {
        const w = build(d)
        const sim = simulate(w, { concurrency })
        const at = new Map(sim.timeline.map((s) => [s.id, s]))
        expect(at.size).toBe(w.steps.length)
        for (const step of w.steps) {
          const s = at.get(step.id)!
          expect(s.end - s.start).toBe(step.estimate ?? 1)
          for (const need of step.needs) expect(at.get(need)!.end).toBeLessThanOrEqual(s.start)
        }
        expect(sim.peakParallelism).toBeLessThanOrEqual(concurrency)
        expect(sim.makespan).toBeGreaterThanOrEqual(sim.criticalPath.total)
        expect(sim.makespan).toBeLessThanOrEqual(d.estimates.reduce((a, b) => a + b, 0))
        // at no instant do more than `concurrency` steps overlap
        for (const s of sim.timeline) {
          const overlapping = sim.timeline.filter((o) => o.start <= s.start && s.start < o.end && o.end > o.start).length
          expect(overlapping).toBeLessThanOrEqual(concurrency)
        }
        expect(simulate(w, { concurrency })).toEqual(sim) // deterministic
      }),
      { numRuns: 200 },
    )
  })
})
