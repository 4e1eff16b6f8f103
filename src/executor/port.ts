import type { StepContext, StepDefinition } from '../workflow/index.js'

/**
 * One attempt of one step, handed to an {@link Executor}.
 * @public
 */
export interface StepTask {
  /** The step's definition (its `run` body among it). */
  readonly step: StepDefinition
  /** The context to call the body with; `ctx.signal` aborts when the attempt must stop. */
  readonly ctx: StepContext<unknown, Readonly<Record<string, unknown>>>
  /**
   * What runs: the step body, or its compensation (then `step.run` is the compensation), or one
   * item of a map step (then `step.run` is the item body, `ctx` a `MapItemContext`).
   * @defaultValue `'run'`
   */
  readonly kind?: 'run' | 'compensate' | 'heal' | 'fallback' | 'item'
  /** For `kind: 'item'`: the item's index in its map step. */
  readonly item?: number
}

/**
 * The executor port: runs step bodies. Resolves with the body's output or rejects with its
 * error; the engine checks contracts, journals and retries. Every executor passes the shared
 * conformance suite (`tests/conformance/executor.ts`).
 * @public
 */
export interface Executor {
  /** Runs one attempt. Must not throw synchronously. */
  execute(task: StepTask): Promise<unknown>
  /** Releases resources (threads, processes). */
  close?(): Promise<void>
}
