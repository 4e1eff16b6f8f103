import { availableParallelism } from 'node:os'
import { isAbsolute } from 'node:path'
import { pathToFileURL } from 'node:url'
import { serializeError } from '../errors/index.js'
import type { StepDefinition, StepLogger } from '../workflow/index.js'
import { ExecutorClosedError, InvalidHandlerError, WorkerCrashedError } from './executor-errors.js'
import { runBody } from './inline-executor.js'
import type { Executor, StepTask } from './port.js'
import { unnamed } from '../runtime/unnamed.js'

/**
 * Where a step's handler lives: a module and the name of one of its exports. Functions cannot
 * cross threads or processes, so the worker imports the module itself.
 * @example
 * ```ts
 * meta: { handler: { module: fileURLToPath(new URL('./resize.js', import.meta.url)), export: 'resize' } }
 * ```
 * @public
 */
export interface HandlerRef {
  /** Absolute path or `file:` URL of an ES module (or CommonJS file) exporting the handler. */
  readonly module: string
  /** Name of the export. `default` for a default export. */
  readonly export: string
}

/** What happened to a pool worker, reported by its transport. @internal */
export interface PoolWorkerEvents {
  message(message: WorkerMessage): void
  /** An error escaped the handler (the worker dies next). */
  uncaught(error: unknown): void
  /** The worker ended: its exit code, or `null` with the signal that ended it. */
  exit(code: number | null, signal: string | null): void
}

/** One worker of a pool (a thread or a process), seen through its transport. @internal */
export interface PoolWorker {
  /** `threadId` or `pid`. */
  readonly id: number
  /** Sends a message by structured clone; throws when it cannot be cloned. */
  post(message: unknown): void
  /** Keeps the process alive while the worker runs a step. */
  ref(): void
  /** Lets the process exit while the worker is idle. */
  unref(): void
  /** Ends the worker; resolves once it has ended. */
  terminate(): Promise<unknown>
}

/** What differs between the pools (see `workerThreadsExecutor`, `childProcessExecutor`). @internal */
export interface HandlerPoolConfig {
  /** Name in errors: `worker-threads` or `child-process`. */
  readonly executor: 'worker-threads' | 'child-process'
  readonly size: number
  readonly abort: 'terminate' | 'signal'
  readonly resolve: (step: StepDefinition) => HandlerRef | undefined
  /** Runs the tasks of steps without a handler reference, when set. */
  readonly withoutHandler: Executor | undefined
  /** Starts a worker running `workerSource`, reporting to `events`; may throw. */
  spawn(events: PoolWorkerEvents): PoolWorker
}

interface Pending {
  readonly id: number
  readonly task: StepTask
  readonly url: string
  readonly exportName: string
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
  slot: Slot | undefined
  done: boolean
  detach: (() => void) | undefined
}

interface Slot {
  readonly worker: PoolWorker
  /** The attempt running here; stays set after an abort in `signal` mode until the handler settles. */
  current: Pending | undefined
  uncaught: unknown
  retired: boolean
}

/**
 * Options that {@link workerThreadsExecutor} and {@link childProcessExecutor} share: which
 * steps they run, and what runs the others.
 * @public
 */
export interface HandlerPoolOptions {
  /**
   * Finds a step's handler. Return undefined for a step that has none (it runs on
   * `withoutHandler`, or fails with {@link InvalidHandlerError}).
   * @defaultValue reads `step.meta.handler`
   */
  readonly resolve?: (step: StepDefinition) => HandlerRef | undefined
  /**
   * Runs the steps that have no handler reference (`resolve` returns undefined), so that a
   * workflow can keep its light steps in the engine's thread: `withoutHandler: inlineExecutor()`.
   * A malformed reference still fails. `close()` closes it too. (A step's `compensate` is a
   * function of the definition, not a handler: it always runs in the engine's thread.)
   * @defaultValue none: such steps fail with {@link InvalidHandlerError}
   */
  readonly withoutHandler?: Executor
}

/** Everything a pool's options check reads. @internal */
export interface PoolOptions extends HandlerPoolOptions {
  readonly size?: number
  readonly abort?: 'terminate' | 'signal'
}

