import { fileURLToPath, pathToFileURL } from 'node:url'
import Type from 'typebox'
import { mulberry32, type HandlerRef, type StepDefinition, type StepTask } from '../../src/index.js'

/** Test helpers shared by the worker-thread and child-process executor tests. */
export const handlers = fileURLToPath(new URL('./fixtures/worker-handlers.ts', import.meta.url))
export const plain = pathToFileURL(fileURLToPath(new URL('./fixtures/plain.mjs', import.meta.url))).href

let seq = 0
export function task(handler: Partial<HandlerRef> | string | undefined, input?: unknown, options: { signal?: AbortSignal; meta?: Record<string, unknown> } = {}): StepTask {
  const stepId = `step${++seq}`
  const ref = typeof handler === 'string' ? { module: handlers, export: handler } : handler
  const step: StepDefinition = {
    id: stepId,
    index: 0,
    needs: [],
    output: Type.Unknown(),
    run: () => {
      throw new Error('not run in this thread')
    },
    priority: 0,
    meta: options.meta ?? (ref === undefined ? {} : { handler: ref }),
  }
  const silent = (): void => {}
  return {
    step,
    ctx: {
      input,
      deps: {},
      runId: 'run-w',
      workflowId: 'wf',
      stepId,
      attempt: 1,
      signal: options.signal ?? new AbortController().signal,
      idempotencyKey: `run-w:${stepId}`,
      now: () => 0,
      random: mulberry32(seq),
      sleep: () => Promise.resolve(),
      log: { debug: silent, info: silent, warn: silent, error: silent },
      secret: (name: string) => Promise.reject(new Error(`no secret ${name}`)),
    },
  }
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`)
    },
    (error: unknown) => error,
  )
}
