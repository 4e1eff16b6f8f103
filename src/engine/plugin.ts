import type { Workflow } from '../workflow/index.js'
import type { RunResult } from './run-result.js'

/**
 * What every hook sees about the run.
 * @public
 */
export interface RunHookContext {
  /** Run id. */
  readonly runId: string
  /** The workflow being run. */
  readonly workflow: Workflow
  /** The (validated) workflow input. */
  readonly input: unknown
  /** The run seed. */
  readonly seed: number
  /**
   * Appends a `plugin.recorded` event to the run's journal (e.g. the commit id of a git
   * checkpoint), attributed to this plugin and, in step hooks, to the step.
   */
  record(name: string, data: unknown): void
}

/**
 * What step hooks see.
 * @public
 */
export interface StepHookContext extends RunHookContext {
  /** Step id. */
  readonly stepId: string
  /** Attempt number, from 1. */
  readonly attempt: number
}

/**
 * A plugin: lifecycle hooks the engine awaits at fixed points of every run, so git
 * checkpoints, tracing or reporters attach without touching the engine. A hook that throws
 * fails what it guards: `onRunStart` the run, `beforeStep`/`afterStep` the step attempt;
 * an `onRunEnd` error is reported as an `engine.warning` event.
 * @public
 */
export interface WeftPlugin {
  /** Name used in journal records and warnings. */
  readonly name: string
  /** After `run.started` is journaled, before any step starts. */
  onRunStart?(ctx: RunHookContext): void | Promise<void>
  /** After `step.started` is journaled, before the body runs. */
  beforeStep?(ctx: StepHookContext): void | Promise<void>
  /** After the body's output passed its contract, before `step.succeeded` is journaled. */
  afterStep?(ctx: StepHookContext & { readonly output: unknown }): void | Promise<void>
  /** After the run's final event is journaled. */
  onRunEnd?(ctx: RunHookContext & { readonly result: RunResult }): void | Promise<void>
}

/**
 * The plugins of an engine that have each hook, in the engine's order; sorted once per engine
 * (its plugins are fixed when it is created) rather than once per run.
 * @internal
 */
export interface PluginHooks {
  readonly beforeStep: readonly WeftPlugin[]
  readonly afterStep: readonly WeftPlugin[]
  readonly runStart: readonly WeftPlugin[]
  readonly runEnd: readonly WeftPlugin[]
}

/** {@link PluginHooks} of `plugins`. @internal */
export function pluginHooks(plugins: readonly WeftPlugin[]): PluginHooks {
  return {
    beforeStep: plugins.filter((p) => p.beforeStep !== undefined),
    afterStep: plugins.filter((p) => p.afterStep !== undefined),
    runStart: plugins.filter((p) => p.onRunStart !== undefined),
    runEnd: plugins.filter((p) => p.onRunEnd !== undefined),
  }
}
