import type { Executor, StepTask } from './port.js'

/**
 * Runs step bodies in the engine's own thread — no serialization, no overhead. The default.
 * @public
 */
export function inlineExecutor(): Executor {
  return new InlineExecutor()
}

/**
 * The inline executor's class: the engine recognizes it and calls plain steps' bodies itself,
 * exactly as {@link InlineExecutor.execute} would (two calls and an object less per step).
 * @internal
 */
export class InlineExecutor implements Executor {
  /** {@inheritDoc Executor.execute} */
  execute(task: StepTask): Promise<unknown> {
    return runBody(task.step, task.ctx)
  }
}

/**
 * Runs a step's body in this thread: its result as a promise, a synchronous throw as a rejection.
 * What {@link InlineExecutor.execute} does, callable without building a task.
 * @internal
 */
export function runBody(step: StepTask['step'], ctx: StepTask['ctx']): Promise<unknown> {
  try {
    const result = step.run(ctx)
    return result instanceof Promise ? result : Promise.resolve(result)
  } catch (error) {
    return Promise.reject(error)
  }
}
