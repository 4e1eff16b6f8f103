import Type, { type Static, type TSchema } from 'typebox'
import type { Duration } from '../runtime/index.js'
import { defineWorkflow, type StepSpec } from './define-workflow.js'
import type { StepContext, WhenContext } from './step-context.js'
import type { StepDefaults, StepBreaker, StepBulkhead, StepFallback, StepRateLimit, StepRemedies, StepResources, StepRetry } from './step-policies.js'
import type { Workflow, WorkflowInput, WorkflowOutput } from './workflow.js'
import type { MapItemContext, MapItemErrorMode, MapItemResult } from './map-step.js'

/** Outputs of the steps named in `N`, from the accumulated step map `S`. @public */
export type DepsOf<S, N extends keyof S> = { readonly [K in N]: S[K] }

/** Rejects an id already used in `S` at compile time. @public */
export type NewStepId<Id extends string, S> = string extends Id
  ? unknown
  : Id extends keyof S
    ? { readonly 'duplicate step id': Id }
    : unknown

/**
 * Options of one step. `N` is the union of the ids in `needs`; the body's `deps` holds exactly
 * their outputs.
 * @public
 */
export interface StepOptions<I, S, N extends keyof S & string, O extends TSchema> {
  /**
   * Ids of earlier steps whose outputs this step needs. Naming an unknown step is a compile
   * error (and a {@link WorkflowDefinitionError} at run time).
   * @defaultValue `[]`
   */
  readonly needs?: readonly N[]
  /** TypeBox contract of the output; checked after every run of the body. */
  readonly output: O
  /**
   * The step body. Its return value must satisfy `output`.
   * @example
   * ```ts
   * run: async ({ deps, signal }) => ({ ok: await test(deps.build.artifact, { signal }) })
   * ```
   */
  readonly run: (ctx: StepContext<I, DepsOf<S, N>>) => Static<O> | Promise<Static<O>>
  /** When given and false, the step is skipped, and so are the steps that need it. */
  readonly when?: (ctx: WhenContext<I, DepsOf<S, N>>) => boolean
  /**
   * Expected duration, used for critical-path ranking and `plan`.
   * @defaultValue 1 ms (so the critical path counts steps)
   */
  readonly estimate?: Duration
  /**
   * Scheduling priority; higher runs first among ready steps.
   * @defaultValue 0
   */
  readonly priority?: number
  /** Free text for plans and reports. */
  readonly description?: string
  /** Plugin settings, opaque to the engine. */
  readonly meta?: Readonly<Record<string, unknown>>
  /**
   * Globs of the files the step reads (`['src/**', 'package.json']`), kept as `meta.inputs`:
   * `affected()` (weft/git) and `weft run --affected` select the steps whose inputs changed.
   * @defaultValue none
   */
  readonly inputs?: readonly string[]
  /** Retry policy of the step's attempts. @defaultValue no retry */
  readonly retry?: StepRetry
  /** Time limit of each attempt; on expiry `ctx.signal` aborts and the attempt fails with `StepTimeoutError`. */
  readonly timeout?: Duration
  /**
   * Time limit of the step over all its attempts and backoffs, from its first start. On expiry
   * the running attempt aborts and the step fails with `StepTimeoutError`, without further retries.
   */
  readonly totalTimeout?: Duration
  /** Resources held while running (see the engine's `pools`). */
  readonly resources?: StepResources
  /** Steps sharing a key share the engine's `limits[key]` concurrency limit. */
  readonly concurrencyKey?: string
  /**
   * Undoes the step's effect when the run fails after the step succeeded (saga). Runs in
   * reverse completion order, at most once per step.
   */
  readonly compensate?: (ctx: StepContext<I, DepsOf<S, N>>, output: Static<O>) => void | Promise<void>
  /** Retry policy of `compensate`. @defaultValue no retry */
  readonly compensateRetry?: StepRetry
  /**
   * The step acts on the world (deploys, pays, sends). In a dry run (`start(…, { dryRun: true })`)
   * its body is not called: `dryRun` runs instead, or a value is generated from `output`.
   * @defaultValue false
   */
  readonly sideEffects?: boolean
  /**
   * Names of the secrets the step reads with `ctx.secret(name)` (from the engine's `secrets`
   * provider). Any other name is refused with a `SecretNotDeclaredError`. Every value read is
   * redacted from everything the run writes or reports, and an output containing one fails the
   * step with a `SecretLeakError`.
   * @defaultValue none
   */
  readonly secrets?: readonly string[]
  /** A circuit breaker shared by key across runs. */
  readonly breaker?: StepBreaker
  /** A bulkhead shared by key across runs. */
  readonly bulkhead?: StepBulkhead
  /** A rate limit shared by key across runs; attempts wait for a token. */
  readonly rateLimit?: StepRateLimit
  /** Output to use when the step fails for good; must satisfy `output`. */
  readonly fallback?: StepFallback<Static<O>>
  /**
   * Self-healing: on a failure matching a rule's `when`, run its `do`, then `retry`, `skip`,
   * `fail` or `fallback`. Every action is journaled (`step.healed`) and shown in the result.
   */
  readonly heal?: StepRemedies<Static<O>>
  /** Stand-in body for dry runs of a step with `sideEffects`. */
  readonly dryRun?: (ctx: StepContext<I, DepsOf<S, N>>) => Static<O> | Promise<Static<O>>
}

