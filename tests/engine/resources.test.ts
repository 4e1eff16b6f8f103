import fc from 'fast-check'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, defineWorkflow, memoryStore, SimulatedClock, WorkflowDefinitionError, workflow, type StepSpec } from '../../src/index.js'

describe('resource pools and per-key limits in the engine', () => {
  it('never exceeds a pool or a key limit, runs every step once, and replays (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ cpu: fc.integer({ min: 0, max: 4 }), gpu: fc.integer({ min: 0, max: 1 }), key: fc.constantFrom(undefined, 'db', 'api'), ms: fc.integer({ min: 1, max: 50 }), dep: fc.nat() }), { minLength: 1, maxLength: 30 }),
        async (specs) => {
          const use = { cpu: 0, gpu: 0, db: 0, api: 0 }
          const peak = { cpu: 0, gpu: 0, db: 0, api: 0 }
          const ran = new Map<string, number>()
          const steps: StepSpec[] = specs.map((s, i) => ({
            id: `s${i}`,
            needs: i > 0 && s.dep % 3 === 0 ? [`s${s.dep % i}`] : [],
            output: Type.Null(),
            resources: { cpu: s.cpu, gpu: s.gpu },
            ...(s.key === undefined ? {} : { concurrencyKey: s.key }),
            run: async (ctx: { sleep: (ms: number) => Promise<void> }) => {
              ran.set(`s${i}`, (ran.get(`s${i}`) ?? 0) + 1)
              use.cpu += s.cpu
              use.gpu += s.gpu
              if (s.key !== undefined) use[s.key as 'db' | 'api']++
              for (const k of Object.keys(use) as (keyof typeof use)[]) peak[k] = Math.max(peak[k], use[k])
              await ctx.sleep(s.ms)
              use.cpu -= s.cpu
              use.gpu -= s.gpu
              if (s.key !== undefined) use[s.key as 'db' | 'api']--
              return null
            },
          }))
          const wf = defineWorkflow({ id: 'pools', steps })
          const store = memoryStore()
          const engine = createEngine({ store, clock: new SimulatedClock(), pools: { cpu: 4, gpu: 1 }, limits: { db: 1, api: 2 } })
          const result = await engine.run(wf, undefined, { runId: 'r' })
          expect(result.status).toBe('succeeded')
          expect(peak.cpu).toBeLessThanOrEqual(4)
          expect(peak.gpu).toBeLessThanOrEqual(1)
          expect(peak.db).toBeLessThanOrEqual(1)
          expect(peak.api).toBeLessThanOrEqual(2)
          expect([...ran.values()].every((n) => n === 1) && ran.size === specs.length).toBe(true)
          await expect(engine.replay('r', wf)).resolves.toMatchObject({ segments: 1 })
        },
      ),
      { numRuns: 40 },
    )
  })

  it('a step asking more than a pool holds is a definition error at start, never a deadlock', () => {
    const wf = workflow('greedy').step('big', { output: Type.Null(), resources: { gpu: 2 }, run: () => null }).build()
    const engine = createEngine({ pools: { gpu: 1 } })
    expect(() => engine.start(wf)).toThrow(WorkflowDefinitionError)
    try {
      engine.start(wf)
    } catch (error) {
      expect((error as WorkflowDefinitionError).data.problems[0]).toMatchObject({ stepId: 'big', path: '/steps/0/resources/gpu' })
    }
  })

  it('pools constrain only what they name: a resource without a configured pool is unlimited', async () => {
    const wf = workflow('free').step('s', { output: Type.Null(), resources: { licences: 3 }, run: () => null }).build()
    expect((await createEngine().run(wf)).status).toBe('succeeded')
  })
})
