/**
 * Step handlers of the executor conformance suite. Each works with both the inline
 * `StepContext` and the worker-thread `WorkerStepContext` (they share these fields), so the
 * same handler is a step's `run` for in-process executors and its `meta.handler` for executors
 * that import it elsewhere.
 */

interface Ctx {
  readonly input: unknown
  readonly deps: Readonly<Record<string, unknown>>
  readonly stepId: string
  readonly runId: string
  readonly workflowId: string
  readonly attempt: number
  readonly idempotencyKey: string
  readonly signal: AbortSignal
  random(): number
  readonly log: { info(message: string, data?: Record<string, unknown>): void }
}

export function double({ input }: Ctx): number {
  return (input as number) * 2
}

export function sumDeps({ input, deps }: Ctx): number {
  return Object.values(deps).reduce<number>((sum, v) => sum + (v as number), input as number)
}

export async function later({ input }: Ctx): Promise<{ echoed: unknown; nested: { list: number[] } }> {
  await new Promise((resolve) => setImmediate(resolve))
  await Promise.resolve()
  return { echoed: input, nested: { list: [1, 2, 3] } }
}

export function boom({ input }: Ctx): never {
  throw new TypeError(`boom: ${String(input)}`)
}

export async function boomAsync({ input }: Ctx): Promise<never> {
  await new Promise((resolve) => setImmediate(resolve))
  throw Object.assign(new Error(`async boom: ${String(input)}`), { code: 'E_BOOM' })
}

export function throwString(): never {
  throw 'plain string' // eslint-disable-line no-throw-literal
}

export function context({ stepId, runId, workflowId, attempt, idempotencyKey }: Ctx): Record<string, unknown> {
  return { stepId, runId, workflowId, attempt, idempotencyKey }
}

export function draws({ random }: Ctx): number[] {
  return [random(), random(), random()]
}

export function logs({ log, input }: Ctx): string {
  log.info('working', { on: input })
  return 'logged'
}

/** Settles only when its signal aborts, rejecting with the signal's reason. */
export function waitForAbort({ signal }: Ctx): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}
