import { WeftError } from '../errors/index.js'

/**
 * Data of a {@link WorkerCrashedError}.
 * @public
 */
export interface WorkerCrashedData {
  /** Step whose attempt was running in the worker. */
  readonly stepId: string
  /** Run of that step. */
  readonly runId: string
  /** `threadId` of the worker. */
  readonly threadId: number
  /** Exit code of the worker thread (`process.exit(code)` in the handler), or null when unknown. */
  readonly exitCode: number | null
  /** `exit`: the thread ended while the step ran; `uncaught`: an error escaped the handler (e.g. thrown from a timer). */
  readonly reason: 'exit' | 'uncaught'
}

/**
 * The worker thread running a step died (the handler called `process.exit`, or an error escaped
 * it outside its promise). Only that step's attempt fails; the pool replaces the worker. The
 * uncaught error, when there was one, is the `cause`.
 * @public
 */
export class WorkerCrashedError extends WeftError<WorkerCrashedData> {
  /** Stable code. */
  static readonly code = 'WEFT_WORKER_CRASHED'
  constructor(data: WorkerCrashedData, cause?: unknown) {
    super(
      WorkerCrashedError.code,
      `worker thread ${data.threadId} crashed while running step "${data.stepId}" of run "${data.runId}" (${data.reason === 'exit' ? `exit code ${String(data.exitCode)}` : 'uncaught error'})`,
      data,
      { cause },
    )
  }
}

/**
 * Data of an {@link InvalidHandlerError}.
 * @public
 */
export interface InvalidHandlerData {
  /** The step concerned. */
  readonly stepId: string
  /** The module specifier, when there was one. */
  readonly module?: string
  /** The export name, when there was one. */
  readonly export?: string
  /** What is wrong, in words. */
  readonly reason: string
}

/**
 * A step cannot run on the worker-thread executor: it has no handler reference
 * (`meta.handler = { module, export }`), the reference is malformed, the module cannot be
 * loaded, or the export is not a function. Never retried usefully: fix the definition.
 * @public
 */
export class InvalidHandlerError extends WeftError<InvalidHandlerData> {
  /** Stable code. */
  static readonly code = 'WEFT_INVALID_HANDLER'
  constructor(data: InvalidHandlerData, cause?: unknown) {
    super(InvalidHandlerError.code, `step "${data.stepId}" has no usable worker handler: ${data.reason}`, data, { cause })
  }
}

/**
 * The executor was closed: the task was queued or running when `close()` was called, or was
 * submitted after.
 * @public
 */
export class ExecutorClosedError extends WeftError<{ readonly stepId: string; readonly executor: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_EXECUTOR_CLOSED'
  constructor(data: { readonly stepId: string; readonly executor: string }) {
    super(ExecutorClosedError.code, `the ${data.executor} executor is closed (step "${data.stepId}")`, data)
  }
}
