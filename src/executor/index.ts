/**
 * The executor port and its implementations: inline (same thread, the default), a pool of
 * worker threads for CPU-bound steps, and a pool of child processes for isolation.
 * @packageDocumentation
 */
export type { Executor, StepTask } from './port.js'
export { inlineExecutor } from './inline-executor.js'
export {
  workerThreadsExecutor,
  type HandlerRef,
  type WorkerHandler,
  type WorkerStepContext,
  type WorkerThreadsExecutorOptions,
} from './worker-threads-executor.js'
export { childProcessExecutor, type ChildProcessExecutorOptions } from './child-process-executor.js'
export type { HandlerPoolOptions } from './handler-pool.js'
export { ExecutorClosedError, InvalidHandlerError, WorkerCrashedError, type InvalidHandlerData, type WorkerCrashedData } from './executor-errors.js'
