import { fileURLToPath } from 'node:url'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { childProcessExecutor, createEngine, defineWorkflow, inlineExecutor, workerThreadsExecutor, workflow } from '../../src/index.js'
import { hashChain } from './fixtures/worker-handlers.js'

const module = fileURLToPath(new URL('./fixtures/worker-handlers.ts', import.meta.url))
const unreachable = (): never => {
  throw new Error('runs in a worker')
}

describe.each([
  ['workerThreadsExecutor', () => workerThreadsExecutor({ size: 2 })],
  ['childProcessExecutor', () => childProcessExecutor({ size: 2 })],
])('%s in the engine', (_name, makeExecutor) => {
  it('runs a CPU-bound fan-out workflow; a crashing step fails the run with WorkerCrashedError', async () => {
    const shards = Array.from({ length: 6 }, (_, i) => ({
      id: `shard${i}`,
      output: Type.Object({ digest: Type.String(), threadId: Type.Integer() }),
      run: unreachable,
      meta: { handler: { module, export: 'cpuHash' } },
    }))
    const fanOut = defineWorkflow({
      id: 'fan-out',
      input: Type.Object({ seed: Type.String(), rounds: Type.Integer() }),
      steps: shards,
    })
    const executor = makeExecutor()
    const engine = createEngine({ executor })
    try {
      const result = await engine.run(fanOut, { seed: 'x', rounds: 500 })
      expect(result.status).toBe('succeeded')
      const outputs = Object.values(result.steps).map((s) => (s.output as { digest: string }).digest)
      expect(outputs).toEqual(shards.map(() => hashChain('x', 500)))

      const crashing = defineWorkflow({
        id: 'crashing',
        steps: [
          { id: 'ok', output: Type.Unknown(), run: unreachable, meta: { handler: { module, export: 'echo' } } },
          { id: 'dies', needs: ['ok'], output: Type.Unknown(), run: unreachable, meta: { handler: { module, export: 'exitHard' } } },
        ],
      })
      const failed = await engine.run(crashing)
      expect(failed.status).toBe('failed')
      expect(failed.steps['dies']).toMatchObject({ status: 'failed', error: { name: 'WorkerCrashedError', code: 'WEFT_WORKER_CRASHED', data: { stepId: 'dies', exitCode: 3 } } })
    } finally {
      await engine.close()
    }
  })
})

describe.each([
  ['workerThreadsExecutor', () => workerThreadsExecutor({ size: 1, withoutHandler: inlineExecutor() })],
  ['childProcessExecutor', () => childProcessExecutor({ size: 1, withoutHandler: inlineExecutor() })],
])('%s: a step with a handler and a compensation', (_name, makeExecutor) => {
  it('runs the compensation (a function) in the engine, not the handler again', async () => {
    const undone: unknown[] = []
    const saga = workflow('saga')
      .step('reserve', {
        output: Type.Unknown(),
        run: unreachable,
        meta: { handler: { module, export: 'echo' } },
        compensate: (_ctx, output) => void undone.push(output ?? 'no output'),
      })
      .step('pay', { needs: ['reserve'], output: Type.String(), run: () => { throw new Error('card declined') } })
      .build()
    const engine = createEngine({ executor: makeExecutor() })
    try {
      const result = await engine.run(saga)
      expect(result.status).toBe('compensated')
      expect(undone).toEqual(['no output'])
      expect(result.steps.reserve).toMatchObject({ status: 'succeeded', compensation: 'compensated' })
    } finally {
      await engine.close()
    }
  })
})
