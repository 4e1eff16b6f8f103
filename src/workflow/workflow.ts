import type { TSchema } from 'typebox'
import type { IndexedGraph } from '../graph/index.js'
import type { StepContext, WhenContext } from './step-context.js'
import type { MapDefinition } from './map-step.js'
import type { StepBreaker, StepBulkhead, StepFallback, StepRateLimit, StepRemedies, StepResources, StepRetry } from './step-policies.js'

/**
 * A step as the engine sees it, after `build()` validated it. Types are erased here; the
 * builder keeps them for the user.
 * @public
 */
export interface StepDefinition {
  /** Step id, unique in the workflow. */
  readonly id: string
  /** Position in declaration order (tie-breaker of the scheduler). */
  readonly index: number
  /** Ids of the steps whose outputs this step needs. */
  readonly needs: readonly string[]
  /** Contract of the step's output. */
  readonly output: TSchema
  /** The step body. */
  readonly run: (ctx: StepContext<unknown, Readonly<Record<string, unknown>>>) => unknown
  /** Runs the step only when this returns true; otherwise it is skipped. */
  readonly when?: (ctx: WhenContext<unknown, Readonly<Record<string, unknown>>>) => boolean
  /** Expected duration in ms, for critical-path ranking and plans. */
  readonly estimate?: number
  /** Higher runs first among ready steps. */
  readonly priority: number
  /** Free text shown in plans and reports. */
  readonly description?: string
  /** Plugin-specific settings (e.g. checkpoint flags), opaque to the engine. */
  readonly meta?: Readonly<Record<string, unknown>>
  /** Retry policy. */
  readonly retry?: StepRetry
  /** Per-attempt time limit in ms. */
  readonly timeout?: number
  /** Time limit over all attempts in ms, from the first start. */
  readonly totalTimeout?: number
  /** Resources held while running. */
  readonly resources?: StepResources
  /** Shared concurrency-limit key. */
  readonly concurrencyKey?: string
  /** Compensation (saga undo). */
  readonly compensate?: (ctx: StepContext<unknown, Readonly<Record<string, unknown>>>, output: unknown) => void | Promise<void>
  /** Retry policy of the compensation. */
  readonly compensateRetry?: StepRetry
  /** The step acts on the world; a dry run does not call `run` but `dryRun` (or fakes the output). */
  readonly sideEffects?: boolean
  /** Secrets the step may read with `ctx.secret`. */
  readonly secrets?: readonly string[]
  /** Stand-in body for dry runs. */
  readonly dryRun?: (ctx: StepContext<unknown, Readonly<Record<string, unknown>>>) => unknown
  /** Circuit breaker shared by key. */
  readonly breaker?: StepBreaker
  /** Bulkhead shared by key. */
  readonly bulkhead?: StepBulkhead
  /** Rate limit shared by key. */
  readonly rateLimit?: StepRateLimit
  /** Output used when the step fails for good. */
  readonly fallback?: StepFallback
  /** Self-healing rules. */
  readonly heal?: StepRemedies
  /** A gate: the step waits for the named signal; its output is the signal's payload. */
  readonly gate?: { readonly signal: string }
  /** A sub-workflow step: runs `workflow` as a child run with the input `childInput(ctx)`. */
  readonly child?: { readonly workflow: Workflow; readonly input?: (ctx: WhenContext<unknown, Readonly<Record<string, unknown>>>) => unknown }
  /**
   * A map (fan-out) step: runs `map.run` once per item of `map.over(ctx)`, each item with its own
   * attempts (the step's `retry` and `timeout` live in `map`); `output` is the array contract.
   */
  readonly map?: MapDefinition
}

/** Phantom type carrier; never present at run time. */
declare const types: unique symbol

/**
 * An immutable, validated workflow definition. `I` is its input type, `O` its output type and
 * `S` the map from step id to output type.
 * @public
 */
export interface Workflow<I = unknown, O = unknown, S = Record<string, unknown>> {
  /** Workflow id. */
  readonly id: string
  /** Version label, recorded in every run. */
  readonly version: string
  /** Contract of the workflow input. */
  readonly input: TSchema
  /** Contract of the workflow output, when declared. */
  readonly output?: TSchema
  /** Steps in declaration order. */
  readonly steps: readonly StepDefinition[]
  /** Maps step ids to their definitions. */
  readonly stepById: ReadonlyMap<string, StepDefinition>
  /** The dependency graph (node i = steps[i]). */
  readonly graph: IndexedGraph
  /** Derives the workflow output from the input and the outputs of the steps that succeeded. */
  readonly result?: (ctx: { readonly input: unknown; readonly steps: Readonly<Record<string, unknown>> }) => unknown
  /**
   * Stable hash of the structure, contracts, version, estimates and priorities: the same
   * definition gives the same fingerprint in every process. Step bodies are not hashed.
   */
  readonly fingerprint: string
  /** @internal Type carrier. */
  readonly [types]?: { input: I; output: O; steps: S }
}

/** Input type of a workflow. @public */
export type WorkflowInput<W> = W extends Workflow<infer I, unknown, unknown> ? I : never
/** Output type of a workflow. @public */
export type WorkflowOutput<W> = W extends Workflow<unknown, infer O, unknown> ? O : never
/** Map from step id to output type of a workflow. @public */
export type WorkflowSteps<W> = W extends Workflow<unknown, unknown, infer S> ? S : never
