import { assert, dataProblems, UntrustedDataError, type DataLimits } from '../contract/index.js'
import { inlineExecutor, type Executor } from '../executor/index.js'
import { parseDuration, systemClock, systemEntropy, type Clock, type Entropy } from '../runtime/index.js'
import { memoryStore, type Lease, type RunFilter, type RunHeader, type RunStore, type RunSummary } from '../store/index.js'
import { EventBus, type Telemetry, type WeftEvent, type WeftEventMap, type WeftEventType } from '../telemetry/index.js'
import { isValidId, WorkflowDefinitionError, type Workflow } from '../workflow/index.js'
import { checkResources } from '../scheduler/index.js'
import { assertResourceOptions, withUnnamedPools } from '../scheduler/check-resources.js'
import type { SchedulePlan } from '../scheduler/schedule-plan.js'
import { checkWorkflow } from '../workflow/check-workflow.js'
import { assertJournaledData } from '../contract/journaled-data.js'
import { InvalidArgumentError } from './engine-errors.js'
import { pluginHooks } from './plugin.js'
import { EventStandIns } from './stand-in.js'
import { RunExecution, type CancelOptions, type ChildRunRequest, type FailurePolicy, type RunServices } from './run-execution.js'
import type { RunResult } from './run-result.js'
import { planOf } from './workflow-plan.js'
import { diffDefinitions, summarize as summarizeFor, type DefinitionSummary } from './definition-summary.js'
import { ChildRunFailedError, EngineClosedError, InvalidJournalError, LeaseConflictError, RunEndedError, WorkflowChangedError } from './engine-errors.js'
import { LeaseKeeper } from './lease-keeper.js'
import { checkConcurrency, checkMetadata, checkPolicy, secretSettings, type EngineOptions, type ResumeOptions, type StartOptions } from './engine-options.js'
import { LaunchGate } from './launch-gate.js'
import { DurationHistory } from './duration-history.js'
import { StepGuards } from './step-guards.js'
import { replayJournal, type ReplayReport } from './replay.js'
import { isResumableEnd, isTerminalEvent, type JournalEvent } from '../journal/index.js'
import { unnamed } from '../runtime/unnamed.js'

/**
 * Options of {@link Engine.recover}.
 * @public
 */
export interface RecoverOptions {
  /** The definitions runs may belong to (matched by workflow id). */
  readonly workflows: readonly Workflow[]
  /**
   * Resume runs even when their definition's fingerprint differs.
   * @defaultValue false
   */
  readonly allowDefinitionChange?: boolean
}

/**
 * What {@link Engine.recover} did.
 * @public
 */
export interface RecoverReport {
  /** Runs taken over and resumed. */
  readonly resumed: readonly RunHandle[]
  /** Orphaned runs left alone, with the reason (no definition given, leased meanwhile, …). */
  readonly skipped: readonly { readonly runId: string; readonly reason: string }[]
}

/**
 * A started run.
 * @public
 */
export interface RunHandle<O = unknown> {
  /** The run id. */
  readonly runId: string
  /** The run seed. */
  readonly seed: number
  /**
   * Settles when the run ends: resolves with the {@link RunResult} (succeeded, failed or
   * cancelled); rejects only when the run could not be journaled (store failure).
   */
  readonly result: Promise<RunResult<O>>
  /**
   * Every event of the run, from its first, as an async iterable; ends after the final
   * event. Costs nothing unless iterated.
   */
  readonly events: AsyncIterable<WeftEvent>
  /**
   * Cancels the run; running steps see their `signal` abort. With `{ resumable: true }` the
   * cancel is an interruption that a later {@link Engine.resume} continues.
   */
  cancel(reason?: string, options?: CancelOptions): void
}

/** Arguments after the workflow: the input (optional when the workflow takes none) and options. @public */
export type StartArgs<I> = undefined extends I ? [input?: I, options?: StartOptions] : [input: I, options?: StartOptions]

/**
 * The engine: composes store, executor, clock, telemetry and plugins, and runs workflows.
 * @public
 */
