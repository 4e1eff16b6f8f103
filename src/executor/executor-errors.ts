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
  /** `threadId` of the worker thread (worker-thread executor). */
  readonly threadId?: number
  /** Process id of the worker process (child-process executor). */
  readonly pid?: number
  /** Exit code of the worker (`process.exit(code)` in the handler), or null when unknown or ended by a signal. */
  readonly exitCode: number | null
  /** The signal that ended a worker process (e.g. `SIGKILL` from the OOM killer), when one did. */
  readonly signal?: string
  /** `exit`: the thread ended while the step ran; `uncaught`: an error escaped the handler (e.g. thrown from a timer). */
  readonly reason: 'exit' | 'uncaught'
}

/**
 * The worker thread or process running a step died (the handler called `process.exit`, an
 * error escaped it outside its promise, or the process was killed). Only that step's attempt
 * fails; the pool replaces the worker. The uncaught error, when there was one, is the `cause`.
 * @public
 */
export class WorkerCrashedError extends WeftError<WorkerCrashedData> {
  /** Stable code. */
  static readonly code = 'WEFT_WORKER_CRASHED'
  constructor(data: WorkerCrashedData, cause?: unknown) {
    super(
      WorkerCrashedError.code,
      `${data.pid === undefined ? `worker thread ${String(data.threadId)}` : `worker process ${data.pid}`} crashed while running step "${data.stepId}" of run "${data.runId}" (${crashHow(data)})`,
      data,
      { cause },
    )
  }
}

function crashHow(data: WorkerCrashedData): string {
  if (data.reason === 'uncaught') return 'uncaught error'
  return data.signal === undefined ? `exit code ${String(data.exitCode)}` : `killed by ${data.signal}`
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
 * A step cannot run on the worker-thread or child-process executor: it has no handler reference
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
