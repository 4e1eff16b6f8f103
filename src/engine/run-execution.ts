import { ContractViolation, issuesOf } from '../contract/index.js'
import { isJournaledData, journaledDataViolation } from '../contract/journaled-data.js'
import { isWeftError, serializeError, type SerializedError } from '../errors/index.js'
import type { Executor, StepTask } from '../executor/index.js'
import { InlineExecutor, runBody } from '../executor/inline-executor.js'
import type { JournalEvent } from '../journal/index.js'
import type { Clock } from '../runtime/index.js'
import { Scheduler } from '../scheduler/index.js'
import type { RunHeader, RunStore } from '../store/index.js'
import type { EventBus, StepLogEvent, Telemetry, WeftEvent } from '../telemetry/index.js'
import type { StepDefinition, Workflow } from '../workflow/index.js'
import { Value } from 'typebox/value'
import { CancelledError, RunFailedError, StepTimeoutError } from './engine-errors.js'
import { retryDelay } from './retry-decision.js'
import { Compensation, type CompensationHost, type CompensationState } from './compensation.js'
import { applyJournal, BACKOFF, CANCELLED, FAILED, NOT_RUN, RUNNING, RunState, SKIPPED, SUCCEEDED } from './run-state.js'
import { buildRunResult } from './run-result.js'
import { checkSignalPayload, SignalBoard } from './signal-board.js'
import type { StepGuards } from './step-guards.js'
import { matchesError, RemedyFailedError, selectRemedy, type RemedySelection } from '../resilience/index.js'
import { isTerminalEvent } from '../journal/index.js'
import { EventStream } from './event-stream.js'
import type { PluginHooks, RunHookContext, StepHookContext, WeftPlugin } from './plugin.js'
import type { RunResult } from './run-result.js'
import { StepRuntime, type StepHost } from './step-runtime.js'
import { scheduleWith, type WorkflowPlan } from './workflow-plan.js'
import { summarize } from './definition-summary.js'
import { workflowOutput } from './step-outputs.js'
import { MapSteps } from './map-step.js'
import { RunSecrets, type SecretSettings } from './run-secrets.js'
import type { GateMember, LaunchGate } from './launch-gate.js'
import { keepStepShapes, StepStartedEvent, StepSucceededEvent } from './step-records.js'
import { runStartedEvent } from './run-started-record.js'
import type { EventStandIns } from './stand-in.js'
import { unnamed } from '../runtime/unnamed.js'

/** How a run reacts to a failed step. @public */
export type FailurePolicy = 'failFast' | 'continue'

/**
 * Options of {@link RunHandle.cancel}.
 * @public
 */
export interface CancelOptions {
  /**
   * Record an interruption rather than a final cancel: running steps are still aborted and the
   * run ends `cancelled`, but a later `engine.resume` continues it (the cancelled steps run
   * again with their attempt counts continued). What a CLI does on Ctrl-C.
   * @defaultValue false
   */
  readonly resumable?: boolean
}

/** @internal */
export interface RunServices {
  readonly store: RunStore
  readonly executor: Executor
  readonly clock: Clock
  readonly bus: EventBus
  readonly telemetry: Telemetry | undefined
  /** The engine's plugins, by the hooks they have (see {@link pluginHooks}). */
  readonly hooks: PluginHooks
  /** Runs the steps the engine implements itself (gates, sub-workflows, dry-run stand-ins). */
  readonly inline: Executor
  /** Runs a sub-workflow step's child run and resolves with its output. */
  readonly runChild: (request: ChildRunRequest) => Promise<unknown>
  /** Engine-wide breakers, bulkheads and rate limits of steps. */
  readonly guards: StepGuards
  /** Secret provider and leak policy. */
  readonly secrets: SecretSettings
  /** Capacity shared by the engine's runs (global concurrency, pools, key limits), when configured. */
  readonly gate?: LaunchGate
  /** Keep the maps of the journal events alive between runs (see `stand-in.ts`). */
  readonly standIns: EventStandIns
}

/** @internal */
export interface ChildRunRequest {
  readonly parentRunId: string
  readonly childRunId: string
  readonly workflow: Workflow
  readonly input: unknown
  readonly dryRun: boolean
  readonly signal: AbortSignal
}

/** @internal */
export interface RunSettings {
  readonly runId: string
  readonly seed: number
  readonly input: unknown
  readonly concurrency: number
  readonly failurePolicy: FailurePolicy
  readonly signal: AbortSignal | undefined
  /** For resume: the journal so far (starting with `run.started`). */
  readonly restored?: readonly JournalEvent[]
  /** Simulate steps with side effects. */
  readonly dryRun?: boolean
  /** The parent run of a sub-workflow run. */
  readonly parentRunId?: string
  /** The caller's labels of the run. */
  readonly metadata?: Readonly<Record<string, string>>
  /** Learned durations replacing declared estimates in the ranking (journaled in `run.started`). */
  readonly estimates?: Readonly<Record<string, number>>
  /** Resource pools of the run. */
  readonly pools?: Readonly<Record<string, number>>
  /** Per-key concurrency limits of the run. */
  readonly limits?: Readonly<Record<string, number>>
  /**
   * Leasing, when the store supports it: `acquire` takes the run's lease (undefined: another
   * owner holds it) and returns the fencing token for appends.
   */
  readonly lease?: (execution: RunExecution) => Promise<number | undefined>
  /**
   * Creates the run and takes its lease in one store call, when the store can, journaling
   * `events` (the run's first) with the creation: resolves the fencing token, or undefined after
   * failing the run with a conflict.
   */
  readonly createLeased?: (execution: RunExecution, header: RunHeader, events?: readonly JournalEvent[]) => Promise<number | undefined>
}

/** The reason a disarmed timeout timer is aborted with (nobody sees it; saves a DOMException). */
const DISARMED: unknown = Object.freeze({ disarmed: true })

/**
 * One run: drives the scheduler, hands steps to the executor, journals every state change
 * before acting on it or reporting it, and settles the result.
 *
 * Journal-before-act: events are collected in a batch and appended with one store call; the
 * bodies of steps whose `step.started` is in that batch are launched only once the append has
 * completed (synchronously for the memory store). While an append is in flight, new events
 * accumulate into the next batch (group commit).
 * @internal
 */
export class RunExecution implements StepHost, GateMember {
  // Every field is declared here and assigned once in the constructor, in one order (every run's
  // object has the same hidden class). No class-field initializers: in code V8 has not optimized
  // yet, as a run's constructor is during a process's first twenty or so runs, defining a class
  // field costs about 175 ns against 25 ns for an assignment (Node 20), and a declared field
  // without `declare` is defined (as undefined) before it is assigned (see StepRuntime).
  declare readonly runId: string
  declare readonly workflowId: string
  declare readonly seed: number
  declare readonly result: Promise<RunResult>

  private declare readonly services: RunServices
  private declare readonly workflow: Workflow
  private declare readonly plan: WorkflowPlan
  private declare readonly settings: RunSettings
  private declare readonly scheduler: Scheduler
  private declare readonly steps: Workflow['steps']
  private declare readonly state: RunState
  // Aliases of the state's per-step storage, for the hot path.
  private declare readonly status: Uint8Array
  private declare readonly attempts: Int32Array
  private declare readonly outputs: unknown[]
  private declare readonly errors: Map<number, SerializedError>
  private declare readonly reasons: Map<number, string>
  private declare readonly controllers: Map<number, AbortController>
  private declare readonly timers: Map<number, AbortController>
  private declare runAbort: AbortController | undefined
  private declare readonly completion: number[]
  private declare readonly compensation: CompensationState
  private declare afterCommitActions: (() => void)[]
  private declare compensating: boolean
  private declare readonly simulated: Set<number>
  private declare readonly fallbacks: Set<number>
  private declare readonly signals: SignalBoard
  private declare readonly childAttempts: Map<number, number>
  private declare readonly streams: Set<EventStream>
  private declare mapSteps: MapSteps | undefined
  /** The run may take the lean path (see {@link RunExecution.succeedLean}) for plain steps. */
  private declare readonly leanRun: boolean
  /** The executor is an {@link InlineExecutor}: the lean path calls plain steps' bodies itself. */
  private declare readonly directBodies: boolean