export class Engine {
  private readonly store: RunStore
  private readonly executor: Executor
  /** Runs engine-made steps (gates, sub-workflows, dry runs); also the default executor. */
  private readonly inline: Executor = inlineExecutor()
  /** Set by `close()`: no new runs from outside. */
  private closing = false
  /** Above 0 while a live parent run starts or resumes its child (allowed while closing). */
  private childLaunches = 0
  private readonly clock: Clock
  private readonly entropy: Entropy
  private readonly telemetry: Telemetry | undefined
  private readonly concurrency: number
  private readonly failurePolicy: FailurePolicy
  private readonly bus: EventBus
  private readonly active = new Map<string, RunExecution>()
  private readonly services: RunServices
  private readonly owner: string
  private readonly leaseTtlMs: number
  private readonly leaseClock: Clock
  private readonly leaseKeeper: LeaseKeeper
  private readonly pools: Readonly<Record<string, number>>
  private readonly limits: Readonly<Record<string, number>>
  /** Takes a new run's lease (when the store leases runs); one function per engine, not per run. */
  private readonly leaseRun: ((run: RunExecution) => Promise<number | undefined>) | undefined
  /** Creates a new run with its first events and takes its lease (when the store can). */
  private readonly createLeasedRun: ((run: RunExecution, header: RunHeader, events?: readonly JournalEvent[]) => Promise<number | undefined>) | undefined
  /** No pools and no key limits: a workflow without resources needs no check at start. */
  private readonly unlimited: boolean
  private readonly signalLimits: DataLimits
  private readonly history: DurationHistory | undefined
  /** Lease releases in flight (awaited by `close`). */
  private readonly releasing = new Set<Promise<void>>()
  /**
   * The most recently ended run of any engine in this process, kept alive on purpose: V8 holds
   * the hidden classes of the run loop's objects weakly, so when every run object has died (e.g.
   * after a full GC between runs) it drops them and deoptimizes the whole run loop, which then
   * costs 5-10× until re-optimized. One run process-wide rather than one per engine: an app that
   * creates an engine per run (or per request) keeps the run loop optimized too, and at most one
   * finished run's state outlives its engine. (A static field: bundlers drop a module variable
   * that is only ever written.)
   */
  private static lastEnded: RunExecution | undefined

  constructor(options: EngineOptions = {}) {
    this.store = options.store ?? memoryStore()
    this.executor = options.executor ?? this.inline
    this.clock = options.clock ?? systemClock
    this.entropy = options.entropy ?? systemEntropy
    this.telemetry = options.telemetry
    this.concurrency = checkConcurrency('concurrency', options.concurrency)
    this.failurePolicy = checkPolicy('failurePolicy', options.failurePolicy)
    this.bus = new EventBus()
    this.owner = options.owner ?? `engine-${this.entropy.runId()}`
    const ttl = parseDuration(options.leaseTtl ?? '30s')
    if (ttl === undefined || ttl <= 0) throw new InvalidArgumentError('leaseTtl', "a positive duration (ms or '30s')", options.leaseTtl)
    this.leaseTtlMs = ttl
    this.leaseClock = options.leaseClock ?? systemClock
    this.leaseKeeper = new LeaseKeeper(this.store, this.leaseTtlMs, this.leaseClock)
    this.pools = { ...(options.pools ?? {}) }
    this.limits = { ...(options.limits ?? {}) }
    this.unlimited = Object.keys(this.pools).length === 0 && Object.keys(this.limits).length === 0
    this.leaseRun = this.store.acquireLease === undefined ? undefined : (run) => this.lease(run, undefined)
    this.createLeasedRun =
      this.store.acquireLease === undefined || this.store.createLeased === undefined ? undefined : (run, header, events) => this.createLeasedAndAdopt(run, header, events)
    // A misconfigured engine is refused when it is created, every problem at once, not when a run starts.
    assertResourceOptions(this.pools, this.limits)
    this.signalLimits = { ...(options.signalLimits ?? {}) }
    this.history = this.durationHistory(options.learnDurations)
    this.services = {
      store: this.store,
      executor: this.executor,
      clock: this.clock,
      bus: this.bus,
      telemetry: this.telemetry,
      hooks: pluginHooks(options.plugins ?? []),
      inline: this.inline,
      runChild: (request) => this.runChild(request),
      guards: new StepGuards(this.clock, this.bus),
      secrets: secretSettings(options),
      standIns: new EventStandIns(),
      ...(this.sharesCapacity(options) ? { gate: new LaunchGate(checkConcurrency('globalConcurrency', options.globalConcurrency), this.pools, this.limits) } : {}),
    }
  }

