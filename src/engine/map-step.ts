import type { TSchema } from 'typebox'
import type { Validator } from 'typebox/compile'
import { compile, ContractViolation, issuesOf, type ContractIssue } from '../contract/index.js'
import { isJournaledData, journaledDataViolation } from '../contract/journaled-data.js'
import { serializeError, type SerializedError } from '../errors/index.js'
import type { Executor, StepTask } from '../executor/index.js'
import type { JournalEvent } from '../journal/index.js'
import { hash32, mulberry32, type Clock, type Random } from '../runtime/index.js'
import type { StepLogEvent } from '../telemetry/index.js'
import type { MapDefinition, MapItemContext, StepContext, StepDefinition, StepLogger } from '../workflow/index.js'
import { CancelledError, NonDeterminismError, StepTimeoutError } from './engine-errors.js'
import { MapItemsFailedError } from './map-errors.js'
import { retryDelay } from './retry-decision.js'
import type { StepGuards } from './step-guards.js'

// Item status codes (the same meanings as the run's step codes).
const NOT_RUN = 0
const RUNNING = 1
const SUCCEEDED = 2
const FAILED = 3
/** Failed an attempt, waiting to retry (holds its slot). */
const BACKOFF = 6

type Deps = Readonly<Record<string, unknown>>
type ParentContext = StepContext<unknown, Deps>

/**
 * What map steps need from their run: its identity and policies, the executor and guards, and
 * the journal (record, then act once committed).
 * @internal
 */
export interface MapHost {
  readonly runId: string
  readonly workflowId: string
  readonly seed: number
  /** The run's concurrency limit: it bounds each map step's running items too. */
  readonly concurrency: number
  /** The run's failure policy is `failFast`: a map stops at its first failed item. */
  readonly failFast: boolean
  readonly executor: Executor
  readonly guards: StepGuards
  readonly clock: Clock
  /** The journal the run was restored from (resume, or a replayed segment). */
  readonly restored: readonly JournalEvent[] | undefined
  /** The time of the current reaction. */
  time(): number
  nextSeq(): number
  record(event: JournalEvent): void
  /** Runs `action` once the events recorded so far are journaled. */
  afterCommit(action: () => void): void
  flush(): void
  log(event: StepLogEvent): void
}

/** What one map step knows about its items; kept across the step's attempts in one process. */
class ItemState {
  readonly status: Uint8Array
  readonly attempts: Int32Array
  readonly outputs: unknown[]
  /** Last error of each item that failed for good. */
  readonly errors = new Map<number, SerializedError>()
  /** The thrown value of each item that failed for good in this process. */
  readonly thrown = new Map<number, unknown>()
  /** Last retry delay per item (decorrelated jitter continues from it). */
  readonly lastDelay = new Map<number, number>()

  constructor(readonly size: number) {
    this.status = new Uint8Array(size)
    this.attempts = new Int32Array(size)
    this.outputs = new Array<unknown>(size)
  }
}

/**
 * Runs the map (fan-out) steps of one run. Each item is a child task of its step: its own
 * attempts, retries, timeout and journal events (`step.item.started | succeeded | failed`, with
 * the step's id and `item: index`), its own signal and idempotency key. The step's own
 * `step.started` / `step.succeeded` frame the items; the step's output (the item results in
 * item order) is journaled with `step.succeeded`.
 *
 * Resume: item events of the restored journal are folded into the step's item state, so items
 * with a recorded result are not run again (their outputs are re-checked against the item
 * output contract), recorded final failures stand, and an item attempt that started without an
 * end runs again continuing its attempt count. Replay re-derives every item decision from the
 * item outcomes fed in journal order, so items finishing in any order replay clean.
 *
 * Cost per item: one context object, one executor call and two journal events; no scan of the
 * other items.
 * @internal
 */
export class MapSteps {
  private readonly states = new Map<number, ItemState>()
  private recorded: Map<string, JournalEvent[]> | undefined

  constructor(readonly host: MapHost) {}