  private declare seq: number
  private declare committedSeq: number
  /**
   * The events recorded since the last append: `pendingEvents` of them, in `batch` (which is stale
   * while `pendingEvents` is 0). A new batch is born holding its first event, so every batch array has
   * the same map: an empty literal starts as a small-integer array and changes map at its first
   * push, which deoptimized the hot functions that read it, in a different run of every process.
   */
  private declare batch: JournalEvent[]
  private declare pendingEvents: number
  private declare launches: number[]
  private declare flushing: boolean
  private declare begun: boolean
  private declare stopping: 'failed' | 'cancelled' | undefined
  private declare cancelReason: string
  private declare resumableCancel: boolean
  /** The store's appends complete asynchronously: batch a tick's reactions into one append. */
  private declare asyncStore: boolean
  private declare flushQueued: boolean
  private declare finished: boolean
  private declare startedAt: number
  private declare resolveResult: (result: RunResult) => void
  private declare rejectResult: (error: unknown) => void
  private declare detachSignal: (() => void) | undefined
  private declare infrastructureFailed: boolean
  private declare lastContext: StepRuntime | undefined
  private declare reactionAt: number
  private declare appendOptions: { readonly fence: number } | undefined
  /** The header of a run that the first flush creates, with its first batch (see createWithFirstBatch). */
  private declare pendingCreate: RunHeader | undefined
  private declare resultSettled: boolean
  /** Only for workflows whose steps declare secrets (or once a step asks for one). */
  private declare secrets: RunSecrets | undefined
  /**
   * Objects built once per run and then dropped by whoever they were handed to (the run's header,
   * the fields of `run.started`, the run's handle, its lease), kept here only so
   * that V8 keeps their hidden classes (see `stand-in.ts`). The engine keeps the last ended run
   * (`Engine.lastEnded`), so a full GC between two runs no longer frees those maps, and the next
   * run does not rebuild them (see {@link RunExecution.keep}).
   */
  private declare readonly transients: object[]
  private declare readonly flushQueuedBatch: () => void

  constructor(services: RunServices, workflow: Workflow, plan: WorkflowPlan, settings: RunSettings) {
    this.runId = settings.runId
    this.workflowId = workflow.id
    this.seed = settings.seed
    this.result = new Promise<RunResult>((resolve, reject) => {
      this.resolveResult = resolve
      this.rejectResult = reject
    })
    this.services = services
    this.workflow = workflow
    this.plan = plan
    this.settings = settings
    const schedule = settings.estimates === undefined ? plan.schedule : scheduleWith(workflow, settings.estimates)
    // The settings are the scheduler's options (concurrency, pools, limits): no object of its own
    // to build for every run (and to keep, see RunExecution.keep).
    this.scheduler = new Scheduler(schedule, settings)
    this.steps = workflow.steps
    const state = new RunState(workflow.steps)
    this.state = state
    this.status = state.status
    this.attempts = state.attempts
    this.outputs = state.outputs
    this.errors = state.errors
    this.reasons = state.reasons
    this.controllers = new Map()
    this.timers = new Map()
    this.runAbort = undefined
    this.completion = state.completion
    this.compensation = state.compensation
    this.afterCommitActions = []
    this.compensating = false
    this.simulated = state.simulated
    this.fallbacks = state.fallbacks
    this.signals = new SignalBoard(state.signals)
    this.childAttempts = new Map()
    this.streams = new Set()
    this.mapSteps = undefined
    this.leanRun =
      leanPath.enabled &&
      schedule.resources === undefined &&
      services.gate === undefined &&
      services.hooks.beforeStep.length === 0 &&
      services.hooks.afterStep.length === 0 &&
      !plan.hasSecrets &&
      !plan.hasConditions &&
      settings.dryRun !== true
    this.directBodies = services.executor instanceof InlineExecutor
    this.seq = 0
    this.committedSeq = 0
    this.batch = []
    this.pendingEvents = 0
    this.launches = []
    this.flushing = false
    this.begun = false
    this.stopping = undefined
    this.cancelReason = ''
    this.resumableCancel = false
    this.asyncStore = false
    this.flushQueued = false
    this.finished = false
    this.startedAt = 0
    this.detachSignal = undefined
    this.infrastructureFailed = false
    this.lastContext = undefined
    this.reactionAt = -1
    this.appendOptions = undefined
    this.pendingCreate = undefined
    this.resultSettled = false
    this.secrets = undefined
    this.transients = []
    this.flushQueuedBatch = unnamed((): void => {
      this.flushQueued = false
      if (!this.flushing) this.flushNow()
    })
  }