  /** Feeds recorded durations from this engine's runs into the history (when learning). */
  private durationHistory(option: EngineOptions['learnDurations']): DurationHistory | undefined {
    if (option === undefined || option === false) return undefined
    const runs = option === true ? 10 : (option.runs ?? 10)
    if (!(Number.isInteger(runs) && runs >= 1)) throw new InvalidArgumentError('learnDurations.runs', 'an integer from 1 and up', runs)
    const history = new DurationHistory(runs, this.store)
    this.bus.on('*', (event) => {
      switch (event.type) {
        case 'step.started':
          return history.stepStarted(event.runId, event.stepId, event.at)
        case 'step.succeeded':
        case 'step.failed':
        case 'step.cancelled':
          return history.stepEnded(event.runId, this.active.get(event.runId)?.workflowId, event.stepId, event.at, event.type === 'step.succeeded' && event.simulated !== true)
        case 'run.succeeded':
        case 'run.failed':
        case 'run.cancelled':
          return history.runEnded(event.runId)
      }
    })
    return history
  }

  private sharesCapacity(options: EngineOptions): boolean {
    return !this.unlimited || (options.globalConcurrency !== undefined && options.globalConcurrency !== Infinity)
  }

  private assertOpen(operation: string): void {
    if (this.closing && this.childLaunches === 0) throw new EngineClosedError(operation)
  }

  /**
   * Starts a run. The input is checked against the workflow's input contract first: a
   * violation throws a `ContractViolation` and nothing is journaled.
   * @example
   * ```ts
   * const run = engine.start(release, { tag: 'v1.2.0' })
   * for await (const e of run.events) console.log(e.type)
   * const result = await run.result
   * ```
   */
  start<I, O, S>(workflow: Workflow<I, O, S>, ...args: StartArgs<I>): RunHandle<O> {
    this.assertOpen('start a run')
    // Indexed, not destructured: array destructuring runs the iterator protocol, which costs in
    // code V8 has not optimized yet (start runs once per run; see RunExecution.begin).
    const input: unknown = args[0]
    const options: StartOptions = args[1] === undefined ? NO_OPTIONS : args[1]
    const wf = checkWorkflow(workflow)
    const plan = planOf(wf)
    assert(wf.input, input, plan.inputSite)
    assertJournaledData(input, plan.inputSite)
    if (options.runId !== undefined || options.seed !== undefined) checkIdentity(options)
    this.checkResources(wf)
    const execution = new RunExecution(
      this.services,
      wf,
      plan,
      {
        runId: options.runId ?? this.entropy.runId(),
        seed: (options.seed ?? this.entropy.seed()) | 0,
        input,
        concurrency: options.concurrency === undefined ? this.concurrency : checkConcurrency('concurrency', options.concurrency),
        failurePolicy: options.failurePolicy === undefined ? this.failurePolicy : checkPolicy('failurePolicy', options.failurePolicy),
        signal: options.signal,
        // Every member present (undefined when absent), none spread in: see RunExecution.keep.
        dryRun: options.dryRun === true ? true : undefined,
        parentRunId: options.parentRunId,
        metadata: options.metadata === undefined ? undefined : checkMetadata(options.metadata),
        estimates: this.history?.estimatesFor(wf),
        pools: this.workflowPools(wf),
        limits: this.limits,
        lease: this.leaseRun,
        createLeased: this.createLeasedRun,
      },
    )
    return this.launch(execution)
  }

  /**
   * The pools a workflow runs with: the engine's, plus an unlimited pool for every resource a
   * step names that the engine does not configure (pools constrain only what they name).
   */
  private workflowPools(wf: Workflow): Readonly<Record<string, number>> {
    return withUnnamedPools(this.pools, planOf(wf).schedule)
  }