/** Checks a pool's options and applies their defaults (`size`: the available parallelism). @internal */
export function poolConfig(executor: HandlerPoolConfig['executor'], options: PoolOptions): Omit<HandlerPoolConfig, 'spawn'> {
  const size = options.size ?? Math.max(1, availableParallelism())
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw new RangeError(`Expected \`size\` to be an integer from 1 and up, got \`${String(options.size)}\` (${typeof options.size})`)
  }
  const abort = options.abort ?? 'terminate'
  if (abort !== 'terminate' && abort !== 'signal') {
    throw new RangeError(`Expected \`abort\` to be 'terminate' or 'signal', got \`${String(abort)}\` (${typeof abort})`)
  }
  const withoutHandler = options.withoutHandler
  if (withoutHandler !== undefined && (typeof withoutHandler !== 'object' || withoutHandler === null || typeof withoutHandler.execute !== 'function')) {
    throw new TypeError(`Expected \`withoutHandler\` to be an Executor (an object with execute()), got \`${String(withoutHandler)}\` (${typeof withoutHandler})`)
  }
  return { executor, size, abort, resolve: options.resolve ?? defaultResolve, withoutHandler }
}

/**
 * An executor running step handlers (referenced by module and export) in a pool of workers that
 * speak the protocol of `workerSource`, whatever carries it. Attempts queue in FIFO order when
 * every worker is busy; a worker that dies under a step fails only that attempt
 * ({@link WorkerCrashedError}) and is replaced.
 * @internal
 */
