import { compile, type DataLimits } from '../contract/index.js'
import type { Executor } from '../executor/index.js'
import type { Clock, Duration, Entropy } from '../runtime/index.js'
import type { RunStore } from '../store/index.js'
import type { Telemetry } from '../telemetry/index.js'
import type { SecretProvider } from '../secrets/index.js'
import { RunMetadataSchema } from '../journal/index.js'
import { InvalidArgumentError } from './engine-errors.js'
import type { WeftPlugin } from './plugin.js'
import type { FailurePolicy } from './run-execution.js'
import type { SecretLeakPolicy, SecretSettings } from './run-secrets.js'

/**
 * Options of {@link createEngine}. Every port has an embedded default, so
 * `createEngine()` works out of the box.
 * @public
 */
export interface EngineOptions {
  /**
   * Where journals go.
   * @defaultValue an in-memory store (`memoryStore()`)
   */
  readonly store?: RunStore
  /**
   * Runs step bodies.
   * @defaultValue `inlineExecutor()` (same thread)
   */
  readonly executor?: Executor
  /**
   * Time for the engine and for `ctx.now()` / `ctx.sleep()`.
   * @defaultValue `systemClock`
   */
  readonly clock?: Clock
  /**
   * Source of run ids and seeds when a run is started without them.
   * @defaultValue `systemEntropy` (node:crypto)
   */
  readonly entropy?: Entropy
  /** Receives every reported event (after it is journaled). */
  readonly telemetry?: Telemetry
  /** Lifecycle hooks, awaited in order. @defaultValue `[]` */
  readonly plugins?: readonly WeftPlugin[]
  /**
   * Where `ctx.secret(name)` reads the secrets steps declare (`envSecrets()`, `fileSecrets(path)`,
   * `memorySecrets({...})`, `chainSecrets(...)` or your own vault). Every value read in a run is
   * redacted from its journal, events, logs, errors and telemetry.
   * @defaultValue none: every declared secret is missing (`SecretNotFoundError`)
   */
  readonly secrets?: SecretProvider
  /**
   * What happens to a step output that contains a secret value: `'fail'` fails the step with a
   * `SecretLeakError` naming each JSON pointer (nothing is stored); `'redact'` stores and passes
   * on the output with the values replaced by `[REDACTED:NAME]`.
   * @defaultValue 'fail'
   */
  readonly secretLeaks?: SecretLeakPolicy
  /**
   * Secret values shorter than this are not redacted (redacting very short strings everywhere
   * would mangle unrelated text); a step reading one still gets it.
   * @defaultValue 4
   */
  readonly secretMinLength?: number
  /**
   * Limits on signal payloads (they come from outside): a payload that is not JSON data, too
   * large or too deep, or holds `__proto__`/`constructor`/`prototype` keys is refused with an
   * `UntrustedDataError` before anything is journaled.
   * @defaultValue `{ maxBytes: 1048576, maxDepth: 64, maxNodes: 100000 }`
   */
  readonly signalLimits?: DataLimits
  /**
   * Most steps of one run executing at once.
   * @defaultValue Infinity
   * @example `createEngine({ concurrency: 8 })`
   */
  readonly concurrency?: number
  /**
   * What a failed step does to its run. `failFast` aborts running siblings and starts nothing
   * new; `continue` runs everything that does not depend on the failure.
   * @defaultValue `'failFast'`
   */
  readonly failurePolicy?: FailurePolicy
  /**
   * Resource pools: how much of each resource exists, e.g. `{ cpu: 8, gpu: 2 }`. A step with
   * `resources: { gpu: 1 }` starts only when its resources are free. A step asking for more than
   * a pool holds is refused at `start` with a `WorkflowDefinitionError`. Pools are shared by every
   * run of the engine: each run's scheduler keeps its own steps within them (and journals its
   * decisions, so replay does not depend on other runs), and the engine hands the capacity out
   * to the runs' started steps round-robin, so one huge run cannot hold back a small one.
   * @defaultValue `{}`
   */
  readonly pools?: Readonly<Record<string, number>>
  /**
   * Concurrency limits per `concurrencyKey`, e.g. `{ db: 4 }`, shared by every run like `pools`.
   * @defaultValue `{}`
   */
  readonly limits?: Readonly<Record<string, number>>
  /**
   * Most step bodies executing at once across every run of the engine, served round-robin
   * across runs (the per-run `concurrency` still applies to each run). A started step waits for a
   * slot before its body (and its timeout) starts.
   * @defaultValue Infinity
   */
  readonly globalConcurrency?: number
  /**
   * Rank steps by the durations they really took: the median of each step's last `runs`
   * successful attempts (from this engine's runs, and from earlier successful runs in the store,
   * read in the background the first time a workflow is started) replaces its declared
   * `estimate` in the critical-path ranking. The durations used are journaled in `run.started`,
   * so resume and replay rank the same way. Off by default: a fixed plan per definition is
   * cheapest.
   * @defaultValue false
   */
  readonly learnDurations?: boolean | { readonly runs?: number }
  /**
   * Who this engine is, for run leases. When the store supports leases, each run this engine
   * drives is leased to it (renewed while the run is in progress, released at its end), every
   * append carries the lease's fencing token, and another engine cannot resume the run meanwhile.
   * @defaultValue `engine-<random uuid>`
   */
  readonly owner?: string
  /**
   * How long a lease lasts without renewal: after the owner dies, `recover()` may take the run over
   * once this has passed.
   * @defaultValue `'30s'`
   */
  readonly leaseTtl?: Duration
  /**
   * Clock of lease renewals.
   * @defaultValue `systemClock` (real time, even when `clock` is simulated, so renewals never make a simulated clock race ahead)
   */
  readonly leaseClock?: Clock
}