  /** Refuses a workflow whose steps ask for more than the engine's pools hold: it would never start. */
  private checkResources(wf: Workflow): void {
    const plan = planOf(wf).schedule
    if (plan.resources === undefined && this.unlimited) return
    this.checkPlanResources(wf, plan)
  }

  private checkPlanResources(wf: Workflow, plan: SchedulePlan): void {
    const problems = checkResources(plan, this.workflowPools(wf), this.limits)
    if (problems.length === 0) return
    throw new WorkflowDefinitionError(
      wf.id,
      problems.map((p) => ({
        path: p.node < 0 ? '/engine' : `/steps/${p.node}/resources${p.pool === undefined ? '' : `/${p.pool}`}`,
        code: 'invalid-option' as const,
        ...(p.node < 0 ? {} : { stepId: wf.steps[p.node]!.id }),
        message: p.message,
      })),
    )
  }

  private launch<O>(execution: RunExecution): RunHandle<O> {
    if (this.active.has(execution.runId)) throw new InvalidArgumentError('runId', 'a run that is not already active in this engine', execution.runId)
    this.active.set(execution.runId, execution)
    const done = unnamed((): void => {
      this.active.delete(execution.runId)
      Engine.lastEnded = execution
    })
    execution.result.then(done, done)
    void execution.begin()
    const store = this.store
    // Kept by the run (see RunExecution.keep): most callers drop the handle once they have the result.
    return execution.keep({
      runId: execution.runId,
      seed: execution.seed,
      result: execution.result as Promise<RunResult<O>>,
      events: new RunEvents(store, execution),
      cancel: unnamed((reason?: string, options?: CancelOptions) => execution.cancel(reason, options)),
    })
  }

  /**
   * Continues a run from its journal after a crash or a stop: steps with a recorded success
   * are not run again (their recorded outputs, checked again against their contracts, feed
   * their dependents); steps that had started without an end run again with the attempt count
   * continued. A run that already ended resolves with its recorded result. Refuses a
   * definition whose fingerprint differs from the journal's with a {@link WorkflowChangedError}
   * naming what changed, unless `allowDefinitionChange` is set.
   */
  async resume<I, O, S>(runId: string, workflow: Workflow<I, O, S>, options: ResumeOptions = {}): Promise<RunHandle<O>> {
    this.assertOpen('resume a run')
    const wf = checkWorkflow(workflow)
    this.checkResources(wf)
    const journal = await this.journalOf(runId, wf, options.allowDefinitionChange === true)
    const started = journal[0] as Extract<JournalEvent, { type: 'run.started' }>
    let held: Lease | undefined
    const last = journal[journal.length - 1]!
    if (this.store.acquireLease !== undefined && (!isTerminalEvent(last) || isResumableEnd(last))) {
      held = await this.store.acquireLease(runId, this.owner, this.leaseTtlMs)
      if (held === undefined) throw new LeaseConflictError(runId, this.owner)
      // The journal may have grown between the read and the lease: read it again under the lease.
      journal.splice(0, journal.length, ...(await this.journalOf(runId, wf, options.allowDefinitionChange === true)))
    }
    const execution = new RunExecution(
      this.services,
      wf,
      planOf(wf),
      {
        runId,
        seed: started.seed,
        input: started.input,
        concurrency: options.concurrency === undefined ? (started.concurrency ?? Infinity) : checkConcurrency('concurrency', options.concurrency),
        failurePolicy: options.failurePolicy === undefined ? (started.failurePolicy ?? this.failurePolicy) : checkPolicy('failurePolicy', options.failurePolicy),
        signal: options.signal,
        restored: journal,
        pools: this.workflowPools(wf),
        limits: this.limits,
        ...(started.dryRun === true ? { dryRun: true } : {}),
        ...(started.parentRunId === undefined ? {} : { parentRunId: started.parentRunId }),
        ...(started.metadata === undefined ? {} : { metadata: started.metadata }),
        ...(started.estimates === undefined ? {} : { estimates: started.estimates }),
        ...(held === undefined ? {} : { lease: (run: RunExecution) => this.lease(run, held) }),
      },
    )
    return this.launch<O>(execution)
  }