  /**
   * Runs attempt `attempt` of map step `step` (index `i`). Calls `end` once with the step's
   * outcome (a function returning the output or throwing the error) when every item has ended or
   * an item failed under fail-fast, unless `ctx.signal` aborts first (the run stops or the
   * step's total timeout expires): then running items are aborted and `end` is not called. The
   * run passes the outcome through its inline executor like a gate's, so a replay takes the
   * step's end from the journal wherever it was recorded among other steps' events.
   */
  run(i: number, step: StepDefinition, attempt: number, ctx: ParentContext, end: (outcome: () => unknown) => void): void {
    new MapRun(this, i, step, attempt, ctx, end).start()
  }

  /** The item state of step `i` for `n` items, restored from the journal on first use. */
  stateOf(i: number, step: StepDefinition, n: number): ItemState | Error {
    let state = this.states.get(i)
    if (state !== undefined) {
      if (state.size !== n) return this.mismatch(step, state.size, n, -1)
      // A later attempt of the step in this process: unfinished items run again.
      for (let k = 0; k < n; k++) if (state.status[k] === RUNNING || state.status[k] === BACKOFF) state.status[k] = NOT_RUN
      return state
    }
    state = new ItemState(n)
    const { status, attempts, outputs } = state
    const map = step.map!
    const validator = compile(map.output)
    for (const event of this.recordedFor(step.id)) {
      if (event.type === 'step.map.planned') {
        if (event.items !== n) return this.mismatch(step, event.items, n, event.seq)
        continue
      }
      if (!('item' in event) || event.item >= n) continue
      const k = event.item
      switch (event.type) {
        case 'step.item.started':
          attempts[k] = event.attempt
          status[k] = RUNNING
          break
        case 'step.item.succeeded':
          if (!validator.Check(event.output)) {
            return new ContractViolation({ workflowId: this.host.workflowId, stepId: step.id, direction: 'step-output', issues: prefixed(k, issuesOf(map.output, event.output)) })
          }
          status[k] = SUCCEEDED
          outputs[k] = event.output
          break
        case 'step.item.failed':
          attempts[k] = Math.max(attempts[k]!, event.attempt)
          if (event.delayMs !== undefined) state.lastDelay.set(k, event.delayMs)
          if (event.willRetry) {
            status[k] = NOT_RUN
          } else {
            status[k] = FAILED
            state.errors.set(k, event.error)
          }
          break
      }
    }
    // Started, never ended: the attempt was lost with the process (or cancelled). It runs again.
    for (let k = 0; k < n; k++) if (status[k] === RUNNING) status[k] = NOT_RUN
    this.states.set(i, state)
    return state
  }

  private mismatch(step: StepDefinition, recorded: number, found: number, seq: number): Error {
    return new NonDeterminismError({
      runId: this.host.runId,
      index: seq,
      expected: `map step "${step.id}" over ${recorded} items`,
      found: `over returned ${found} items (it must be a pure function of input and deps)`,
    })
  }

  /** Map events of the restored journal for `stepId`, grouped once per run. */
  private recordedFor(stepId: string): readonly JournalEvent[] {
    if (this.recorded === undefined) {
      this.recorded = new Map()
      for (const event of this.host.restored ?? []) {
        if (event.type !== 'step.map.planned' && event.type !== 'step.item.started' && event.type !== 'step.item.succeeded' && event.type !== 'step.item.failed') continue
        let list = this.recorded.get(event.stepId)
        if (list === undefined) this.recorded.set(event.stepId, (list = []))
        list.push(event)
      }
    }
    return this.recorded.get(stepId) ?? []
  }
}

/** One attempt of one map step. */
class MapRun {
  readonly host: MapHost
  readonly stepId: string
  private readonly map: MapDefinition
  private readonly limit: number
  private readonly itemStep: StepDefinition
  private readonly validator: Validator<{}, TSchema>
  private items: readonly unknown[] = []
  private state!: ItemState
  private next = 0
  /** Items running or in backoff in this attempt. */
  private active = 0
  /** Items without a final outcome. */
  private remaining = 0
  private closed = false
  private toLaunch: number[] = []
  private launchScheduled = false
  private controllers: Map<number, AbortController> | undefined
  private timers: Map<number, AbortController> | undefined
  private backoffs: AbortController | undefined
  /** The step's signal, once listened to. */
  private signal: AbortSignal | undefined