export function handlerPoolExecutor(config: HandlerPoolConfig): Executor {
  const { size, executor } = config
  const abortMode = config.abort
  const resolveRef = config.resolve
  const withoutHandler = config.withoutHandler

  const slots = new Set<Slot>()
  const idle: Slot[] = []
  const queue: Pending[] = []
  let queueHead = 0
  let nextId = 1
  let closed: Promise<void> | undefined

  function spawn(): Slot {
    // The transports report asynchronously, never from within spawn(): `slot` is set by then.
    const worker = config.spawn({
      message: (message) => onMessage(slot, message),
      uncaught: (error) => {
        slot.uncaught = error
      },
      exit: (code, signal) => onExit(slot, code, signal),
    })
    const slot: Slot = { worker, current: undefined, uncaught: undefined, retired: false }
    slots.add(slot)
    return slot
  }

  function pump(): void {
    while (queueHead < queue.length) {
      const pending = queue[queueHead]!
      if (pending.done) {
        queueHead++
        continue
      }
      let slot = idle.pop()
      if (slot === undefined) {
        if (slots.size - retiredCount() >= size) break
        try {
          slot = spawn()
        } catch (error) {
          // The worker cannot even start (e.g. invalid execArgv): fail this attempt, not the caller.
          queueHead++
          finish(pending, false, error)
          continue
        }
      }
      queueHead++
      assign(slot, pending)
    }
    if (queueHead > 1024 && queueHead * 2 > queue.length) {
      queue.splice(0, queueHead)
      queueHead = 0
    }
  }

  function retiredCount(): number {
    let n = 0
    for (const slot of slots) if (slot.retired) n++
    return n
  }

  function assign(slot: Slot, pending: Pending): void {
    const { task } = pending
    const ctx = task.ctx
    const message = {
      t: 'run',
      id: pending.id,
      module: pending.url,
      export: pending.exportName,
      ctx: {
        input: ctx.input,
        deps: { ...ctx.deps },
        attempt: ctx.attempt,
        stepId: ctx.stepId,
        runId: ctx.runId,
        workflowId: ctx.workflowId,
        idempotencyKey: ctx.idempotencyKey,
        seed: Math.floor(ctx.random() * 0x100000000) | 0,
        ...(task.kind === 'item' ? { item: (ctx as { readonly item?: unknown }).item, index: task.item } : {}),
      },
    }
    try {
      slot.worker.post(message)
    } catch (error) {
      // Input or deps cannot be cloned (functions, class instances with private state, …).
      finish(pending, false, error)
      slot.worker.unref()
      idle.push(slot)
      return
    }
    pending.slot = slot
    slot.current = pending
    slot.worker.ref()
  }

  function onMessage(slot: Slot, message: WorkerMessage): void {
    if (message.t === 'crash') {
      // A child process reports the error escaping its handler before it exits.
      slot.uncaught = revive(message.error)
      return
    }
    const pending = slot.current
    if (pending === undefined || pending.id !== message.id) return
    if (message.t === 'log') {
      if (!pending.done) pending.task.ctx.log[message.level](message.message, message.data)
      return
    }
    if (message.t === 'secret') {
      // The engine's ctx.secret runs here (declaration check, provider, redactor); the worker waits.
      const answer = (reply: { value: string } | { error: WireError }): void => {
        if (slot.current === pending) slot.worker.post({ t: 'secret', id: message.id, req: message.req, ...reply })
      }
      Promise.resolve()
        .then(() => pending.task.ctx.secret(message.name))
        .then(
          (value) => answer({ value }),
          (error: unknown) => answer({ error: toWire(error) }),
        )
      return
    }
    slot.current = undefined
    release(slot)
    if (message.t === 'ok') finish(pending, true, message.value)
    else if (message.t === 'raw') finish(pending, false, message.value)
    else {
      const error = revive(message.error)
      const stepId = pending.task.step.id
      finish(pending, false, message.handler === true ? new InvalidHandlerError({ stepId, module: pending.url, export: pending.exportName, reason: error.message }, error) : error)
    }
  }

  function onExit(slot: Slot, code: number | null, signal: string | null): void {
    slots.delete(slot)
    const index = idle.indexOf(slot)
    if (index >= 0) idle.splice(index, 1)
    const pending = slot.current
    slot.current = undefined
    if (pending !== undefined && !pending.done) {
      const { stepId, runId } = pending.task.ctx
      const where = executor === 'worker-threads' ? { threadId: slot.worker.id } : { pid: slot.worker.id }
      const uncaught = slot.uncaught !== undefined
      const crashed = new WorkerCrashedError(
        { stepId, runId, ...where, exitCode: uncaught ? null : code, ...(signal === null || uncaught ? {} : { signal }), reason: uncaught ? 'uncaught' : 'exit' },
        slot.uncaught,
      )
      finish(pending, false, closed === undefined ? crashed : new ExecutorClosedError({ stepId, executor }))
    }
    if (closed === undefined) pump() // replaces the worker when work is waiting
  }

  function release(slot: Slot): void {
    if (slot.retired) return
    slot.worker.unref()
    idle.push(slot)
    pump()
  }

  function finish(pending: Pending, ok: boolean, value: unknown): void {
    if (pending.done) return
    pending.done = true
    pending.detach?.()
    if (ok) pending.resolve(value)
    else pending.reject(value)
  }

  function onAbort(pending: Pending): void {
    if (pending.done) return
    const reason = pending.task.ctx.signal.reason
    const slot = pending.slot
    finish(pending, false, reason)
    if (slot === undefined) return // still queued: skipped by pump
    if (abortMode === 'terminate') {
      slot.retired = true
      slot.current = undefined
      void slot.worker.terminate()
      pump()
    } else {
      // The worker stays busy with this handler until it settles; onMessage then frees it.
      slot.worker.post({ t: 'abort', id: pending.id, reason: abortReason(reason) })
    }
  }

  return {
    execute(task: StepTask): Promise<unknown> {
      return new Promise<unknown>((resolve, reject) => {
        const step = task.step
        if (closed !== undefined) return reject(new ExecutorClosedError({ stepId: step.id, executor }))
        // A compensation (or a heal or fallback body) is a function of the definition, never the
        // step's handler: it runs in this thread.
        if (task.kind !== undefined && task.kind !== 'run' && task.kind !== 'item') return resolve(runBody(step, task.ctx))
        let url: string
        let exportName: string
        try {
          const ref = resolveRef(step)
          if (ref === undefined && withoutHandler !== undefined) return resolve(withoutHandler.execute(task))
          ;({ url, exportName } = handlerUrl(step, ref))
        } catch (error) {
          return reject(error)
        }
        const signal = task.ctx.signal
        if (signal.aborted) return reject(signal.reason)
        const pending: Pending = { id: nextId++, task, url, exportName, resolve, reject, slot: undefined, done: false, detach: undefined }
        const listener = unnamed((): void => onAbort(pending))
        signal.addEventListener('abort', listener, { once: true })
        pending.detach = () => signal.removeEventListener('abort', listener)
        queue.push(pending)
        pump()
      })
    },

    close(): Promise<void> {
      if (closed !== undefined) return closed
      const pendingClosed = (p: Pending): void => finish(p, false, new ExecutorClosedError({ stepId: p.task.step.id, executor }))
      for (let i = queueHead; i < queue.length; i++) pendingClosed(queue[i]!)
      queue.length = 0
      queueHead = 0
      idle.length = 0
      const ending: Promise<unknown>[] = []
      for (const slot of slots) {
        if (slot.current !== undefined) pendingClosed(slot.current)
        ending.push(slot.worker.terminate())
      }
      if (withoutHandler?.close !== undefined) ending.push(withoutHandler.close())
      closed = Promise.all(ending).then(() => undefined)
      return closed
    },
  }
}

