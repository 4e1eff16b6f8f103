import { Worker } from 'node:worker_threads'
import type { StepLogger } from '../workflow/index.js'
import { handlerPoolExecutor, poolConfig, type HandlerPoolOptions, type WorkerMessage } from './handler-pool.js'
import type { Executor } from './port.js'
import { workerSource } from './worker-source.js'

export type { HandlerRef } from './handler-pool.js'

/**
 * What a handler running in a worker thread or worker process receives (see
 * `workerThreadsExecutor`, `childProcessExecutor`). Everything crosses the boundary by
 * structured clone (so `input` and `deps` are copies); `random()` is a PRNG seeded by
 * `seed`, which the executor draws from the step's own seeded `ctx.random()` (so it is
 * reproducible per run, step and attempt); `signal` aborts when the attempt is cancelled and
 * the executor is in `abort: 'signal'` mode; `log` lines reach the engine as `step.log`.
 * The engine's clock (`now()`, `sleep()`) is not available in a worker.
 * @public
 */
export interface WorkerStepContext<I = unknown, D = Readonly<Record<string, unknown>>> {
  /** The workflow input. */
  readonly input: I
  /** Outputs of the step's needs. */
  readonly deps: D
  /** Attempt number, from 1. */
  readonly attempt: number
  /** Id of this step. */
  readonly stepId: string
  /** Id of the run. */
  readonly runId: string
  /** Id of the workflow. */
  readonly workflowId: string
  /** Stable per run and step (see `StepContext.idempotencyKey`). */
  readonly idempotencyKey: string
  /** 32-bit seed of `random()`. */
  readonly seed: number
  /** A float in [0, 1) from a PRNG seeded by `seed`. */
  random(): number
  /** Aborts when the attempt must stop (in `abort: 'signal'` mode; otherwise the thread is ended). */
  readonly signal: AbortSignal
  /** Structured logger, forwarded to the step's logger in the engine. */
  readonly log: StepLogger
  /** Reads a declared secret through the engine (see `StepContext.secret`). */
  secret(name: string): Promise<string>
  /** For an item of a map step: the item (a structured clone). */
  readonly item?: unknown
  /** For an item of a map step: its index in the list. */
  readonly index?: number
}

/**
 * A step handler for the worker-thread and child-process executors: export it from a module
 * and reference it with `meta.handler = { module, export }`.
 * @public
 */
export type WorkerHandler<I = unknown, D = Readonly<Record<string, unknown>>, O = unknown> = (ctx: WorkerStepContext<I, D>) => O | Promise<O>

/**
 * Options of {@link workerThreadsExecutor}.
 * @public
 */
export interface WorkerThreadsExecutorOptions extends HandlerPoolOptions {
  /**
   * Number of worker threads; each runs one step at a time. Threads start on demand and are
   * kept (unreferenced while idle, so they never keep the process alive).
   * @defaultValue `os.availableParallelism()`
   */
  readonly size?: number
  /**
   * What aborting a running attempt's `ctx.signal` does. `terminate`: the attempt rejects with
   * the signal's reason at once and its thread is ended and replaced (works for CPU-bound
   * handlers that never yield). `signal`: the attempt rejects at once and the handler's own
   * `ctx.signal` aborts; the thread is reused once the handler settles (for handlers that
   * clean up; one that ignores its signal keeps its thread busy).
   * @defaultValue `'terminate'`
   */
  readonly abort?: 'terminate' | 'signal'
  /**
   * Node options of each worker thread (e.g. `['--max-old-space-size=512']`).
   * @defaultValue the parent's `process.execArgv` (Node's default)
   */
  readonly execArgv?: readonly string[]
}

/**
 * Runs step handlers in a pool of `worker_threads`, so CPU-bound steps run in parallel. A step
 * names its handler by module and export (`meta.handler = { module, export }`, see
 * {@link HandlerRef}); inputs and outputs cross by structured clone. Attempts queue in FIFO
 * order when every thread is busy.
 *
 * Failures: a handler's thrown error rejects with an Error of the same name, message, stack,
 * `code` and `data` (class identity does not cross threads; a thrown non-Error value is passed
 * as is). A thread that dies under a step (`process.exit`, an error escaping the handler)
 * fails only that attempt with {@link WorkerCrashedError} and is replaced. A step without a
 * handler rejects with {@link InvalidHandlerError}. `close()` ends every thread; attempts still
 * queued or running reject with {@link ExecutorClosedError}.
 *
 * Handler modules may be JavaScript, or TypeScript when the `tsx` package is installed (loaded
 * through its `register()` API in each thread) — so it works from sources and from `dist`.
 * @example
 * ```ts
 * const engine = createEngine({ executor: workerThreadsExecutor({ size: 4 }) })
 * // resize.ts: export const resize: WorkerHandler<{ path: string }> = ({ input }) => …
 * wf.step('resize', { output, run: unreachable, meta: { handler: { module: '/abs/resize.js', export: 'resize' } } })
 * ```
 * @public
 */
export function workerThreadsExecutor(options: WorkerThreadsExecutorOptions = {}): Executor {
  const execArgv = options.execArgv === undefined ? undefined : [...options.execArgv]
  return handlerPoolExecutor({
    ...poolConfig('worker-threads', options),
    spawn(events) {
      const worker = new Worker(workerSource, { eval: true, ...(execArgv === undefined ? {} : { execArgv }) })
      worker.on('message', (message: WorkerMessage) => events.message(message))
      worker.on('error', (error) => events.uncaught(error))
      worker.on('exit', (code) => events.exit(code, null))
      return {
        id: worker.threadId,
        post: (message) => worker.postMessage(message),
        ref: () => worker.ref(),
        unref: () => worker.unref(),
        terminate: () => worker.terminate(),
      }
    },
  })
}