  /**
   * Re-derives every decision of a recorded run from its recorded step outcomes, without
   * running any step body, and checks it against the journal. Throws a
   * {@link NonDeterminismError} at the first divergence (naming the event, what was expected
   * and what was found) and a {@link WorkflowChangedError} when the definition changed.
   */
  async replay(runId: string, workflow: Workflow, options: { readonly failurePolicy?: FailurePolicy } = {}): Promise<ReplayReport> {
    checkWorkflow(workflow)
    const journal = await this.journalOf(runId, workflow, false)
    return replayJournal(workflow, journal, options.failurePolicy === undefined ? this.failurePolicy : checkPolicy('failurePolicy', options.failurePolicy), { pools: this.workflowPools(workflow), limits: this.limits })
  }

  private async journalOf(runId: string, wf: Workflow, allowChange: boolean): Promise<JournalEvent[]> {
    const journal: JournalEvent[] = []
    for await (const event of this.store.read(runId)) journal.push(event)
    const started = journal[0]
    if (started === undefined || started.type !== 'run.started') throw new InvalidJournalError(runId, 'the journal does not begin with run.started')
    if (started.workflowId !== wf.id) throw new InvalidJournalError(runId, `the journal is a run of "${started.workflowId}", not "${wf.id}"`)
    if (started.fingerprint !== wf.fingerprint && !allowChange) {
      throw new WorkflowChangedError({
        runId,
        workflowId: wf.id,
        expected: started.fingerprint,
        found: wf.fingerprint,
        changes: diffDefinitions(started.definition as DefinitionSummary | undefined, summarizeFor(wf)),
      })
    }
    return journal
  }

  /**
   * Sends a signal to a run: opens its gates waiting for `name` (now or later) with `payload`.
   * For a run active in this engine the payload is checked against the gates' contracts
   * (`ContractViolation` with direction `step-input`); for a run no engine is running, the signal
   * is journaled (under the run's lease, when the store has leases) and seen when the run is
   * resumed; a run another live engine holds is refused with a {@link LeaseConflictError}.
   * Resolves once the signal is journaled.
   */
  async signal(runId: string, name: string, payload?: unknown): Promise<void> {
    if (typeof name !== 'string' || name.length === 0 || name.length > 256) throw new InvalidArgumentError('name', 'a signal name of 1-256 characters', name)
    if (payload !== undefined) {
      const problems = dataProblems(payload, this.signalLimits)
      if (problems.length > 0) throw new UntrustedDataError(`signal "${name}" payload`, problems)
    }
    const active = this.active.get(runId)
    if (active !== undefined && !active.ended) return active.deliverSignal(name, payload)
    // Another engine may be running it: append only under the lease, with its fencing token.
    const lease = this.store.acquireLease === undefined ? undefined : await this.store.acquireLease(runId, this.owner, this.leaseTtlMs)
    if (this.store.acquireLease !== undefined && lease === undefined) throw new LeaseConflictError(runId, this.owner)
    try {
      let last: JournalEvent | undefined
      for await (const event of this.store.read(runId)) last = event
      if (last === undefined) throw new InvalidJournalError(runId, 'the journal is empty')
      if (isTerminalEvent(last) && !isResumableEnd(last)) throw new RunEndedError(runId, last.type.slice('run.'.length))
      const event: JournalEvent = { seq: last.seq + 1, at: this.clock.now(), runId, type: 'signal.received', name, payload }
      await this.store.append(runId, [event], lease === undefined ? undefined : { fence: lease.token })
    } finally {
      if (lease !== undefined) await this.store.releaseLease?.(lease)
    }
  }

