import { serializeError } from '../errors/index.js'
import type { JournalEvent } from '../journal/index.js'
import { CancelledError } from './engine-errors.js'
import type { SerializedError } from '../errors/index.js'

/**
 * How one step ended.
 * @public
 */
export interface StepResult {
  /** `not-run`: never started because the run stopped first. */
  readonly status: 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'not-run'
  /** Attempts started. */
  readonly attempts: number
  /** Output, when succeeded. */
  readonly output?: unknown
  /** Error of the last attempt, when failed or cancelled. */
  readonly error?: SerializedError
  /** Why the step was skipped or cancelled. */
  readonly reason?: string
  /** True when a dry run simulated the step instead of running its side effects. */
  readonly simulated?: true
  /** True when the output is the step's fallback. */
  readonly fallback?: true
  /** Self-healing actions taken: the rule's index and what followed. */
  readonly healed?: readonly { readonly rule: number; readonly then: string }[]
  /** For succeeded steps of a failed run that have a compensation: how it went. */
  readonly compensation?: 'compensated' | 'failed' | 'pending'
}

/** Fields every {@link RunResult} has. @public */
export interface RunResultBase {
  /** Run id. */
  readonly runId: string
  /** Workflow id. */
  readonly workflowId: string
  /** Every step's end, by step id (computed on first access). */
  readonly steps: Readonly<Record<string, StepResult>>
  /** Start time on the engine's clock (ms). */
  readonly startedAt: number
  /** End time on the engine's clock (ms). */
  readonly endedAt: number
}

/**
 * How a run ended. Narrow on `status` to reach `output` (succeeded) or `error` (failed,
 * cancelled). A run result is returned, not thrown: a failed workflow is a normal outcome.
 * @public
 */
export type RunResult<O = unknown> = RunResultBase &
  (
    | { readonly status: 'succeeded'; readonly output: O }
    | { readonly status: 'failed'; readonly error: SerializedError }
    | { readonly status: 'cancelled'; readonly error: SerializedError }
    /** The run failed and every compensation of its succeeded steps ran. */
    | { readonly status: 'compensated'; readonly error: SerializedError }
    /** The run failed and at least one compensation failed for good. */
    | { readonly status: 'compensation-failed'; readonly error: SerializedError }
  )

/**
 * The result of a run from its final journal event; `steps` is computed on first access.
 * @internal
 */
export function buildRunResult(runId: string, workflowId: string, startedAt: number, terminal: JournalEvent, steps: () => Record<string, StepResult>): RunResult {
  const base = { runId, workflowId, startedAt, endedAt: terminal.at }
  let computed: Record<string, StepResult> | undefined
  const result =
    terminal.type === 'run.succeeded'
      ? { ...base, status: 'succeeded' as const, output: terminal.output }
      : terminal.type === 'run.failed'
        ? { ...base, status: 'failed' as const, error: terminal.error }
        : terminal.type === 'run.compensated'
          ? { ...base, status: 'compensated' as const, error: terminal.error }
          : terminal.type === 'run.compensation-failed'
            ? { ...base, status: 'compensation-failed' as const, error: terminal.error }
            : { ...base, status: 'cancelled' as const, error: serializeError(new CancelledError({ runId, reason: terminal.type === 'run.cancelled' ? terminal.reason : '' })) }
  Object.defineProperty(result, 'steps', {
    enumerable: true,
    get() {
      computed ??= steps()
      return computed
    },
  })
  return result as RunResult
}