/** Messages from a pool worker (see `workerSource`). @internal */
export type WorkerMessage =
  | { readonly t: 'ok'; readonly id: number; readonly value: unknown }
  | { readonly t: 'raw'; readonly id: number; readonly value: unknown }
  | { readonly t: 'err'; readonly id: number; readonly error: WireError; readonly handler?: boolean }
  | { readonly t: 'log'; readonly id: number; readonly level: keyof StepLogger; readonly message: string; readonly data?: Record<string, unknown> }
  | { readonly t: 'secret'; readonly id: number; readonly req: number; readonly name: string }
  | { readonly t: 'crash'; readonly error: WireError }

interface WireError {
  readonly name: string
  readonly message: string
  readonly stack?: string
  readonly code?: unknown
  readonly data?: unknown
  readonly cause?: unknown
}

/** What of an engine-side error crosses back to the worker (a secret read that failed): JSON data only. */
function toWire(error: unknown): WireError {
  const { name, message, code, data } = serializeError(error)
  let wireData: unknown
  try {
    wireData = data === undefined ? undefined : (JSON.parse(JSON.stringify(data)) as unknown)
  } catch {
    wireData = undefined // not JSON data (a cycle, a bigint): the name, message and code still go
  }
  return { name, message, ...(code === undefined ? {} : { code }), ...(wireData === undefined ? {} : { data: wireData }) }
}

function defaultResolve(step: StepDefinition): HandlerRef | undefined {
  return step.meta?.['handler'] as HandlerRef | undefined
}

function handlerUrl(step: StepDefinition, ref: HandlerRef | undefined): { url: string; exportName: string } {
  const stepId = step.id
  if (ref === undefined || ref === null) {
    throw new InvalidHandlerError({ stepId, reason: 'set meta.handler = { module, export } (functions cannot cross threads or processes)' })
  }
  if (typeof ref !== 'object') throw new InvalidHandlerError({ stepId, reason: `meta.handler must be an object { module, export }, got ${typeof ref}` })
  const { module, export: exportName } = ref
  if (typeof exportName !== 'string' || exportName.length === 0) {
    throw new InvalidHandlerError({ stepId, ...(typeof module === 'string' ? { module } : {}), reason: 'handler.export must be a non-empty string' })
  }
  if (typeof module === 'string' && module.startsWith('file:')) {
    try {
      return { url: new URL(module).href, exportName }
    } catch (error) {
      throw new InvalidHandlerError({ stepId, module, export: exportName, reason: `handler.module is not a valid file: URL` }, error)
    }
  }
  if (typeof module === 'string' && isAbsolute(module)) return { url: pathToFileURL(module).href, exportName }
  throw new InvalidHandlerError({
    stepId,
    ...(typeof module === 'string' ? { module } : {}),
    export: exportName,
    reason: `handler.module must be an absolute path or a file: URL, got ${JSON.stringify(module)}`,
  })
}

/** An Error carrying what crossed the thread boundary: name, message, stack, code, data, cause. */
function revive(wire: WireError): Error {
  const error = new Error(wire.message, wire.cause === undefined ? undefined : { cause: isWire(wire.cause) ? revive(wire.cause) : wire.cause })
  error.name = wire.name
  if (wire.stack !== undefined) error.stack = wire.stack
  if (wire.code !== undefined) (error as Error & { code?: unknown }).code = wire.code
  if (wire.data !== undefined) (error as Error & { data?: unknown }).data = wire.data
  return error
}

function isWire(value: unknown): value is WireError {
  return typeof value === 'object' && value !== null && typeof (value as WireError).name === 'string' && typeof (value as WireError).message === 'string'
}

function abortReason(reason: unknown): { name: string; message: string; code?: string } {
  const s = serializeError(reason)
  return s.code === undefined ? { name: s.name, message: s.message } : { name: s.name, message: s.message, code: s.code }
}