  /**
   * Cancels a run by id and resolves its result. A run active in this engine is cancelled
   * directly; a run no engine is running (crashed, or interrupted with `resumable`) is taken
   * over — under its lease, so a run another live engine holds is refused with a
   * {@link LeaseConflictError} — and ended `cancelled` without running anything. A run that
   * already ended resolves with its recorded result.
   */
  async cancel(runId: string, workflow: Workflow, reason = 'cancelled by caller'): Promise<RunResult> {
    checkWorkflow(workflow)
    const active = this.active.get(runId)
    if (active !== undefined && !active.ended) {
      active.cancel(reason)
      return active.result
    }
    const abort = new AbortController()
    abort.abort(reason)
    return (await this.resume(runId, workflow, { signal: abort.signal })).result
  }

  /**
   * Creates a run with its first events and keeps its lease (see {@link Engine.adopt}). Not an
   * async function: it runs once per run, so unoptimized for a process's first runs, and an async
   * function is several times the code (see RunExecution.begin).
   */
  private createLeasedAndAdopt(run: RunExecution, header: RunHeader, events: readonly JournalEvent[] | undefined): Promise<number | undefined> {
    let created: Promise<Lease | undefined>
    try {
      created = Promise.resolve(this.store.createLeased!(header, this.owner, this.leaseTtlMs, events))
    } catch (error) {
      return Promise.reject(error)
    }
    return created.then((lease) => this.adopt(run, lease))
  }

  /** Takes the lease of a run unless one is `held` already, and keeps it (see `adopt`). */
  private async lease(run: RunExecution, held: Lease | undefined): Promise<number | undefined> {
    return this.adopt(run, held ?? (await this.store.acquireLease!(run.runId, this.owner, this.leaseTtlMs)))
  }

  /**
   * Keeps the outcome of a lease acquisition until the run ends. Resolves the fencing token, or
   * undefined (`lease` undefined: another owner holds it) after failing the run with a
   * LeaseConflictError.
   */
  private adopt(run: RunExecution, lease: Lease | undefined): number | undefined {
    if (lease === undefined) {
      run.abortInfrastructure(new LeaseConflictError(run.runId, this.owner))
      return undefined
    }
    // The store builds the lease object once per run, and the keeper an entry holding it; the
    // entry kept with the run (as its other per-run objects are) keeps both maps past the next
    // full GC instead of every run rebuilding them.
    run.keep(this.leaseKeeper.keep(lease, (error) => run.leaseLost(error)))
    const release = unnamed((): void => {
      const released = this.leaseKeeper.release(run.runId).catch(() => {})
      this.releasing.add(released)
      void released.then(() => this.releasing.delete(released))
    })
    run.result.then(release, release)
    return lease.token
  }

  /**
   * Self-healing of orphaned runs: finds runs still `running` whose owner's lease expired (their
   * engine died) and resumes them here. Each is resumed at most by one engine (leases).
   */
  async recover(options: RecoverOptions): Promise<RecoverReport> {
    this.assertOpen('recover runs')
    if (this.store.orphans === undefined) throw new InvalidArgumentError('store', 'a store with leases (orphans())', 'this store')
    const byId = new Map(options.workflows.map((w) => [w.id, w]))
    const resumed: RunHandle[] = []
    const skipped: { runId: string; reason: string }[] = []
    for (const runId of await this.store.orphans()) {
      if (this.active.has(runId)) continue
      const summary = await this.store.get(runId)
      const wf = summary === undefined ? undefined : byId.get(summary.workflowId)
      if (wf === undefined) {
        skipped.push({ runId, reason: `no definition of workflow "${summary?.workflowId ?? '?'}" was given` })
        continue
      }
      try {
        resumed.push(await this.resume(runId, wf, { allowDefinitionChange: options.allowDefinitionChange === true }))
      } catch (error) {
        skipped.push({ runId, reason: error instanceof Error ? error.message : String(error) })
      }
    }
    return { resumed, skipped }
  }

