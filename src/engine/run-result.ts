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
 * What computes each result's `steps`, until the first access, then the computed steps (see
 * {@link buildRunResult}). Not a member of the result: a hidden one would have to be defined
 * non-enumerable, which costs more than the lookup.
 */
const stepsOf = new WeakMap<object, (() => Record<string, StepResult>) | Record<string, StepResult>>()

/** The getter of every result's `steps`: computes them on first access. */
function stepsGetter(this: object): Record<string, StepResult> | undefined {
  const held = stepsOf.get(this)
  if (typeof held !== 'function') return held
  const steps = held()
  stepsOf.set(this, steps)
  return steps
}

/**
 * The descriptor of every result's `steps`. One getter for all results: V8 gives objects that
 * gain the same accessor the same map, where a getter of their own (a closure per run) turns each
 * result into a dictionary.
 */
const stepsProperty: PropertyDescriptor = { enumerable: true, get: stepsGetter }

/**
 * The result of a run from its final journal event; `steps` is computed on first access. Built
 * without spreads, from two literals (an output or an error): a spread copies from an object
 * whose map V8 drops at the next GC and the next run rebuilds.
 * @internal
 */
export function buildRunResult(runId: string, workflowId: string, startedAt: number, terminal: JournalEvent, steps: () => Record<string, StepResult>): RunResult {
  const endedAt = terminal.at
  let result: object
  if (terminal.type === 'run.succeeded') {
    result = { runId, workflowId, startedAt, endedAt, status: 'succeeded', output: terminal.output }
  } else {
    const [status, error] =
      terminal.type === 'run.failed' || terminal.type === 'run.compensated' || terminal.type === 'run.compensation-failed'
        ? [terminal.type.slice('run.'.length), terminal.error]
        : ['cancelled', serializeError(new CancelledError({ runId, reason: terminal.type === 'run.cancelled' ? terminal.reason : '' }))]
    result = { runId, workflowId, startedAt, endedAt, status, error }
  }
  stepsOf.set(result, steps)
  Object.defineProperty(result, 'steps', stepsProperty)
  return result as RunResult
}