/**
 * Options of a sub-workflow step: the step runs `workflow` as a child run (own run id, linked
 * to the parent), and its output is the child's output.
 * @public
 */
export interface SubWorkflowStepOptions<I, S, N extends keyof S & string, W extends Workflow<unknown, unknown, unknown>> {
  /** Ids of earlier steps whose outputs `input` needs. */
  readonly needs?: readonly N[]
  /** The child workflow. */
  readonly workflow: W
  /** Maps the parent's input and deps to the child's input (checked against the child's input contract). */
  readonly input?: (ctx: WhenContext<I, DepsOf<S, N>>) => WorkflowInput<W>
  /** Runs the child only when this returns true. */
  readonly when?: (ctx: WhenContext<I, DepsOf<S, N>>) => boolean
  /** Retry policy (each attempt is a new child run). */
  readonly retry?: StepRetry
  /** Time limit of each attempt; expiry cancels the child run. */
  readonly timeout?: Duration
  /** See {@link StepOptions.estimate}. */
  readonly estimate?: Duration
  /** See {@link StepOptions.priority}. */
  readonly priority?: number
  /** Free text. */
  readonly description?: string
}

/**
 * Options of a gate: a step that waits, durably, for `engine.signal(runId, signal, payload)`.
 * Its output is the payload, checked against `payload`.
 * @public
 */
export interface GateOptions<I, S, N extends keyof S & string, P extends TSchema> {
  /** Steps that must end before the gate opens for waiting. */
  readonly needs?: readonly N[]
  /** Name of the signal that opens the gate. */
  readonly signal: string
  /** Contract of the signal's payload (the gate's output). */
  readonly payload: P
  /** Longest wait; on expiry the gate fails with `StepTimeoutError`. */
  readonly timeout?: Duration
  /** Waits only when this returns true; otherwise the gate is skipped. */
  readonly when?: (ctx: WhenContext<I, DepsOf<S, N>>) => boolean
  /** Free text. */
  readonly description?: string
}

/**
 * Output type of a map step: one result per item, in item order (see {@link MapItemErrorMode}).
 * @public
 */
export type MapStepOutput<O extends TSchema, E extends MapItemErrorMode> = E extends 'collect' ? MapItemResult<Static<O>>[] : Static<O>[]

/**
 * Options of a map (fan-out) step: `run` runs once per item of `over`, each item a child task
 * with its own attempts, retries, timeout, journal entries and idempotency key. The step's
 * output is the array of item results **in item order**, whatever order the items finish in.
 * @public
 */