  constructor(
    private readonly owner: MapSteps,
    private readonly i: number,
    private readonly step: StepDefinition,
    private readonly attempt: number,
    readonly parent: ParentContext,
    private readonly end: (outcome: () => unknown) => void,
  ) {
    this.host = owner.host
    this.stepId = step.id
    this.map = step.map!
    this.limit = Math.min(this.map.concurrency ?? Infinity, this.host.concurrency)
    this.itemStep = { ...step, run: this.map.run as StepDefinition['run'] }
    this.validator = compile(this.map.output)
  }

  private done(output: unknown): void {
    this.end(() => output)
  }

  private fail(error: unknown): void {
    this.end(() => {
      throw error
    })
  }

  start(): void {
    const { host, map, stepId } = this
    let items: unknown
    try {
      items = map.over({ input: this.parent.input, deps: this.parent.deps })
    } catch (error) {
      return this.fail(error)
    }
    if (!Array.isArray(items)) {
      const found = items === null ? 'null' : typeof (items as { then?: unknown }).then === 'function' ? 'a Promise (over must be synchronous: a pure function of input and deps)' : typeof items
      return this.fail(new ContractViolation({ workflowId: host.workflowId, stepId, direction: 'step-input', issues: [{ path: '', message: `over must return an array of items, got ${found}` }] }))
    }
    const issues = itemIssues(map.item, items)
    if (issues.length > 0) return this.fail(new ContractViolation({ workflowId: host.workflowId, stepId, direction: 'step-input', issues }))
    const state = this.owner.stateOf(this.i, this.step, items.length)
    if (state instanceof Error) return this.fail(state)
    this.items = items
    this.state = state
    for (let k = 0; k < items.length; k++) if (state.status[k] !== SUCCEEDED && state.status[k] !== FAILED) this.remaining++
    host.record({ seq: host.nextSeq(), at: host.time(), runId: host.runId, type: 'step.map.planned', stepId, attempt: this.attempt, items: items.length })
    if (map.onItemError === 'fail' && host.failFast && state.errors.size > 0) return this.complete()
    if (this.remaining === 0) return this.complete()
    const signal = this.parent.signal
    if (signal.aborted) return
    signal.addEventListener('abort', this.onAbort, { once: true })
    this.signal = signal
    this.pump()
    host.flush()
  }

  // ---------------------------------------------------------------- dispatch

  private pump(): void {
    const status = this.state.status
    const n = this.items.length
    while (this.active < this.limit && this.next < n) {
      const k = this.next++
      if (status[k] === NOT_RUN) this.startItem(k)
    }
  }

  private startItem(k: number): void {
    const { host, state } = this
    const attempt = ++state.attempts[k]!
    state.status[k] = RUNNING
    this.active++
    host.record({ seq: host.nextSeq(), at: host.time(), runId: host.runId, type: 'step.item.started', stepId: this.stepId, item: k, attempt })
    this.toLaunch.push(k)
    if (!this.launchScheduled) {
      this.launchScheduled = true
      host.afterCommit(this.launchAll)
    }
  }

  /** Journal-before-act: bodies start once their `step.item.started` is committed. */
  private readonly launchAll = (): void => {
    this.launchScheduled = false
    const list = this.toLaunch
    this.toLaunch = []
    const { status, attempts } = this.state
    for (const k of list) if (!this.closed && status[k] === RUNNING) this.execute(k, attempts[k]!)
  }

  private execute(k: number, attempt: number): void {
    const ctx = new MapItemRuntime(this, k, attempt, this.items[k])
    if (this.map.timeout !== undefined) this.armTimeout(k, attempt, this.map.timeout)
    let pending: Promise<unknown>
    try {
      const task: StepTask = { step: this.itemStep, ctx, kind: 'item', item: k }
      const executor = this.host.executor
      const guard = this.host.guards.guard(this.step)
      pending = guard === undefined ? executor.execute(task) : guard.execute(() => executor.execute(task), { signal: ctx.signal })
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (value) => this.onValue(k, attempt, value),
      (error) => this.onError(k, attempt, error),
    )
  }

  isCurrent(k: number, attempt: number): boolean {
    return !this.closed && this.state.status[k] === RUNNING && this.state.attempts[k] === attempt
  }

  /** Registers the abort controller of the running attempt of item `k` (made on first use). */
  register(k: number, attempt: number, controller: AbortController): void {
    if (this.isCurrent(k, attempt)) (this.controllers ??= new Map()).set(k, controller)
    else controller.abort(new CancelledError({ runId: this.host.runId, stepId: this.stepId, reason: 'the item attempt is over' }))
  }

