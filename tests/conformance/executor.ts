import { fileURLToPath } from 'node:url'
import Type from 'typebox'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hash32, mulberry32, type Executor, type StepDefinition, type StepLogger, type StepTask } from '../../src/index.js'
import * as handlers from './executor-handlers.js'

type HandlerName = keyof typeof handlers

const handlersModule = fileURLToPath(new URL('./executor-handlers.ts', import.meta.url))

/** Options of one conformance task. */
export interface TaskOptions {
  readonly input?: unknown
  readonly deps?: Readonly<Record<string, unknown>>
  readonly stepId?: string
  readonly attempt?: number
  readonly signal?: AbortSignal
  readonly log?: StepLogger
}

/**
 * A step task running one of the conformance handlers: `step.run` is the handler itself and
 * `step.meta.handler` references it by module and export, so every kind of executor can run it.
 */
export function conformanceTask(name: HandlerName, options: TaskOptions = {}): StepTask {
  const stepId = options.stepId ?? name
  const run = handlers[name] as unknown as StepDefinition['run']
  const step: StepDefinition = {
    id: stepId,
    index: 0,
    needs: Object.keys(options.deps ?? {}),
    output: Type.Unknown(),
    run,
    priority: 0,
    meta: { handler: { module: handlersModule, export: name } },
  }
  const silent = (): void => {}
  return {
    step,
    ctx: {
      input: options.input,
      deps: options.deps ?? {},
      runId: 'run-1',
      workflowId: 'conformance',
      stepId,
      attempt: options.attempt ?? 1,
      signal: options.signal ?? new AbortController().signal,
      idempotencyKey: `run-1:${stepId}`,
      now: () => 0,
      random: mulberry32(hash32(stepId, 42)),
      sleep: () => Promise.resolve(),
      log: options.log ?? { debug: silent, info: silent, warn: silent, error: silent },
      secret: (name: string) => Promise.reject(new Error(`no secret ${name}`)),
    },
  }
}

/**
 * The executor conformance suite: every `Executor` must pass it. `make` returns a fresh
 * executor for each test; the suite closes it afterwards.
 */
export function executorConformance(name: string, make: () => Executor | Promise<Executor>): void {
  describe(`Executor conformance: ${name}`, () => {
    let executor: Executor
    beforeEach(async () => {
      executor = await make()
    })
    afterEach(async () => {
      await executor.close?.()
    })

    it('resolves with the body result', async () => {
      await expect(executor.execute(conformanceTask('double', { input: 21 }))).resolves.toBe(42)
    })

    it('passes input, deps and the run identity to the body', async () => {
      await expect(executor.execute(conformanceTask('sumDeps', { input: 1, deps: { a: 2, b: 3 } }))).resolves.toBe(6)
      await expect(executor.execute(conformanceTask('context', { stepId: 'who', attempt: 3 }))).resolves.toEqual({
        stepId: 'who',
        runId: 'run-1',
        workflowId: 'conformance',
        attempt: 3,
        idempotencyKey: 'run-1:who',
      })
    })

    it('resolves with asynchronous results, structured data intact', async () => {
      await expect(executor.execute(conformanceTask('later', { input: { a: [1, { b: 'c' }] } }))).resolves.toEqual({
        echoed: { a: [1, { b: 'c' }] },
        nested: { list: [1, 2, 3] },
      })
    })

    it('rejects with the thrown error, name and message preserved', async () => {
      const error = await executor.execute(conformanceTask('boom', { input: 7 })).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(Error)
      expect(error).toMatchObject({ name: 'TypeError', message: 'boom: 7' })
    })

    it('rejects with an asynchronous error, message and code preserved', async () => {
      await expect(executor.execute(conformanceTask('boomAsync', { input: 'x' }))).rejects.toMatchObject({ message: 'async boom: x', code: 'E_BOOM' })
    })

    it('rejects with a thrown non-Error value as is', async () => {
      await expect(executor.execute(conformanceTask('throwString'))).rejects.toBe('plain string')
    })

    it('never throws synchronously', () => {
      let pending: Promise<unknown> | undefined
      expect(() => {
        pending = executor.execute(conformanceTask('boom', { input: 1 }))
      }).not.toThrow()
      return expect(pending).rejects.toThrow('boom: 1')
    })

    it('runs many concurrent tasks, each with its own result', async () => {
      const results = await Promise.all(Array.from({ length: 64 }, (_, i) => executor.execute(conformanceTask(i % 2 === 0 ? 'double' : 'later', { input: i, stepId: `s${i}` }))))
      results.forEach((result, i) => expect(result).toEqual(i % 2 === 0 ? i * 2 : { echoed: i, nested: { list: [1, 2, 3] } }))
    })

    it('gives the body a seeded random(): same step, same draws', async () => {
      const a = (await executor.execute(conformanceTask('draws', { stepId: 'dice' }))) as number[]
      const b = (await executor.execute(conformanceTask('draws', { stepId: 'dice' }))) as number[]
      expect(a).toEqual(b)
      for (const x of a) expect(x >= 0 && x < 1).toBe(true)
      expect(new Set(a).size).toBe(3)
    })

    it("forwards the body's log lines", async () => {
      const lines: unknown[] = []
      const silent = (): void => {}
      const log: StepLogger = { debug: silent, warn: silent, error: silent, info: (message, data) => lines.push([message, data]) }
      await expect(executor.execute(conformanceTask('logs', { input: 5, log }))).resolves.toBe('logged')
      expect(lines).toEqual([['working', { on: 5 }]])
    })

    it("rejects with the signal's reason when the attempt is aborted; other tasks are unaffected", async () => {
      const controller = new AbortController()
      const aborted = executor.execute(conformanceTask('waitForAbort', { signal: controller.signal }))
      const others = Array.from({ length: 4 }, (_, i) => executor.execute(conformanceTask('later', { input: i, stepId: `o${i}` })))
      await new Promise((resolve) => setImmediate(resolve))
      const reason = new Error('stop now')
      controller.abort(reason)
      await expect(aborted).rejects.toBe(reason)
      await expect(Promise.all(others)).resolves.toHaveLength(4)
      // the executor keeps working after an abort
      await expect(executor.execute(conformanceTask('double', { input: 4 }))).resolves.toBe(8)
    })

    it('rejects a task whose signal is already aborted', async () => {
      const reason = new Error('too late')
      await expect(executor.execute(conformanceTask('waitForAbort', { signal: AbortSignal.abort(reason) }))).rejects.toBe(reason)
    })

    it('close() resolves (and can be called twice)', async () => {
      await executor.close?.()
      await executor.close?.()
    })
  })
}