export interface MapStepOptions<I, S, N extends keyof S & string, T extends TSchema, O extends TSchema, E extends MapItemErrorMode> {
  /** Ids of earlier steps whose outputs `over` and `run` see in `deps`. */
  readonly needs?: readonly N[]
  /**
   * The items, from the workflow input and the needs' outputs. Must be deterministic (a pure
   * function of `input` and `deps`, like `when`): a resumed run or a replay calls it again and
   * checks that it returns as many items as the journal recorded. An empty list gives `[]`.
   * @example
   * ```ts
   * over: ({ deps }) => deps.plan.items
   * ```
   */
  readonly over: (ctx: WhenContext<I, DepsOf<S, N>>) => readonly Static<T>[]
  /**
   * Contract of one item. Every item is checked before any item runs; a violation fails the
   * step with a `ContractViolation` whose issues point into the list (`/3/name`).
   */
  readonly item: T
  /** Contract of one item's result, checked after every attempt (issues point at `/<index>`). */
  readonly output: O
  /**
   * The body, run once per item (and again on a retry of that item).
   * @example
   * ```ts
   * run: async ({ item, index, signal, idempotencyKey }) => upload(item, { signal, key: idempotencyKey })
   * ```
   */
  readonly run: (ctx: MapItemContext<I, DepsOf<S, N>, Static<T>>) => Static<O> | Promise<Static<O>>
  /**
   * Most items of this step running at once. The run's `concurrency` bounds them too (the
   * smaller applies); the step itself takes one slot of the run and holds its `resources` and
   * `concurrencyKey` while its items run, and `bulkhead`, `rateLimit` and `breaker` apply to
   * each item.
   * @defaultValue Infinity (only the run's `concurrency` bounds the items)
   * @example `concurrency: 8`
   */
  readonly concurrency?: number
  /**
   * What a failed item (after its retries) does: `'fail'` fails the map step (at the first such
   * item under the run's `failFast` policy, after all items under `continue`); `'collect'`
   * makes the output a {@link MapItemResult} per item instead.
   * @defaultValue `'fail'`
   */
  readonly onItemError?: E
  /** Retry policy of each item (each item counts its own attempts). @defaultValue no retry */
  readonly retry?: StepRetry
  /** Time limit of each item attempt; on expiry the item's `signal` aborts and the attempt fails. */
  readonly timeout?: Duration
  /** Time limit of the whole map step from its first start; on expiry every running item aborts. */
  readonly totalTimeout?: Duration
  /** When given and false, the step is skipped (no item runs), and so are the steps that need it. */
  readonly when?: (ctx: WhenContext<I, DepsOf<S, N>>) => boolean
  /** See {@link StepOptions.estimate} (of the whole step). */
  readonly estimate?: Duration
  /** See {@link StepOptions.priority}. */
  readonly priority?: number
  /** Free text. */
  readonly description?: string
  /** Plugin settings, opaque to the engine. */
  readonly meta?: Readonly<Record<string, unknown>>
  /** Resources the step holds while its items run (see the engine's `pools`). */
  readonly resources?: StepResources
  /** See {@link StepOptions.concurrencyKey}. */
  readonly concurrencyKey?: string
  /**
   * Names of the secrets the items read with `ctx.secret(name)` (see {@link StepOptions.secrets}).
   * @defaultValue none
   */
  readonly secrets?: readonly string[]
  /** A circuit breaker around each item attempt, shared by key across runs. */
  readonly breaker?: StepBreaker
  /** A bulkhead around each item attempt, shared by key across runs. */
  readonly bulkhead?: StepBulkhead
  /** A rate limit on item attempts, shared by key across runs. */
  readonly rateLimit?: StepRateLimit
}

/**
 * Options of {@link workflow}.
 * @public
 */
export interface WorkflowOptions<In extends TSchema, Out extends TSchema | undefined> {
  /** Version label recorded with every run. @defaultValue `'1'` */
  readonly version?: string
  /** Input contract. When omitted the workflow takes no input. */
  readonly input?: In
  /** Output contract, checked when the run succeeds. */
  readonly output?: Out
  /** Policies for every step that does not set its own. */
  readonly defaults?: StepDefaults
}

/** Output type of a built workflow: the output contract's type, else the map of step outputs. @public */
export type BuiltOutput<Out, S> = [Out] extends [TSchema] ? Static<Out> : Partial<S>

/**
 * Fluent, typed workflow builder. Each `.step()` adds the step's output type to `S`, so later
 * steps see their `deps` typed. Builders are immutable: every call returns a new builder.
 * @public
 */
export class WorkflowBuilder<I, Out extends TSchema | undefined, S> {
  /** @internal */
  constructor(
    private readonly id: string,
    private readonly options: WorkflowOptions<TSchema, Out>,
    private readonly specs: readonly StepSpec[],
  ) {}

  /**
   * Adds a step.
   * @param id - Unique step id (letters, digits, `_ . : -`).
   * @param options - See {@link StepOptions}.
   */
  step<const Id extends string, O extends TSchema, const N extends keyof S & string = never>(
    id: Id & NewStepId<Id, S>,
    options: StepOptions<I, S, N, O>,
  ): WorkflowBuilder<I, Out, S & { readonly [K in Id]: Static<O> }> {
    return new WorkflowBuilder(this.id, this.options, [...this.specs, { ...options, id }])
  }

  /**
   * Adds a sub-workflow step: it runs `workflow` as a child run (run id
   * `<parent>.<step>.<attempt>`, linked to the parent in the journal and events) and outputs the
   * child's output, typed. Cancelling the parent cancels the child; a failed child fails the
   * step; resuming the parent resumes the child.
   * @example
   * ```ts
   * .subworkflow('deploy', { needs: ['build'], workflow: deployWf, input: ({ deps }) => ({ artifact: deps.build.artifact }) })
   * ```
   */
  subworkflow<const Id extends string, W extends Workflow<unknown, unknown, unknown>, const N extends keyof S & string = never>(
    id: Id & NewStepId<Id, S>,
    options: SubWorkflowStepOptions<I, S, N, W>,
  ): WorkflowBuilder<I, Out, S & { readonly [K in Id]: WorkflowOutput<W> }> {
    const { workflow: child, input, ...rest } = options
    const wf = child as Workflow
    return new WorkflowBuilder(this.id, this.options, [
      ...this.specs,
      { ...rest, id, output: wf.output ?? Type.Unknown(), child: { workflow: wf, ...(input === undefined ? {} : { input }) } },
    ])
  }