  // ---------------------------------------------------------------- outcomes

  private onValue(k: number, attempt: number, value: unknown): void {
    if (!this.isCurrent(k, attempt)) return // late result of an abandoned attempt: discarded
    if (!this.validator.Check(value)) {
      const issues = prefixed(k, issuesOf(this.map.output, value))
      return this.onError(k, attempt, new ContractViolation({ workflowId: this.host.workflowId, stepId: this.stepId, direction: 'step-output', issues }))
    }
    if (!isJournaledData(value)) {
      const violation = journaledDataViolation(value, { workflowId: this.host.workflowId, stepId: this.stepId, direction: 'step-output' }, `/${k}`)
      if (violation !== undefined) return this.onError(k, attempt, violation)
    }
    const { host, state } = this
    this.endAttempt(k)
    state.status[k] = SUCCEEDED
    state.outputs[k] = value
    this.active--
    this.remaining--
    host.record({ seq: host.nextSeq(), at: host.time(), runId: host.runId, type: 'step.item.succeeded', stepId: this.stepId, item: k, attempt, output: value })
    this.advance()
  }

  private onError(k: number, attempt: number, error: unknown): void {
    if (!this.isCurrent(k, attempt)) return
    const { host, state, map } = this
    this.endAttempt(k)
    const delay = map.retry === undefined ? undefined : retryDelay(map.retry, attempt, error, host.seed, `${this.stepId}[${k}]`, state.lastDelay.get(k))
    const serialized = serializeError(error)
    if (delay !== undefined) {
      state.status[k] = BACKOFF
      state.lastDelay.set(k, delay)
      host.record({ seq: host.nextSeq(), at: host.time(), runId: host.runId, type: 'step.item.failed', stepId: this.stepId, item: k, attempt, error: serialized, willRetry: true, delayMs: delay })
      host.clock.sleep(delay, (this.backoffs ??= new AbortController()).signal).then(
        () => this.retry(k, attempt),
        () => {}, // the step ended during the backoff
      )
      host.flush()
      return
    }
    state.status[k] = FAILED
    state.errors.set(k, serialized)
    state.thrown.set(k, error)
    this.active--
    this.remaining--
    host.record({ seq: host.nextSeq(), at: host.time(), runId: host.runId, type: 'step.item.failed', stepId: this.stepId, item: k, attempt, error: serialized, willRetry: false })
    if (map.onItemError === 'fail' && host.failFast) return this.complete()
    this.advance()
  }

  private retry(k: number, previous: number): void {
    const { status, attempts } = this.state
    if (this.closed || status[k] !== BACKOFF || attempts[k] !== previous) return
    this.active-- // the slot held during the backoff passes to the new attempt
    this.startItem(k)
    this.host.flush()
  }

  private advance(): void {
    if (this.remaining === 0) return this.complete()
    this.pump()
    this.host.flush()
  }

  /** Ends the step: every item has an outcome, or an item failed under fail-fast. */
  private complete(): void {
    this.settle()
    this.host.flush()
  }

  private settle(): void {
    this.close(new CancelledError({ runId: this.host.runId, stepId: this.stepId, reason: 'an item of the map step failed' }))
    const { state, map } = this
    if (map.onItemError === 'fail' && state.errors.size > 0) {
      const failed = [...state.errors.keys()].sort((a, b) => a - b).map((index) => ({ index, error: state.errors.get(index)! }))
      const first = failed[0]!
      return this.fail(new MapItemsFailedError({ runId: this.host.runId, stepId: this.stepId, items: failed }, state.thrown.get(first.index) ?? revive(first.error)))
    }
    if (map.onItemError === 'fail') return this.done(state.outputs)
    const output = new Array<unknown>(state.size)
    for (let k = 0; k < state.size; k++) {
      const error = state.errors.get(k)
      output[k] = error === undefined ? { ok: true, value: state.outputs[k] } : { ok: false, error: { name: error.name, message: error.message, ...(error.code === undefined ? {} : { code: error.code }) } }
    }
    this.done(output)
  }

  // ---------------------------------------------------------------- stopping

  /** The step's signal aborted (the run stops, or the step's total timeout): abort every item. */
  private readonly onAbort = (): void => {
    this.close(this.signal?.reason)
  }