  /**
   * Keeps `value`, an object built once for this run and dropped after use, as long as this run
   * object lives, and returns it. A run's objects all die together; when nothing keeps an object
   * of a given map, V8 drops the map at the next full GC, and the next run rebuilds it property
   * by property and misses every inline cache that had seen it. With these kept (and the run's
   * result and `run.started` built without spreads), a one-step run after a forced GC went from
   * 190–310 µs to 110–190 µs (`npm run bench R1` measures it).
   */
  keep<T extends object>(value: T): T {
    this.transients.push(value)
    return value
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Starts the run: journals `run.started` (with the first batch when the store creates runs
   * with their first events) and drives the scheduler. The common case (a new run, a store with
   * `createLeased`, no secrets and no run-start hooks) is synchronous and small; everything else
   * goes through {@link RunExecution.beginGeneral}. The split is for V8: a function is compiled
   * whole, and a run's once-per-run functions are compiled during the first twenty or so runs of
   * a process (they reach V8's thresholds one call per run), inside those runs' time. `begin` was
   * one async function of about 15 KB of baseline code, nearly all of it for rare cases.
   */
  begin(): void | Promise<void> {
    const settings = this.settings
    if (this.plan.hasSecrets || settings.restored !== undefined || settings.createLeased === undefined || this.services.hooks.runStart.length > 0) return this.beginGeneral()
    try {
      // As beginGeneral does for this case: created by the first flush, with the first batch
      // (run.started and the first starts), one durable write instead of two.
      this.startedAt = this.services.clock.now()
      this.pendingCreate = this.header()
      this.record(this.runStartedRecord())
    } catch (error) {
      return this.abortInfrastructure(error) // nothing journaled yet: as beginGeneral does
    }
    this.begun = true
    this.afterBegin()
  }

  /** The run's header (kept: see {@link RunExecution.keep}). */
  private header(): RunHeader {
    const wf = this.workflow
    return this.keep({
      runId: this.runId,
      workflowId: wf.id,
      version: wf.version,
      fingerprint: wf.fingerprint,
      createdAt: this.startedAt,
      ...(this.settings.parentRunId === undefined ? {} : { parentRunId: this.settings.parentRunId }),
      ...(this.settings.metadata === undefined ? {} : { metadata: this.settings.metadata }),
    })
  }

  /** The run's `run.started` event (its fields kept: see {@link RunExecution.keep}). */
  private runStartedRecord(): JournalEvent {
    const wf = this.workflow
    return runStartedEvent(this.keep({
      seq: ++this.seq,
      at: this.startedAt,
      runId: this.runId,
      workflowId: wf.id,
      version: wf.version,
      fingerprint: wf.fingerprint,
      input: this.settings.input,
      seed: this.seed,
      concurrency: this.settings.concurrency,
      failurePolicy: this.settings.failurePolicy,
      parentRunId: this.settings.parentRunId,
      dryRun: this.settings.dryRun,
      metadata: this.settings.metadata,
      estimates: this.settings.estimates,
      definition: summarize(wf),
    }), this.services.standIns)
  }

  /** {@link RunExecution.begin} for every case: secrets, a restored run, run-start hooks, a store without `createLeased`. */
  private async beginGeneral(): Promise<void> {
    const { store, clock } = this.services
    try {
      if (this.plan.hasSecrets) {
        this.secrets = new RunSecrets(this.services.secrets, this.steps)
        await this.secrets.preload()
        if (this.settings.restored === undefined) this.secrets.checkInput(this.settings.input)
      }
      if (this.settings.restored !== undefined) {
        if (this.restore(this.settings.restored)) return
        if (!(await this.takeLease())) return
      } else {
        this.startedAt = clock.now()
        const header = this.header()
        const hooked = this.services.hooks.runStart.length > 0
        if (this.settings.createLeased !== undefined && !hooked) {
          // Created by the first flush, with the first batch (run.started and the first starts):
          // one durable write instead of two (see createWithFirstBatch).
          this.pendingCreate = header
        } else {
          let leased = false
          try {
            if (this.settings.createLeased === undefined) await store.create(header)
            else {
              const token = await this.settings.createLeased(this, header)
              if (token === undefined) return
              this.appendOptions = { fence: token }
              leased = true
            }
          } catch (error) {
            if (!(await this.adoptsEmptyRun(error))) throw error
          }
          if (!leased && !(await this.takeLease())) return
        }
        const started = this.runStartedRecord()
        if (hooked) {
          // Run-start hooks see a run whose start is journaled.
          await store.append(this.runId, [started], this.appendOptions)
          this.committedSeq = this.seq
          this.report(started)
        } else {
          // Journaled (and reported) with the first steps' events: one append, one fsync less.
          this.record(started)
        }
      }
      for (const plugin of this.services.hooks.runStart) await plugin.onRunStart!(this.hookContext(plugin))
    } catch (error) {
      if (this.committedSeq === 0 || this.settings.restored !== undefined) return this.abortInfrastructure(error)
      this.failRun(error)
      return
    }
    this.begun = true
    this.afterBegin()
  }

  /** What follows a journaled start: the caller's abort signal, a stop asked for meanwhile, then the scheduler. */
  private afterBegin(): void {
    const signal = this.settings.signal
    if (signal !== undefined) {
      const onAbort = (): void => this.cancel(reasonText(signal.reason, 'signal aborted'))
      signal.addEventListener('abort', onAbort, { once: true })
      this.detachSignal = () => signal.removeEventListener('abort', onAbort)
      if (signal.aborted) return this.cancel(reasonText(signal.reason, 'signal aborted'))
    }
    if (this.stopping === 'cancelled') return this.stop('cancelled', this.cancelReason)
    if (this.state.failedCount > 0 && this.settings.failurePolicy === 'failFast') return this.stop('failed', 'a step failed before the run was resumed')
    this.drive()
  }

  /**
   * Rebuilds state from a journal (see {@link applyJournal}), settles the scheduler and
   * journals `run.resumed`. Returns true when the journal already ended the run.
   */
  private restore(events: readonly JournalEvent[]): boolean {
    const { lastSeq, startedAt, terminal, restarted, lostAttempts, cancelled } = applyJournal(this.state, this.workflow, this.plan.validators, events)
    for (const [i, attempt] of lostAttempts) if (this.steps[i]!.child !== undefined) this.childAttempts.set(i, attempt)
    this.seq = lastSeq
    this.committedSeq = lastSeq
    this.startedAt = startedAt
    for (let i = 0; i < this.status.length; i++) {
      const code = this.status[i]!
      if (code !== NOT_RUN) this.scheduler.settle(i, code === SUCCEEDED)
    }
    if (terminal !== undefined) {
      this.finished = true
      void this.settleResult(terminal)
      return true
    }
    // A run stopped by a cancel is cancelled again; fail-fast cancellations fail again in begin().
    if (cancelled && this.state.failedCount === 0) {
      this.stopping = 'cancelled'
      this.cancelReason = 'cancelled before the run was resumed'
    }
    this.record({ seq: ++this.seq, at: this.services.clock.now(), runId: this.runId, type: 'run.resumed', restarted })
    return false
  }

  /**
   * Idempotent start: a process that died between creating the run and journaling `run.started`
   * left an empty run of this workflow; starting it again adopts it. True when `error` (from
   * creating the run) is that case.
   */
  private async adoptsEmptyRun(error: unknown): Promise<boolean> {
    if (!isWeftError(error, 'WEFT_RUN_EXISTS')) return false
    const wf = this.workflow
    const summary = await this.services.store.get(this.runId)
    return summary !== undefined && summary.events === 0 && summary.workflowId === wf.id && summary.fingerprint === wf.fingerprint
  }

  /** Takes the run's lease when leasing is on; false (and the result rejected) when another engine holds it. */
  private async takeLease(): Promise<boolean> {
    if (this.settings.lease === undefined) return true
    const token = await this.settings.lease(this)
    if (token === undefined) return false
    this.appendOptions = { fence: token }
    return true
  }

  /** The lease was lost: another engine took the run over. Stop without journaling anything. */
  leaseLost(error: unknown): void {
    this.abortInfrastructure(error)
  }

  /**
   * Cancels the run: running steps are aborted and recorded as cancelled, nothing new starts.
   * `resumable` records an interruption that a later `resume` continues.
   */
  cancel(reason = 'cancelled by caller', options: CancelOptions = {}): void {
    if (this.finished || this.stopping !== undefined) return
    this.resumableCancel = options.resumable === true
    if (!this.begun) {
      this.stopping = 'cancelled'
      this.cancelReason = reason
      return
    }
    this.stop('cancelled', reason)
  }

  // ---------------------------------------------------------------- scheduling

  private drive(): void {
    if (this.stopping === undefined && !this.finished) this.pump()
    this.flush()
  }

  private pump(): void {
    const scheduler = this.scheduler
    for (;;) {
      for (let b = scheduler.takeBlocked(); b >= 0; b = scheduler.takeBlocked()) {
        const blocker = scheduler.blocker(b)
        this.skip(b, this.status[blocker] === FAILED ? 'dependency-failed' : 'dependency-skipped', this.steps[blocker]!.id)
      }
      const i = scheduler.take()
      if (i < 0) break
      const step = this.steps[i]!
      if (step.when !== undefined) {
        const go = this.conditionHolds(i, step.when)
        if (go === undefined) {
          if (this.stopping !== undefined) return
          continue
        }
        if (!go) {
          this.skip(i, 'condition', undefined)
          continue
        }
      }
      const attempt = ++this.attempts[i]!
      this.status[i] = RUNNING
      this.record(new StepStartedEvent(++this.seq, this.time(), this.runId, step.id, attempt))
      this.launches.push(i)
    }
    if (scheduler.done && !this.finished) this.finish()
  }

  /** Step `i`'s `when`: true or false, or undefined when it threw (the step then failed in its first attempt). */
  private conditionHolds(i: number, when: NonNullable<StepDefinition['when']>): boolean | undefined {
    try {
      return when({ input: this.settings.input, deps: this.depsOf(i) }) === true
    } catch (error) {
      this.attempts[i] = 1
      this.status[i] = RUNNING
      this.fail(i, 1, error)
      return undefined
    }
  }

  private skip(i: number, reason: 'condition' | 'dependency-skipped' | 'dependency-failed', dependency: string | undefined): void {
    this.status[i] = SKIPPED
    this.reasons.set(i, reason)
    const event: JournalEvent =
      dependency === undefined
        ? { seq: ++this.seq, at: this.time(), runId: this.runId, type: 'step.skipped', stepId: this.steps[i]!.id, reason }
        : { seq: ++this.seq, at: this.time(), runId: this.runId, type: 'step.skipped', stepId: this.steps[i]!.id, reason, dependency }
    this.record(event)
    this.scheduler.settle(i, false)
  }

  private depsOf(i: number): Record<string, unknown> {
    const { predOffsets, preds, ids } = this.workflow.graph
    // A null-prototype object starts in dictionary mode: no hidden-class transition per distinct
    // step id (which made a chain of 1,000 differently named steps megamorphic).
    const deps: Record<string, unknown> = Object.create(null)
    for (let k = predOffsets[i]!, end = predOffsets[i + 1]!; k < end; k++) {
      const p = preds[k]!
      deps[ids[p]!] = this.outputs[p]
    }
    return deps
  }

  // ---------------------------------------------------------------- executing

  private launch(i: number): void {
    const attempt = this.attempts[i]!
    if (this.status[i] !== RUNNING) return
    const gate = this.services.gate
    if (gate !== undefined) return gate.request(this, i, attempt, this.steps[i]!)
    this.startAttempt(i, attempt)
  }

  /** The engine's shared capacity lets attempt `attempt` of step `i` start (if it is still current). */
  launchGranted(i: number, attempt: number): void {
    if (this.isCurrent(i, attempt)) this.startAttempt(i, attempt)
    else this.services.gate?.release(this, i, attempt)
  }

  private startAttempt(i: number, attempt: number): void {
    const step = this.steps[i]!
    const ctx = new StepRuntime(this, i, step.id, attempt, this.settings.input, this.depsOf(i))
    this.lastContext = ctx // keeps the hidden class alive between runs (see Engine.lastEnded)
    if (this.services.hooks.beforeStep.length > 0) {
      this.runStepHooks('before', i, attempt, undefined).then(
        () => {
          if (this.isCurrent(i, attempt)) this.execute(i, attempt, ctx)
        },
        (error) => this.onError(i, attempt, error),
      )
    } else {
      this.execute(i, attempt, ctx)
    }
  }

  /** Starts the body of the current attempt `attempt` of step `i`. */
  private execute(i: number, attempt: number, ctx: StepRuntime): void {
    const step = this.steps[i]!
    const { timeout, totalTimeout } = step
    if (totalTimeout !== undefined) {
      const now = this.time()
      if (!this.state.firstStart.has(i)) this.state.firstStart.set(i, now)
      const left = this.state.firstStart.get(i)! + totalTimeout - now
      if (timeout === undefined || left <= timeout) this.armTimeout(i, attempt, Math.max(0, left), totalTimeout)
      else this.armTimeout(i, attempt, timeout, undefined)
    } else if (timeout !== undefined) {
      this.armTimeout(i, attempt, timeout, undefined)
    }
    const kind = this.plan.runKind[i]!
    if (kind === 4) return this.runMap(i, attempt, ctx)
    let pending: Promise<unknown>
    try {
      if (kind === 0) {
        pending = this.services.executor.execute({ step, ctx })
      } else if (kind === 2 || (kind === 3 && this.settings.dryRun === true)) {
        pending = this.services.inline.execute({ step: this.engineStep(i, attempt), ctx })
      } else {
        const guard = this.services.guards.guard(step)
        const executor = this.services.executor
        pending = guard === undefined ? executor.execute({ step, ctx }) : guard.execute(() => executor.execute({ step, ctx }), { signal: ctx.signal })
      }
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (value) => this.onValue(i, attempt, value),
      (error) => this.onError(i, attempt, error),
    )
  }

  /** Runs a map step's items (see map-step.ts); its outcome comes back through the inline executor. */
  private runMap(i: number, attempt: number, ctx: StepRuntime): void {
    this.mapSteps ??= new MapSteps({
      ...this.stepHostBase(),
      concurrency: this.settings.concurrency,
      failFast: this.settings.failurePolicy === 'failFast',
      executor: this.services.executor,
      guards: this.services.guards,
      clock: this.services.clock,
      restored: this.settings.restored,
      time: () => this.time(),
      nextSeq: () => ++this.seq,
      record: (event) => this.record(event),
      afterCommit: (action) => void this.afterCommitActions.push(action),
      flush: () => this.flush(),
    })
    const step = this.steps[i]!
    this.mapSteps.run(i, step, attempt, ctx, (outcome) => {
      executeTask(this.services.inline, { step: { ...step, run: outcome }, ctx }).then(
        (value) => this.onValue(i, attempt, value),
        (error) => this.onError(i, attempt, error),
      )
    })
  }

  /**
   * The attempt number naming a sub-workflow step's child run: a retry starts a new child run,
   * but the attempt that restarts after a crash resumes the child run of the lost attempt.
   */
  private childAttemptOf(i: number, attempt: number): number {
    const lost = this.childAttempts.get(i)
    if (lost === undefined) return attempt
    this.childAttempts.delete(i)
    return lost
  }

  /** The definition the engine runs for gates, sub-workflows and dry-run stand-ins. */
  private engineStep(i: number, attempt: number): StepDefinition {
    const step = this.steps[i]!
    if (step.gate !== undefined) {
      const name = step.gate.signal
      return { ...step, run: (ctx) => this.signals.wait(name, ctx.signal) }
    }
    if (step.child !== undefined) {
      const child = step.child
      return {
        ...step,
        run: (ctx) =>
          this.services.runChild({
            parentRunId: this.runId,
            childRunId: `${this.runId}.${step.id}.${this.childAttemptOf(i, attempt)}`,
            workflow: child.workflow,
            input: child.input === undefined ? undefined : child.input({ input: ctx.input, deps: ctx.deps }),
            dryRun: this.settings.dryRun === true,
            signal: ctx.signal,
          }),
      }
    }
    this.simulated.add(i)
    return { ...step, run: step.dryRun ?? (() => Value.Create(step.output)) }
  }

  /**
   * Journals a signal, then opens the gates waiting for it. The payload is checked against the
   * contract of every gate of this workflow that waits for `name`.
   */
  deliverSignal(name: string, payload: unknown): Promise<void> {
    try {
      checkSignalPayload(this.workflow, name, payload)
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise((resolve, reject) => {
      this.result.catch(reject) // the journal failed (e.g. the lease was lost): the signal was not taken
      this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: 'signal.received', name, payload })
      this.afterCommitActions.push(() => {
        this.signals.open(name, payload)
        resolve()
      })
      this.flush()
    })
  }

  /** True once the run has ended (or can no longer journal). */
  get ended(): boolean {
    return this.finished
  }

  private isCurrent(i: number, attempt: number): boolean {
    return this.status[i] === RUNNING && this.attempts[i] === attempt && !this.finished
  }

  private onValue(i: number, attempt: number, value: unknown): void {
    this.services.gate?.release(this, i, attempt)
    // isCurrent(), written out: this runs once per step of every run.
    if (this.status[i] !== RUNNING || this.attempts[i] !== attempt || this.finished) return // late result of an abandoned attempt: discarded
    if (!this.plan.validators[i]!.Check(value)) {
      const step = this.steps[i]!
      this.onError(i, attempt, new ContractViolation({ workflowId: this.workflowId, stepId: step.id, direction: 'step-output', issues: issuesOf(step.output, value) }))
      return
    }
    // What the journal would change (a Date, a Map, NaN, a function) dependents would see one way
    // now, another after a resume. A map step's own output is its items' outputs, each checked.
    if ((this.plan.runKind[i] !== 4 || this.fallbacks.has(i)) && !isJournaledData(value)) {
      const violation = journaledDataViolation(value, { workflowId: this.workflowId, stepId: this.steps[i]!.id, direction: 'step-output' })
      if (violation !== undefined) return this.onError(i, attempt, violation)
    }
    if (this.secrets !== undefined && this.secrets.active) {
      // An output holding a secret would be stored and passed on: it fails the step (or is redacted).
      try {
        value = this.secrets.checkOutput(this.steps[i]!.id, value)
      } catch (error) {
        this.onError(i, attempt, error)
        return
      }
    }
    if (this.services.hooks.afterStep.length > 0) {
      this.runStepHooks('after', i, attempt, value).then(
        () => this.succeed(i, attempt, value),
        (error) => this.onError(i, attempt, error),
      )
      return
    }
    if (
      this.leanRun &&
      this.plan.direct[i] === 1 &&
      this.pendingEvents === 0 &&
      !this.flushing &&
      this.stopping === undefined &&
      this.secrets === undefined &&
      this.fallbacks.size === 0
    ) {
      return this.succeedLean(i, attempt, value)
    }
    this.succeedCurrent(i, attempt, value) // checked above, nothing in between
  }

  /**
   * {@link RunExecution.succeedCurrent} for the common case, in one pass: a plain step (no
   * timeout, no fallback) of a run without gates, hooks, secrets, conditions or resources, with
   * nothing pending. It journals the success and the starts of the steps it made ready in one
   * append, then launches the plain ones itself (with an asynchronous store, once it is durable).
   * Events, their order and their times are those of the general path (`drive`, `flushNow`,
   * `committed`, `launch`); a property test runs both on random workflows and compares journals.
   * It exists because a step's reaction runs thousands of times before V8 optimizes it: every
   * call and every allocation saved there shortens the runs of a fresh process.
   */
  private succeedLean(i: number, attempt: number, value: unknown): void {
    const at = this.reactionAt >= 0 ? this.reactionAt : (this.reactionAt = this.services.clock.now()) // time(), written out
    this.status[i] = SUCCEEDED
    this.outputs[i] = value
    if (this.controllers.size > 0) this.controllers.delete(i)
    if (this.plan.hasCompensation) this.completion.push(i)
    const succeeded: JournalEvent = new StepSucceededEvent(++this.seq, at, this.runId, this.steps[i]!.id, attempt, value)
    const scheduler = this.scheduler
    if (scheduler.settle(i, true)) {
      // A dependent must be skipped (it also needs a step that did not succeed), or the run
      // ends: the general path does both.
      this.record(succeeded)
      this.drive()
      return
    }
    const first = scheduler.take()
    if (first < 0) return this.commitLean([succeeded], first, undefined)
    const events: JournalEvent[] = [succeeded, this.startedEvent(first, at)]
    let more: number[] | undefined
    if (scheduler.queued > 0) {
      for (let j = scheduler.take(); j >= 0; j = scheduler.take()) {
        events.push(this.startedEvent(j, at))
        ;(more ??= []).push(j)
      }
    }
    this.commitLean(events, first, more)
  }

  /** Marks step `j` running in its next attempt and returns its `step.started` event. */
  private startedEvent(j: number, at: number): JournalEvent {
    const attempt = ++this.attempts[j]!
    this.status[j] = RUNNING
    return new StepStartedEvent(++this.seq, at, this.runId, this.steps[j]!.id, attempt)
  }

  /**
   * Appends the lean path's events, then reports them and launches `first` and `more` (as
   * `committed` does). With an asynchronous store it hands them to the batch instead, which
   * `flushNow` appends and `committed` launches once durable.
   */
  private commitLean(events: JournalEvent[], first: number, more: number[] | undefined): void {
    if (this.asyncStore) {
      // As record() and flush() would; committed() launches the steps once the batch is durable.
      this.batch = events
      this.pendingEvents = events.length
      const launched = first < 0 ? 0 : (this.launches = launchList(first, more)).length
      // With other steps running, the batch waits for the other reactions of this tick, to share
      // their append (one fsync). With none (a chain), no other reaction can join it: append now.
      if (this.scheduler.running === launched) {
        this.reactionAt = -1
        this.flushNow()
      } else {
        this.flush()
      }
      return
    }
    let pending: void | Promise<void>
    try {
      pending = this.services.store.append(this.runId, events, this.appendOptions)
    } catch (error) {
      return this.abortInfrastructure(error)
    }
    if (pending !== undefined) {
      // The store answered asynchronously after all: the general path from here on.
      this.asyncStore = true
      this.flushing = true
      const actions = this.afterCommitActions
      if (actions.length > 0) this.afterCommitActions = []
      this.commitWhenAppended(pending, events, first < 0 ? [] : launchList(first, more), actions)
      return
    }
    this.committedSeq = this.seq
    if (this.services.bus.active || this.services.telemetry !== undefined || this.streams.size > 0) for (let k = 0; k < events.length; k++) this.report(events[k]!)
    // What the launched bodies record synchronously is appended once they have all started.
    this.flushing = true
    if (first >= 0) this.launchLean(first)
    if (more !== undefined) launchEachLean(this, more)
    if (this.afterCommitActions.length > 0) {
      const actions = this.afterCommitActions
      this.afterCommitActions = []
      for (const action of actions) action()
    }
    this.flushing = false
    this.reactionAt = -1
    if (this.pendingEvents > 0) this.flushNow()
  }

  /**
   * {@link RunExecution.launch} of a step the lean path started: plain steps go straight to the
   * executor. Public only for `launchEachLean`.
   * @internal
   */
  launchLean(j: number): void {
    if (this.plan.direct[j] !== 1) return this.launch(j)
    if (this.status[j] !== RUNNING) return // a body started before it ended the run
    const step = this.steps[j]!
    const attempt = this.attempts[j]!
    const ctx = new StepRuntime(this, j, step.id, attempt, this.settings.input, this.depsOf(j))
    this.lastContext = ctx
    const pending = this.directBodies ? runBody(step, ctx) : executeTask(this.services.executor, { step, ctx })
    pending.then(
      (value) => this.onValue(j, attempt, value),
      (error) => this.onError(j, attempt, error),
    )
  }

  private succeed(i: number, attempt: number, value: unknown): void {
    if (this.isCurrent(i, attempt)) this.succeedCurrent(i, attempt, value)
  }

  /** {@link RunExecution.succeed} for an attempt known to be current. */
  private succeedCurrent(i: number, attempt: number, value: unknown): void {
    if (this.timers.size > 0) this.disarmTimeout(i)
    this.status[i] = SUCCEEDED
    this.outputs[i] = value
    if (this.controllers.size > 0) this.controllers.delete(i)
    if (this.plan.hasCompensation) this.completion.push(i)
    this.record(
      (this.simulated.size > 0 && this.simulated.has(i)) || (this.fallbacks.size > 0 && this.fallbacks.has(i))
        ? {
            seq: ++this.seq,
            at: this.time(),
            runId: this.runId,
            type: 'step.succeeded',
            stepId: this.steps[i]!.id,
            attempt,
            output: value,
            ...(this.simulated.has(i) ? { simulated: true as const } : {}),
            ...(this.fallbacks.has(i) ? { fallback: true as const } : {}),
          }
        : new StepSucceededEvent(++this.seq, this.time(), this.runId, this.steps[i]!.id, attempt, value),
    )
    this.scheduler.settle(i, true)
    this.drive()
  }

  private onError(i: number, attempt: number, error: unknown): void {
    this.services.gate?.release(this, i, attempt)
    if (!this.isCurrent(i, attempt)) return
    this.disarmTimeout(i)
    const step = this.steps[i]!
    if (step.heal !== undefined && this.stopping === undefined && !this.fallbacks.has(i)) {
      const remedy = selectRemedy(step.heal, error)
      if (remedy !== undefined && (this.state.healed.get(i)?.length ?? 0) < MAX_HEALS) return this.heal(i, attempt, error, remedy)
    }
    let delay = step.retry === undefined || this.stopping !== undefined ? undefined : retryDelay(step.retry, attempt, error, this.seed, step.id, this.state.lastDelay.get(i))
    // No retry that would start after the step's overall deadline.
    if (delay !== undefined && step.totalTimeout !== undefined && this.time() + delay >= this.state.firstStart.get(i)! + step.totalTimeout) delay = undefined
    if (delay === undefined) {
      if (step.fallback !== undefined && this.stopping === undefined && !this.fallbacks.has(i) && matchesFallback(step.fallback.when, error)) {
        return this.recover(i, attempt, error, step.fallback.value)
      }
      this.fail(i, attempt, error)
      this.drive()
      return
    }
    this.status[i] = BACKOFF
    this.state.lastDelay.set(i, delay)
    this.controllers.delete(i)
    this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: 'step.failed', stepId: step.id, attempt, error: this.serialize(error), willRetry: true, delayMs: delay })
    this.services.clock.sleep(delay, this.runSignal()).then(
      () => this.retry(i, attempt),
      () => {}, // the run stopped during the backoff
    )
    this.flush()
  }

  /**
   * Self-healing: runs the matching rule's action (through the inline executor, so a replay
   * feeds it from the journal), journals `step.healed`, then applies the rule's outcome.
   */
  private heal(i: number, attempt: number, error: unknown, remedy: RemedySelection<unknown>): void {
    const step = this.steps[i]!
    this.status[i] = BACKOFF
    this.controllers.delete(i)
    const action = remedy.rule.do
    const ctx = new StepRuntime(this, i, step.id, attempt, this.settings.input, this.depsOf(i), 'heal')
    const healStep: StepDefinition = { ...step, run: () => (action === undefined ? undefined : action(error, { signal: this.runSignal(), attempt })) }
    executeTask(this.services.inline, { step: healStep, ctx, kind: 'heal' }).then(
      () => {
        if (this.status[i] !== BACKOFF || this.attempts[i] !== attempt || this.finished) return
        const then = remedy.rule.then
        const list = this.state.healed.get(i) ?? []
        list.push({ rule: remedy.index, then })
        this.state.healed.set(i, list)
        this.record({
          seq: ++this.seq,
          at: this.time(),
          runId: this.runId,
          type: 'step.healed',
          stepId: step.id,
          attempt,
          rule: remedy.index,
          ...(remedy.rule.name === undefined ? {} : { name: remedy.rule.name }),
          then,
          error: this.serialize(error),
        })
        if (then === 'retry') return this.retry(i, attempt)
        this.status[i] = RUNNING
        if (then === 'skip') {
          this.status[i] = SKIPPED
          this.reasons.set(i, 'remedy')
          this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: 'step.skipped', stepId: step.id, reason: 'remedy' })
          this.scheduler.settle(i, false)
          return this.drive()
        }
        if (then === 'fallback') {
          const value = remedy.rule.fallback ?? step.fallback?.value
          if (value !== undefined) return this.recover(i, attempt, error, value)
        }
        this.fail(i, attempt, error)
        this.drive()
      },
      (failure: unknown) => {
        if (this.status[i] !== BACKOFF || this.attempts[i] !== attempt || this.finished) return
        this.status[i] = RUNNING
        this.fail(i, attempt, new RemedyFailedError(remedy.index, remedy.rule.name, error, failure))
        this.drive()
      },
    )
  }

  /**
   * Fallback: the step failed for good; its fallback value (or the value a function of the
   * error returns) becomes its output, checked against the output contract.
   */
  private recover(i: number, attempt: number, error: unknown, value: unknown): void {
    const step = this.steps[i]!
    this.status[i] = RUNNING
    this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: 'step.fallback', stepId: step.id, attempt, error: this.serialize(error) })
    this.flush()
    const ctx = new StepRuntime(this, i, step.id, attempt, this.settings.input, this.depsOf(i), 'fallback')
    const fallbackStep: StepDefinition = { ...step, run: () => (typeof value === 'function' ? (value as (e: unknown) => unknown)(error) : value) }
    const pending = executeTask(this.services.inline, { step: fallbackStep, ctx, kind: 'fallback' })
    this.fallbacks.add(i)
    pending.then(
      (output) => this.onValue(i, attempt, output),
      (failure) => {
        this.fallbacks.delete(i)
        if (!this.isCurrent(i, attempt)) return
        this.fail(i, attempt, failure)
        this.drive()
      },
    )
  }

  /** Starts the next attempt of a step whose backoff elapsed. */
  private retry(i: number, previous: number): void {
    if (this.status[i] !== BACKOFF || this.attempts[i] !== previous || this.finished || this.stopping !== undefined) return
    const attempt = ++this.attempts[i]!
    this.status[i] = RUNNING
    this.record(new StepStartedEvent(++this.seq, this.time(), this.runId, this.steps[i]!.id, attempt))
    this.launches.push(i)
    this.flush()
  }

  /** Aborted when the run ends: cancels backoff waits and timeout timers. Created on first use. */
  private runSignal(): AbortSignal {
    this.runAbort ??= new AbortController()
    return this.runAbort.signal
  }

  /** Arms the attempt's timer; `totalMs` set means it is the step's overall deadline. */
  private armTimeout(i: number, attempt: number, timeoutMs: number, totalMs: number | undefined): void {
    const timer = new AbortController()
    this.timers.set(i, timer)
    this.services.clock.sleep(timeoutMs, timer.signal).then(
      () => {
        if (!this.isCurrent(i, attempt)) return
        const error = new StepTimeoutError({ runId: this.runId, stepId: this.steps[i]!.id, attempt, timeoutMs: totalMs ?? timeoutMs })
        this.controllers.get(i)?.abort(error)
        this.controllers.delete(i)
        this.onError(i, attempt, error)
      },
      () => {}, // disarmed
    )
  }

  private disarmTimeout(i: number): void {
    const timer = this.timers.get(i)
    if (timer === undefined) return
    this.timers.delete(i)
    timer.abort(DISARMED)
  }

  private fail(i: number, attempt: number, error: unknown): void {
    const serialized = this.serialize(error)
    this.status[i] = FAILED
    this.errors.set(i, serialized)
    this.state.failedCount++
    this.controllers.delete(i)
    this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: 'step.failed', stepId: this.steps[i]!.id, attempt, error: serialized, willRetry: false })
    this.scheduler.settle(i, false)
    if (this.settings.failurePolicy === 'failFast') this.stop('failed', `step "${this.steps[i]!.id}" failed`)
  }

  /** Stops the run: records every running step as cancelled, aborts their signals, ends the run. */
  private stop(kind: 'failed' | 'cancelled', reason: string): void {
    if (this.finished) return
    this.stopping = kind
    this.cancelReason = reason
    const now = this.time()
    for (let i = 0; i < this.status.length; i++) {
      if (this.status[i] !== RUNNING && this.status[i] !== BACKOFF) continue
      this.status[i] = CANCELLED
      this.reasons.set(i, reason)
      const stepId = this.steps[i]!.id
      const cancelled = new CancelledError({ runId: this.runId, stepId, reason })
      this.errors.set(i, this.serialize(cancelled))
      this.record({ seq: ++this.seq, at: now, runId: this.runId, type: 'step.cancelled', stepId, attempt: this.attempts[i]!, reason })
      this.controllers.get(i)?.abort(cancelled)
    }
    this.controllers.clear()
    this.finish()
    this.flush()
  }

  // ---------------------------------------------------------------- ending

  private finish(): void {
    if (this.finished) return
    this.finished = true
    this.services.gate?.leave(this)
    this.detachSignal?.()
    this.runAbort?.abort()
    if (this.timers.size > 0) this.disarmTimers()
    const at = this.time()
    this.keepShapes(at)
    if (this.stopping === 'cancelled') return this.finishCancelled(at)
    if (this.state.failedCount > 0) return this.finishFailed()
    let output: unknown
    try {
      output = workflowOutput(this.workflow, this.plan.outputSite, this.settings.input, this.status, this.outputs, this.transients)
    } catch (error) {
      this.failWith(this.serialize(error))
      return
    }
    this.record({ seq: ++this.seq, at, runId: this.runId, type: 'run.succeeded', output })
  }

  // finish()'s rarer cases, apart: V8 compiles a function whole (see RunExecution.begin).

  private disarmTimers(): void {
    for (const timer of this.timers.values()) timer.abort(DISARMED)
    this.timers.clear()
  }

  private finishCancelled(at: number): void {
    this.record({ seq: ++this.seq, at, runId: this.runId, type: 'run.cancelled', reason: this.cancelReason, ...(this.resumableCancel ? { resumable: true as const } : {}) })
  }

  private finishFailed(): void {
    const failedSteps: string[] = []
    let cause: SerializedError | undefined
    for (let i = 0; i < this.status.length; i++) {
      if (this.status[i] === FAILED) {
        failedSteps.push(this.steps[i]!.id)
        cause ??= this.errors.get(i)
      }
    }
    const error = this.serialize(new RunFailedError({ runId: this.runId, workflowId: this.workflowId, failedSteps }))
    this.failWith(cause === undefined ? error : { ...error, cause })
  }

  /** Keeps the maps of this run's step events alive for the next runs (see `stand-in.ts`). */
  private keepShapes(at: number): void {
    for (let i = this.status.length - 1; i >= 0; i--) {
      if (this.status[i] === SUCCEEDED) return keepStepShapes(this.services.standIns, at, this.outputs[i])
    }
  }

  /** Ends a failed run: compensates its succeeded steps first when they have compensations. */
  private failWith(error: SerializedError): void {
    const order = this.completion.filter((i) => this.steps[i]!.compensate !== undefined).reverse()
    if (order.length === 0) {
      this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: 'run.failed', error })
      return
    }
    this.compensating = true
    new Compensation(this.compensationHost(), this.steps, order, this.compensation, (compensated, failed) => {
      const at = this.time()
      this.record(
        failed.length === 0
          ? { seq: ++this.seq, at, runId: this.runId, type: 'run.compensated', error, compensated }
          : { seq: ++this.seq, at, runId: this.runId, type: 'run.compensation-failed', error, compensated, failed },
      )
    }).start()
  }

  private compensationHost(): CompensationHost {
    // Compensations run after the run's own signal ended; they get a fresh, live one.
    const host: StepHost = { ...this.stepHostBase(), signalFor: () => new AbortController().signal }
    return {
      runId: this.runId,
      seed: this.seed,
      clock: this.services.clock,
      time: () => this.time(),
      nextSeq: () => ++this.seq,
      record: (event) => this.record(event),
      afterCommit: (action) => void this.afterCommitActions.push(action),
      flush: () => this.flush(),
      execute: (i, attempt) => {
        const step = this.steps[i]!
        const compensate = step.compensate!
        const output = this.outputs[i]
        const ctx = new StepRuntime(host, i, step.id, attempt, this.settings.input, this.depsOf(i), 'compensate')
        return executeTask(this.services.executor, { step: { ...step, run: (c) => compensate(c, output) }, ctx, kind: 'compensate' })
      },
    }
  }

  private stepHostBase(): Omit<StepHost, 'signalFor'> {
    return {
      runId: this.runId,
      workflowId: this.workflowId,
      seed: this.seed,
      now: () => this.now(),
      sleep: (ms, signal) => this.sleep(ms, signal),
      log: (event) => this.log(event),
      secretFor: (i) => this.secretFor(i),
    }
  }

  /** A failure outside any step after the run started (a hook threw): the run fails. */
  private failRun(error: unknown): void {
    if (this.finished) return
    this.finished = true
    this.stopping = 'failed'
    this.record({ seq: ++this.seq, at: this.services.clock.now(), runId: this.runId, type: 'run.failed', error: this.serialize(error) })
    this.flush()
  }

  /** The store failed: nothing more can be journaled, so nothing more may happen. */
  abortInfrastructure(error: unknown): void {
    if (this.infrastructureFailed) return
    this.infrastructureFailed = true
    this.finished = true
    this.services.gate?.leave(this)
    this.detachSignal?.()
    for (const controller of this.controllers.values()) controller.abort(error)
    this.controllers.clear()
    for (const stream of this.streams) stream.end(error)
    this.streams.clear()
    this.rejectResult(error)
  }

  /** Resolves the run's result, after the plugins' `onRunEnd` hooks when there are any. */
  private settleResult(terminal: JournalEvent): void | Promise<void> {
    const result = this.buildResult(terminal)
    if (this.services.hooks.runEnd.length > 0) return this.settleResultHooked(result)
    this.resolveWith(result)
  }

  private async settleResultHooked(result: RunResult): Promise<void> {
    for (const plugin of this.services.hooks.runEnd) {
      try {
        await plugin.onRunEnd!({ ...this.hookContext(plugin), result })
      } catch (error) {
        this.report({ type: 'engine.warning', runId: this.runId, at: this.services.clock.now(), message: `plugin "${plugin.name}" onRunEnd failed`, error: this.serialize(error) })
      }
    }
    this.resolveWith(result)
  }

  private resolveWith(result: RunResult): void {
    this.flush() // records made by onRunEnd hooks
    this.resultSettled = true
    if (this.streams.size > 0) {
      for (const stream of this.streams) stream.end()
      this.streams.clear()
    }
    this.resolveResult(result)
  }

  private buildResult(terminal: JournalEvent): RunResult {
    return buildRunResult(this.runId, this.workflowId, this.startedAt, terminal, () => this.state.stepResults(this.compensating))
  }

  // ---------------------------------------------------------------- journal

  /**
   * The clock's time, read once per reaction (one synchronous pass from an outcome to the
   * commit): every event of the reaction carries the same `at`, and the clock is read once.
   */
  private time(): number {
    if (this.reactionAt < 0) this.reactionAt = this.services.clock.now()
    return this.reactionAt
  }

  private record(event: JournalEvent): void {
    const recorded = this.secrets === undefined ? event : this.redacted(event)
    if (this.pendingEvents++ === 0) this.batch = [recorded]
    else this.batch.push(recorded)
  }

  /** Appends the pending batch, then reports it and launches the steps it started. */
  private flush(): void {
    this.reactionAt = -1
    if (this.flushing) return
    if (this.asyncStore) {
      // A store that commits asynchronously (fsync; the file store with 'none' too, where each
      // append costs a write): gather every reaction of this tick (e.g. a wave of parallel steps
      // finishing together) into one append, i.e. one group commit.
      if (!this.flushQueued) {
        this.flushQueued = true
        queueMicrotask(this.flushQueuedBatch)
      }
      return
    }
    this.flushNow()
  }

  private flushNow(): void {
    this.flushing = true
    while (this.pendingEvents > 0) {
      const events = this.batch
      const launches = this.launches
      const actions = this.afterCommitActions
      this.pendingEvents = 0
      this.launches = []
      if (actions.length > 0) this.afterCommitActions = []
      if (this.pendingCreate !== undefined) return this.createWithFirstBatch(this.pendingCreate, events, launches, actions)
      let appended: void | Promise<void>
      try {
        appended = this.services.store.append(this.runId, events, this.appendOptions)
      } catch (error) {
        this.flushing = false
        return this.abortInfrastructure(error)
      }
      if (appended !== undefined) {
        this.asyncStore = true
        this.commitWhenAppended(appended, events, launches, actions)
        return
      }
      this.committed(events, launches, actions)
    }
    this.flushing = false
  }

  /**
   * Creates the run, takes its lease and journals the first batch in one store call (one fsync
   * with the file store instead of two), then commits the batch (`flushing` until then). When the
   * run exists already and is an empty run of this workflow (see adoptsEmptyRun), takes its lease
   * and appends the batch instead.
   */
  private createWithFirstBatch(header: RunHeader, events: JournalEvent[], launches: number[], actions: (() => void)[]): void {
    this.pendingCreate = undefined
    const created = unnamed((token: number | undefined): void => {
      this.flushing = false
      if (token === undefined) return // the run failed with a conflict
      this.appendOptions = { fence: token }
      this.committed(events, launches, actions)
      this.flush()
    })
    const adoptOrAbort = unnamed(async (error: unknown): Promise<void> => {
      try {
        if (!(await this.adoptsEmptyRun(error))) throw error
        if (!(await this.takeLease())) {
          this.flushing = false
          return
        }
        await this.services.store.append(this.runId, events, this.appendOptions)
      } catch (failure) {
        this.flushing = false
        return this.abortInfrastructure(failure)
      }
      this.flushing = false
      this.committed(events, launches, actions)
      this.flush()
    })
    this.settings.createLeased!(this, header, events).then(created, adoptOrAbort)
  }

  /** Commits `events` once the store's asynchronous append of them has completed (`flushing` until then). */
  private commitWhenAppended(pending: Promise<void>, events: JournalEvent[], launches: number[], actions: (() => void)[]): void {
    pending.then(
      () => {
        this.flushing = false
        this.committed(events, launches, actions)
        this.flush()
      },
      (error) => {
        this.flushing = false
        this.abortInfrastructure(error)
      },
    )
  }

  private committed(events: JournalEvent[], launches: number[], actions: (() => void)[]): void {
    if (this.infrastructureFailed) return
    this.committedSeq = events[events.length - 1]!.seq
    // Indexed loops: this runs for every step, also before the JIT optimizes it (for-of costs
    // an iterator protocol round per element in unoptimized code).
    if (this.services.bus.active || this.services.telemetry !== undefined || this.streams.size > 0) for (let k = 0; k < events.length; k++) this.report(events[k]!)
    if (this.leanRun) launchEachLean(this, launches)
    else for (let k = 0; k < launches.length; k++) this.launch(launches[k]!)
    for (let k = 0; k < actions.length; k++) actions[k]!()
    const last = events[events.length - 1]!
    if (isTerminalEvent(last)) void this.settleResult(last)
  }

  private report(event: WeftEvent): void {
    this.services.bus.emit(event)
    this.services.telemetry?.event(event)
    if (this.streams.size > 0) for (const stream of this.streams) stream.push(event)
  }

  // ---------------------------------------------------------------- StepHost

  now(): number {
    return this.services.clock.now()
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return this.services.clock.sleep(ms, signal)
  }

  signalFor(i: number, attempt: number): AbortSignal {
    let controller = this.controllers.get(i)
    if (controller === undefined) {
      controller = new AbortController()
      if (this.isCurrent(i, attempt)) this.controllers.set(i, controller)
      else controller.abort(new CancelledError({ runId: this.runId, stepId: this.steps[i]!.id, reason: this.cancelReason || 'attempt is over' }))
    }
    return controller.signal
  }

  log(event: StepLogEvent): void {
    this.report(this.redacted(event))
  }

  /** `event` with the run's secrets redacted (itself when no secret was read). */
  private redacted<E extends JournalEvent | StepLogEvent>(event: E): E {
    return this.secrets !== undefined && this.secrets.active ? this.secrets.event(event) : event
  }

  secretFor(i: number): (name: string) => Promise<string> {
    return (this.secrets ??= new RunSecrets(this.services.secrets, this.steps)).accessor(i)
  }

  /** Serializes a thrown value, with registered secrets redacted. */
  private serialize(error: unknown): SerializedError {
    return this.secrets === undefined ? serializeError(error) : this.secrets.error(error)
  }

  // ---------------------------------------------------------------- subscriptions and hooks

  /** Opens a live event stream starting after the last committed event. */
  subscribe(): EventStream {
    const stream = new EventStream(this.committedSeq, (s) => this.streams.delete(s))
    if (this.resultSettled || this.infrastructureFailed) stream.end()
    else this.streams.add(stream)
    return stream
  }

  private hookContext(plugin: WeftPlugin, stepId?: string): RunHookContext {
    return {
      runId: this.runId,
      workflow: this.workflow,
      input: this.settings.input,
      seed: this.seed,
      record: (name, data) => {
        this.record({
          seq: ++this.seq,
          at: this.services.clock.now(),
          runId: this.runId,
          type: 'plugin.recorded',
          plugin: plugin.name,
          name,
          ...(stepId === undefined ? {} : { stepId }),
          data,
        })
      },
    }
  }

  private async runStepHooks(which: 'before' | 'after', i: number, attempt: number, output: unknown): Promise<void> {
    const stepId = this.steps[i]!.id
    const hooks = this.services.hooks
    for (const plugin of which === 'before' ? hooks.beforeStep : hooks.afterStep) {
      const ctx: StepHookContext = { ...this.hookContext(plugin, stepId), stepId, attempt }
      if (which === 'before') await plugin.beforeStep!(ctx)
      else await plugin.afterStep!({ ...ctx, output })
    }
  }

}