  /**
   * Adds a gate: a step that waits for a signal (e.g. a human approval) sent with
   * `engine.signal(runId, name, payload)`. The wait survives restarts: a resumed run keeps
   * waiting, and a signal sent while no engine ran the run is journaled and seen on resume.
   * @example
   * ```ts
   * .gate('approval', { needs: ['plan'], signal: 'approve', payload: Type.Object({ by: Type.String() }), timeout: '24h' })
   * ```
   */
  gate<const Id extends string, P extends TSchema, const N extends keyof S & string = never>(
    id: Id & NewStepId<Id, S>,
    options: GateOptions<I, S, N, P>,
  ): WorkflowBuilder<I, Out, S & { readonly [K in Id]: Static<P> }> {
    const { signal, payload, ...rest } = options
    return new WorkflowBuilder(this.id, this.options, [...this.specs, { ...rest, id, output: payload, gate: { signal } }])
  }

  /**
   * Adds a map (fan-out) step: `run` runs once per item of `over`, as a child task with its own
   * attempt counter, retries, timeout, journal entries (`step.item.*`) and idempotency key
   * (`<runId>/<stepId>/<index>`). Dependents see the results in item order, typed
   * `Static<output>[]`. Resuming a run re-runs only items without a recorded result.
   * @example
   * ```ts
   * .map('shards', {
   *   needs: ['plan'],
   *   over: ({ deps }) => deps.plan.items,
   *   item: Type.Object({ id: Type.String() }),
   *   output: Type.Number(),
   *   concurrency: 8,
   *   retry: { attempts: 3 },
   *   run: async ({ item, signal }) => processShard(item.id, { signal }),
   * })
   * ```
   */
  map<const Id extends string, T extends TSchema, O extends TSchema, const N extends keyof S & string = never, const E extends MapItemErrorMode = 'fail'>(
    id: Id & NewStepId<Id, S>,
    options: MapStepOptions<I, S, N, T, O, E>,
  ): WorkflowBuilder<I, Out, S & { readonly [K in Id]: MapStepOutput<O, E> }> {
    const { over, item, output, run, concurrency, onItemError, ...rest } = options
    const map = { over, item, output, run, ...(concurrency === undefined ? {} : { concurrency }), ...(onItemError === undefined ? {} : { onItemError }) }
    return new WorkflowBuilder(this.id, this.options, [...this.specs, { ...rest, id, map }])
  }

  /**
   * Validates the definition and returns the immutable {@link Workflow}. Throws a
   * {@link WorkflowDefinitionError} listing every problem.
   * @param result - Derives the workflow output from the input and the step outputs. Without it
   *   the output is the map of step outputs (steps that were skipped are absent).
   */
  build(): Workflow<I, BuiltOutput<Out, S>, S>
  build<R extends [Out] extends [TSchema] ? Static<Out> : unknown>(
    result: (ctx: { readonly input: I; readonly steps: Partial<S> }) => R,
  ): Workflow<I, R, S>
  build(result?: (ctx: { readonly input: I; readonly steps: Partial<S> }) => unknown): Workflow<I, unknown, S> {
    return defineWorkflow({
      id: this.id,
      version: this.options.version,
      input: this.options.input,
      output: this.options.output,
      defaults: this.options.defaults,
      result,
      steps: this.specs,
    }) as Workflow<I, unknown, S>
  }
}

/**
 * Starts a typed workflow definition.
 * @example
 * ```ts
 * const hello = workflow('hello', { input: Type.Object({ name: Type.String() }) })
 *   .step('greet', { output: Type.String(), run: ({ input }) => `hello ${input.name}` })
 *   .step('shout', { needs: ['greet'], output: Type.String(), run: ({ deps }) => deps.greet.toUpperCase() })
 *   .build()
 * ```
 * @public
 */
export function workflow<In extends TSchema = TSchema, Out extends TSchema | undefined = undefined>(
  id: string,
  options: WorkflowOptions<In, Out> = {},
): WorkflowBuilder<[In] extends [TSchema] ? (TSchema extends In ? undefined : Static<In>) : undefined, Out, {}> {
  return new WorkflowBuilder(id, options, [])
}