  private async runChild(request: ChildRunRequest): Promise<unknown> {
    const { childRunId, workflow, signal } = request
    const existing = await this.store.get(childRunId)
    // A live parent may start (or resume) its child while the engine closes: close waits for it.
    this.childLaunches++
    let pending: RunHandle | Promise<RunHandle>
    try {
      pending =
        existing === undefined
          ? this.start(workflow, request.input as never, { runId: childRunId, parentRunId: request.parentRunId, dryRun: request.dryRun, signal })
          : this.resume(childRunId, workflow, { signal })
    } finally {
      this.childLaunches--
    }
    const result = await (await pending).result
    if (result.status === 'succeeded') return result.output
    throw new ChildRunFailedError({ childRunId, status: result.status, error: result.error })
  }

  /** Starts a run and waits for its result. */
  run<I, O, S>(workflow: Workflow<I, O, S>, ...args: StartArgs<I>): Promise<RunResult<O>> {
    try {
      return this.start(workflow, ...args).result
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Subscribes to events of every run of this engine; returns an unsubscribe function.
   * @example `engine.on('step.failed', (e) => alert(e.stepId, e.error.message))`
   */
  on<K extends WeftEventType>(type: K, listener: (event: WeftEventMap[K]) => void): () => void
  on(type: '*', listener: (event: WeftEvent) => void): () => void
  on(type: string, listener: (event: never) => void): () => void {
    return this.bus.on(type as '*', listener as (event: WeftEvent) => void)
  }

  /** Summary of one run from the store. */
  get(runId: string): Promise<RunSummary | undefined> {
    return this.store.get(runId)
  }

  /** Runs in the store, newest first. */
  list(filter?: RunFilter): AsyncIterable<RunSummary> {
    return this.store.list(filter)
  }

  /** Number of runs in progress in this engine. */
  get activeRuns(): number {
    return this.active.size
  }

  /**
   * Cancels active runs (when `cancelActive`), waits for them to settle, then closes the
   * executor, telemetry and store. From the call on, `start`, `run`, `resume` and `recover`
   * throw {@link EngineClosedError} (a live run may still start its sub-workflow runs).
   */
  async close(options: { readonly cancelActive?: boolean } = {}): Promise<void> {
    this.closing = true
    const runs = [...this.active.values()]
    if (options.cancelActive === true) for (const run of runs) run.cancel('engine closing')
    await Promise.allSettled(runs.map((r) => r.result))
    // Leases are given up before the store closes: another engine may resume at once.
    await Promise.allSettled([...this.releasing])
    await this.executor.close?.()
    await this.telemetry?.flush?.()
    await this.store.close?.()
  }
}

/** A run handle's `events`: each iteration replays the journal so far, then follows the run live. */
class RunEvents implements AsyncIterable<WeftEvent> {
  // Declared, then assigned in the constructor: built once per run (see RunExecution's fields).
  private declare readonly store: RunStore
  private declare readonly execution: RunExecution

  constructor(store: RunStore, execution: RunExecution) {
    this.store = store
    this.execution = execution
  }

  [Symbol.asyncIterator](): AsyncIterator<WeftEvent> {
    return runEvents(this.store, this.execution)
  }
}

async function* runEvents(store: RunStore, execution: RunExecution): AsyncGenerator<WeftEvent> {
  const live = execution.subscribe()
  try {
    if (live.fromSeq > 0) {
      for await (const event of store.read(execution.runId)) {
        if (event.seq > live.fromSeq) break
        yield event
      }
    }
    yield* live
  } finally {
    await live.return()
  }
}

/**
 * Creates an engine. Every option has an embedded default.
 * @example
 * ```ts
 * const engine = createEngine({ store: memoryStore(), concurrency: 8 })
 * const result = await engine.run(hello, { name: 'Ada' })
 * ```
 * @public
 */
export function createEngine(options: EngineOptions = {}): Engine {
  return new Engine(options)
}

/** The options of a run started without any (never written to). */
const NO_OPTIONS: StartOptions = Object.freeze({})

/** The run id and seed a caller gave `start`, checked (apart from `start`: see RunExecution.begin). */
function checkIdentity(options: StartOptions): void {
  if (options.runId !== undefined && !isValidId(options.runId)) {
    throw new InvalidArgumentError('runId', 'letters, digits, `_ . : -` (1-128 characters, not starting with a dot or dash)', options.runId)
  }
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new InvalidArgumentError('seed', 'an integer', options.seed)
}