/**
 * Options of {@link Engine.start}.
 * @public
 */
export interface StartOptions {
  /** Run id; must be unique in the store. @defaultValue a random UUID */
  readonly runId?: string
  /** Seed of `ctx.random()` and of every seeded decision. @defaultValue a random 32-bit integer */
  readonly seed?: number
  /** Aborting it cancels the run. */
  readonly signal?: AbortSignal
  /** Overrides the engine's concurrency for this run. */
  readonly concurrency?: number
  /** Overrides the engine's failure policy for this run. */
  readonly failurePolicy?: FailurePolicy
  /**
   * Runs no step marked `sideEffects: true`: its `dryRun` handler runs instead, or a value is
   * generated from its output contract; the result marks those steps `simulated`.
   * @defaultValue false
   */
  readonly dryRun?: boolean
  /** Links the run to a parent run (set by sub-workflow steps). */
  readonly parentRunId?: string
  /**
   * The caller's string labels of the run (e.g. `{ source: 'deploy.yaml' }`), recorded in the
   * journal's `run.started` and in the store's run summary. At most 32 entries, keys of 1-64
   * characters, values up to 1,024.
   */
  readonly metadata?: Readonly<Record<string, string>>
}

/**
 * Options of {@link Engine.resume}.
 * @public
 */
export interface ResumeOptions {
  /**
   * Resume even when the definition's fingerprint differs from the journal's (a version
   * migration you vouch for). Steps that no longer exist are ignored; new steps run.
   * @defaultValue false
   */
  readonly allowDefinitionChange?: boolean
  /** Aborting it cancels the run. */
  readonly signal?: AbortSignal
  /** Overrides the engine's concurrency for the rest of this run. */
  readonly concurrency?: number
  /** Overrides the engine's failure policy for the rest of this run. */
  readonly failurePolicy?: FailurePolicy
}

/** @internal */
export function checkConcurrency(name: string, value: number | undefined): number {
  if (value === undefined) return Infinity
  if (value === Infinity || (Number.isInteger(value) && value >= 1)) return value
  throw new InvalidArgumentError(name, 'an integer from 1 and up (or Infinity)', value)
}

/** @internal */
export function secretSettings(options: EngineOptions): SecretSettings {
  const { secrets: provider, secretLeaks = 'fail', secretMinLength } = options
  if (provider !== undefined && typeof (provider as { get?: unknown } | null)?.get !== 'function') {
    throw new InvalidArgumentError('secrets', 'a SecretProvider (an object with a `get(name)` method)', provider)
  }
  if (secretLeaks !== 'fail' && secretLeaks !== 'redact') throw new InvalidArgumentError('secretLeaks', "'fail' or 'redact'", secretLeaks)
  if (secretMinLength !== undefined && !(Number.isInteger(secretMinLength) && secretMinLength >= 1)) {
    throw new InvalidArgumentError('secretMinLength', 'an integer from 1 and up', secretMinLength)
  }
  return { provider, leaks: secretLeaks, minLength: secretMinLength }
}

/** @internal */
export function checkMetadata(value: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const entries = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : undefined
  const fits = entries !== undefined && entries.length <= 32 && entries.every(([k, v]) => k.length >= 1 && k.length <= 64 && typeof v === 'string' && v.length <= 1024)
  if (!fits || !compile(RunMetadataSchema).Check(value)) {
    throw new InvalidArgumentError('metadata', 'at most 32 string labels (keys of 1-64 characters, values up to 1,024)', value)
  }
  return { ...value }
}

/** @internal */
export function checkPolicy(name: string, value: FailurePolicy | undefined): FailurePolicy {
  if (value === undefined) return 'failFast'
  if (value === 'failFast' || value === 'continue') return value
  throw new InvalidArgumentError(name, "'failFast' or 'continue'", value)
}