/**
 * Switch of the lean path of {@link RunExecution} (on by default). Tests turn it off to compare
 * its journals with the general path's.
 * @internal
 */
export const leanPath = { enabled: true }

/**
 * {@link RunExecution.launchLean} of each of `steps`: the lean path's further steps after the
 * first that one success made ready (a fan-out's root releases its whole branch at once), or a
 * committed batch's launches.
 *
 * A plain function, not a loop inside `commitLean`. In a fan-out only one success per run
 * launches several steps: the first one, the root's. During a process's first run that call comes
 * before V8 has given `commitLean` its inline caches. Each later run's first call then set up the
 * loop's property loads anew, and V8 reset `commitLean`'s count towards optimization. In W2
 * (`npm run bench:jit W2`) that reset happened in run 1 of every process, and `commitLean` was
 * optimized in run 5, not run 4. A call to a module function sets up no property cache, so it
 * resets nothing.
 */
function launchEachLean(run: RunExecution, steps: readonly number[]): void {
  for (let k = 0; k < steps.length; k++) run.launchLean(steps[k]!)
}

/** The steps the lean path started, `first` then `more`, as one launch list (`more` itself, with `first` put in front). */
function launchList(first: number, more: number[] | undefined): number[] {
  if (more === undefined) return [first]
  more.unshift(first)
  return more
}

/** Most self-healing actions per step and run (a guard against a remedy that never helps). */
const MAX_HEALS = 3

function matchesFallback(when: Parameters<typeof matchesError>[0] | undefined, error: unknown): boolean {
  if ((error as { code?: unknown } | null)?.code === 'WEFT_CANCELLED') return false
  return when === undefined || matchesError(when, error)
}

function reasonText(reason: unknown, fallback: string): string {
  if (reason instanceof Error) return reason.message
  if (typeof reason === 'string') return reason
  return fallback
}

/** `executor.execute(task)`, with a synchronous throw turned into a rejection. */
function executeTask(executor: Executor, task: StepTask): Promise<unknown> {
  try {
    return executor.execute(task)
  } catch (error) {
    return Promise.reject(error)
  }
}