  private close(reason: unknown): void {
    if (this.closed) return
    this.closed = true
    this.signal?.removeEventListener('abort', this.onAbort)
    if (this.controllers !== undefined) for (const controller of this.controllers.values()) controller.abort(reason)
    this.controllers = undefined
    if (this.timers !== undefined) for (const timer of this.timers.values()) timer.abort()
    this.timers = undefined
    this.backoffs?.abort()
  }

  private armTimeout(k: number, attempt: number, ms: number): void {
    const timer = new AbortController()
    ;(this.timers ??= new Map()).set(k, timer)
    this.host.clock.sleep(ms, timer.signal).then(
      () => {
        if (!this.isCurrent(k, attempt)) return
        const error = new StepTimeoutError({ runId: this.host.runId, stepId: this.stepId, attempt, timeoutMs: ms })
        this.controllers?.get(k)?.abort(error)
        this.onError(k, attempt, error)
      },
      () => {}, // disarmed
    )
  }

  private endAttempt(k: number): void {
    this.controllers?.delete(k)
    const timer = this.timers?.get(k)
    if (timer !== undefined) {
      this.timers!.delete(k)
      timer.abort()
    }
  }
}

/**
 * The `ctx` an item body receives. One object per item attempt; the signal, the PRNG and the
 * logger are made only when the body first touches them.
 */
class MapItemRuntime implements MapItemContext<unknown, Deps, unknown> {
  private controller: AbortController | undefined
  private randomFn: Random | undefined
  private nowFn: (() => number) | undefined
  private sleepFn: ((ms: number) => Promise<void>) | undefined
  private logger: StepLogger | undefined

  constructor(
    private readonly run: MapRun,
    readonly index: number,
    readonly attempt: number,
    readonly item: unknown,
  ) {}

  get input(): unknown {
    return this.run.parent.input
  }

  get deps(): Deps {
    return this.run.parent.deps
  }

  get runId(): string {
    return this.run.host.runId
  }

  get workflowId(): string {
    return this.run.host.workflowId
  }

  get stepId(): string {
    return this.run.stepId
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController()
      this.run.register(this.index, this.attempt, this.controller)
    }
    return this.controller.signal
  }

  get idempotencyKey(): string {
    return `${this.run.host.runId}/${this.run.stepId}/${this.index}`
  }

  get now(): () => number {
    return (this.nowFn ??= () => this.run.host.clock.now())
  }

  get random(): () => number {
    return (this.randomFn ??= mulberry32(hash32(`${this.run.stepId}[${this.index}]`, this.run.host.seed)))
  }

  get sleep(): (ms: number) => Promise<void> {
    return (this.sleepFn ??= (ms: number) => this.run.host.clock.sleep(ms, this.signal))
  }

  get log(): StepLogger {
    if (this.logger === undefined) {
      const write =
        (level: StepLogEvent['level']) =>
        (message: string, data?: Record<string, unknown>): void =>
          this.run.host.log({ type: 'step.log', runId: this.runId, stepId: this.stepId, at: this.now(), level, message, data: { ...data, item: this.index } })
      this.logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
    }
    return this.logger
  }

  /** Reads a secret the map step declares (through the step's own context, so the same rules and redaction apply). */
  secret(name: string): Promise<string> {
    return this.run.parent.secret(name)
  }
}

/** Issues of every invalid item, their pointers prefixed with the item's index (at most 100 issues). */
function itemIssues(schema: TSchema, items: readonly unknown[]): ContractIssue[] {
  const validator = compile(schema)
  const issues: ContractIssue[] = []
  for (let k = 0; k < items.length && issues.length < 100; k++) {
    if (!validator.Check(items[k])) issues.push(...prefixed(k, issuesOf(schema, items[k])))
  }
  return issues
}

/** An Error standing for a journaled one (a failure restored from the journal). */
function revive(recorded: SerializedError): Error {
  const error = Object.assign(new Error(recorded.message), recorded.code === undefined ? {} : { code: recorded.code })
  error.name = recorded.name
  if (recorded.stack !== undefined) error.stack = recorded.stack
  return error
}

function prefixed(k: number, issues: readonly ContractIssue[]): ContractIssue[] {
  return issues.map((issue) => ({ path: `/${k}${issue.path}`, message: issue.message }))
}
