import { availableParallelism } from 'node:os'
import { isAbsolute } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { serializeError } from '../errors/index.js'
import type { StepDefinition, StepLogger } from '../workflow/index.js'
import { ExecutorClosedError, InvalidHandlerError, WorkerCrashedError } from './executor-errors.js'
import type { Executor, StepTask } from './port.js'
import { workerSource } from './worker-source.js'

/**
 * Where a step's handler lives: a module and the name of one of its exports. Functions cannot
 * cross threads, so the worker imports the module itself.
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

/**
 * What a handler running in a worker thread receives. Everything crosses the thread boundary
 * by structured clone (so `input` and `deps` are copies); `random()` is a PRNG seeded by
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
 * A step handler for the worker-thread executor: export it from a module and reference it with
 * `meta.handler = { module, export }`.
 * @public
 */
export type WorkerHandler<I = unknown, D = Readonly<Record<string, unknown>>, O = unknown> = (ctx: WorkerStepContext<I, D>) => O | Promise<O>

/**
 * Options of {@link workerThreadsExecutor}.
 * @public
 */
export interface WorkerThreadsExecutorOptions {
  /**
   * Number of worker threads; each runs one step at a time. Threads start on demand and are
   * kept (unreferenced while idle, so they never keep the process alive).
   * @defaultValue `os.availableParallelism()`
   */
  readonly size?: number
  /**
   * Finds a step's handler. Return undefined for a step that cannot run here (it fails with
   * {@link InvalidHandlerError}).
   * @defaultValue reads `step.meta.handler`
   */
  readonly resolve?: (step: StepDefinition) => HandlerRef | undefined
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
  readonly worker: Worker
  readonly threadId: number
  /** The attempt running here; stays set after an abort in `signal` mode until the handler settles. */
  current: Pending | undefined
  uncaught: unknown
  retired: boolean
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
  const size = options.size ?? Math.max(1, availableParallelism())
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw new RangeError(`Expected \`size\` to be an integer from 1 and up, got \`${String(size)}\` (${typeof size})`)
  }
  const abortMode = options.abort ?? 'terminate'
  if (abortMode !== 'terminate' && abortMode !== 'signal') {
    throw new RangeError(`Expected \`abort\` to be 'terminate' or 'signal', got \`${String(abortMode)}\` (${typeof abortMode})`)
  }
  const resolveRef = options.resolve ?? defaultResolve
  const execArgv = options.execArgv === undefined ? undefined : [...options.execArgv]

  const slots = new Set<Slot>()
  const idle: Slot[] = []
  const queue: Pending[] = []
  let queueHead = 0
  let nextId = 1
  let closed: Promise<void> | undefined

  function spawn(): Slot {
    const worker = new Worker(workerSource, { eval: true, ...(execArgv === undefined ? {} : { execArgv }) })
    const slot: Slot = { worker, threadId: worker.threadId, current: undefined, uncaught: undefined, retired: false }
    slots.add(slot)
    worker.on('message', (message: WorkerMessage) => onMessage(slot, message))
    worker.on('error', (error) => {
      slot.uncaught = error
    })
    worker.on('exit', (code) => onExit(slot, code))
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
          // The thread cannot even start (e.g. invalid execArgv): fail this attempt, not the caller.
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
      slot.worker.postMessage(message)
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
    const pending = slot.current
    if (pending === undefined || pending.id !== message.id) return
    if (message.t === 'log') {
      if (!pending.done) pending.task.ctx.log[message.level](message.message, message.data)
      return
    }
    if (message.t === 'secret') {
      // The engine's ctx.secret runs here (declaration check, provider, redactor); the worker waits.
      const answer = (reply: { value: string } | { error: WireError }): void => {
        if (slot.current === pending) slot.worker.postMessage({ t: 'secret', id: message.id, req: message.req, ...reply })
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

  function onExit(slot: Slot, code: number): void {
    slots.delete(slot)
    const index = idle.indexOf(slot)
    if (index >= 0) idle.splice(index, 1)
    const pending = slot.current
    slot.current = undefined
    if (pending !== undefined && !pending.done) {
      const { stepId, runId } = pending.task.ctx
      const crashed = new WorkerCrashedError(
        { stepId, runId, threadId: slot.threadId, exitCode: slot.uncaught === undefined ? code : null, reason: slot.uncaught === undefined ? 'exit' : 'uncaught' },
        slot.uncaught,
      )
      finish(pending, false, closed === undefined ? crashed : new ExecutorClosedError({ stepId, executor: 'worker-threads' }))
    }
    if (closed === undefined) pump() // replaces the thread when work is waiting
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
      // The thread stays busy with this handler until it settles; onMessage then frees it.
      slot.worker.postMessage({ t: 'abort', id: pending.id, reason: abortReason(reason) })
    }
  }

  return {
    execute(task: StepTask): Promise<unknown> {
      return new Promise<unknown>((resolve, reject) => {
        const step = task.step
        if (closed !== undefined) return reject(new ExecutorClosedError({ stepId: step.id, executor: 'worker-threads' }))
        let url: string
        let exportName: string
        try {
          ;({ url, exportName } = handlerUrl(step, resolveRef(step)))
        } catch (error) {
          return reject(error)
        }
        const signal = task.ctx.signal
        if (signal.aborted) return reject(signal.reason)
        const pending: Pending = { id: nextId++, task, url, exportName, resolve, reject, slot: undefined, done: false, detach: undefined }
        const listener = (): void => onAbort(pending)
        signal.addEventListener('abort', listener, { once: true })
        pending.detach = () => signal.removeEventListener('abort', listener)
        queue.push(pending)
        pump()
      })
    },

    close(): Promise<void> {
      if (closed !== undefined) return closed
      const pendingClosed = (p: Pending): void => finish(p, false, new ExecutorClosedError({ stepId: p.task.step.id, executor: 'worker-threads' }))
      for (let i = queueHead; i < queue.length; i++) pendingClosed(queue[i]!)
      queue.length = 0
      queueHead = 0
      idle.length = 0
      const ending: Promise<number>[] = []
      for (const slot of slots) {
        if (slot.current !== undefined) pendingClosed(slot.current)
        ending.push(slot.worker.terminate())
      }
      closed = Promise.all(ending).then(() => undefined)
      return closed
    },
  }
}

type WorkerMessage =
  | { readonly t: 'ok'; readonly id: number; readonly value: unknown }
  | { readonly t: 'raw'; readonly id: number; readonly value: unknown }
  | { readonly t: 'err'; readonly id: number; readonly error: WireError; readonly handler?: boolean }
  | { readonly t: 'log'; readonly id: number; readonly level: keyof StepLogger; readonly message: string; readonly data?: Record<string, unknown> }
  | { readonly t: 'secret'; readonly id: number; readonly req: number; readonly name: string }

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
    throw new InvalidHandlerError({ stepId, reason: 'set meta.handler = { module, export } (functions cannot cross threads)' })
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
