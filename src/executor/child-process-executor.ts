import { spawn as spawnProcess } from 'node:child_process'
import { handlerPoolExecutor, poolConfig, type HandlerPoolOptions, type WorkerMessage } from './handler-pool.js'
import type { Executor } from './port.js'
import { workerSource } from './worker-source.js'

/**
 * A worker process's command line: it evaluates the worker source sent as its first message
 * (so `ps` shows this line, not the whole source). Indirect eval runs it in the global scope,
 * where `node -e` defines `require`.
 */
const BOOTSTRAP = "/* weft child-process worker */ process.once('message', (source) => { (0, eval)(source) })"

/**
 * Options of {@link childProcessExecutor}.
 * @public
 */
export interface ChildProcessExecutorOptions extends HandlerPoolOptions {
  /**
   * Number of worker processes; each runs one step at a time. Processes start on demand and
   * are kept (unreferenced while idle, so they never keep the parent alive; they exit when the
   * parent does).
   * @defaultValue `os.availableParallelism()`
   */
  readonly size?: number
  /**
   * What aborting a running attempt's `ctx.signal` does. `terminate`: the attempt rejects with
   * the signal's reason at once and its process is killed (`SIGKILL`) and replaced. `signal`:
   * the attempt rejects at once and the handler's own `ctx.signal` aborts; the process is
   * reused once the handler settles.
   * @defaultValue `'terminate'`
   */
  readonly abort?: 'terminate' | 'signal'
  /**
   * Node options of each worker process (e.g. `['--max-old-space-size=512']`).
   * @defaultValue the parent's `process.execArgv`, as `child_process.fork` does
   */
  readonly execArgv?: readonly string[]
  /**
   * Environment of each worker process.
   * @defaultValue `process.env`
   */
  readonly env?: NodeJS.ProcessEnv
}

/**
 * Runs step handlers in a pool of Node child processes: the same handlers, protocol and
 * failure semantics as {@link workerThreadsExecutor}, over an IPC channel with advanced
 * (structured clone) serialization. Choose it over threads when a handler must not share the
 * engine's process: native modules that crash or leak, `process.chdir`, per-process memory
 * limits, or code that calls `process.exit`. Each handler receives a {@link WorkerStepContext}.
 *
 * Failures: a handler's thrown error rejects with an Error of the same name, message, stack,
 * `code` and `data`. A process that dies under a step (`process.exit`, an error escaping the
 * handler, a signal such as the OOM killer's `SIGKILL`) fails only that attempt with
 * {@link WorkerCrashedError} (carrying its `pid`, `exitCode` and `signal`) and is replaced. A
 * step without a handler rejects with {@link InvalidHandlerError}. `close()` kills every
 * process; attempts still queued or running reject with {@link ExecutorClosedError}.
 *
 * Costs: a process takes tens of milliseconds to start (threads: a few) and every message is
 * serialized; `SharedArrayBuffer` cannot be shared across processes.
 * @example
 * ```ts
 * const engine = createEngine({ executor: childProcessExecutor({ size: 4 }) })
 * wf.step('convert', { output, run: unreachable, meta: { handler: { module: '/abs/convert.js', export: 'convert' } } })
 * ```
 * @public
 */
export function childProcessExecutor(options: ChildProcessExecutorOptions = {}): Executor {
  const execArgv = [...(options.execArgv ?? process.execArgv)]
  const env = options.env
  return handlerPoolExecutor({
    ...poolConfig('child-process', options),
    spawn(events) {
      const child = spawnProcess(process.execPath, [...execArgv, '-e', BOOTSTRAP], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
        ...(env === undefined ? {} : { env }),
      })
      // 'close' (not 'exit'): it comes after the last IPC message, e.g. a crash report.
      const ended = new Promise<void>((resolve) => {
        child.once('close', (code, signal) => {
          events.exit(code, signal)
          resolve()
        })
      })
      child.on('message', (message: WorkerMessage) => events.message(message))
      // A spawn failure ('error' then 'close') or a send on a closed channel: the close reports it.
      child.on('error', () => {})
      const pid = child.pid
      // No process (its 'error' and 'close' follow): the pool fails the attempt with this.
      if (pid === undefined) throw new Error(`could not start a worker process (${process.execPath})`)
      child.send(workerSource)
      return {
        id: pid,
        post: (message) => {
          child.send(message as never)
        },
        ref: () => {
          child.ref()
          child.channel?.ref()
        },
        unref: () => {
          child.unref()
          child.channel?.unref()
        },
        terminate: () => {
          if (child.exitCode === null && child.signalCode === null) {
            // Held until 'close', so that `await executor.close()` is not the last thing a script waits for in vain.
            child.ref()
            child.channel?.ref()
            child.kill('SIGKILL')
          }
          return ended
        },
      }
    },
  })
}
