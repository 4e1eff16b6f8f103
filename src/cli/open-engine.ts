import { randomUUID } from 'node:crypto'
import { createWriteStream, existsSync } from 'node:fs'
import { hostname } from 'node:os'
import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { loadConfig, type LoadedConfig, type WeftConfig } from '../config/index.js'
import { createEngine, type Engine } from '../engine/index.js'
import { SimulatedClock, systemClock, type Clock } from '../runtime/index.js'
import { fileStore, type RunStore } from '../store/index.js'
import { chainSecrets, envSecrets, fileSecrets, type SecretProvider } from '../secrets/index.js'
import type { Telemetry, WeftEvent } from '../telemetry/index.js'
import { stringValue, type CommandContext } from './command.js'
import { CliError, ExitCode, UsageError } from './exit-codes.js'

/**
 * Loads the configuration for a command: the config file (`--config`, else `weft.config.json`,
 * else `.weft/config.json`), then `WEFT_*` variables, then `overrides` (the command's flags),
 * with `--store` applied as `store.dir`. Throws `ConfigError` listing every problem.
 */
export function loadCliConfig(ctx: CommandContext, overrides: WeftConfig = {}): LoadedConfig {
  const store = stringValue(ctx, 'store')
  const file = stringValue(ctx, 'config')
  const merged: WeftConfig = store === undefined ? overrides : { ...overrides, store: { ...overrides.store, dir: store } }
  return loadConfig({ cwd: ctx.io.cwd, env: ctx.io.env, ...(file === undefined ? {} : { file }), overrides: merged })
}

/** The journal directory of a configuration, absolute. */
export function storeDirOf(ctx: CommandContext, config: WeftConfig): string {
  return resolve(ctx.io.cwd, config.store?.dir ?? '.weft')
}

/** Options of {@link openEngine}. */
export interface OpenEngineOptions {
  /** `system` (default) or `simulated` (sleeps take no real time). */
  readonly clock?: string
  /** Write every event of every run as a JSON line (from `telemetry.jsonl`). @defaultValue none */
  readonly jsonl?: boolean
  /**
   * Fail (exit 4) instead of creating the journal directory when it does not exist: for the
   * commands that act on recorded runs.
   */
  readonly existing?: boolean
}

/** An engine over the configured file store, and how to close both. */
export interface OpenedEngine {
  readonly engine: Engine
  readonly store: RunStore
  readonly storeDir: string
  /** Closes the engine (waiting for its runs and for their leases to be given up), its telemetry and the store. */
  close(options?: { readonly cancelActive?: boolean }): Promise<void>
}

/**
 * Creates the engine a command runs with: a file store in the configured directory with the
 * configured durability, the configured concurrency, pools and limits, and JSON-lines
 * telemetry when `telemetry.jsonl` is set.
 */
export async function openEngine(ctx: CommandContext, config: WeftConfig, options: OpenEngineOptions = {}): Promise<OpenedEngine> {
  const storeDir = storeDirOf(ctx, config)
  if (options.existing === true && !existsSync(storeDir)) throw new CliError(`no journal directory at ${storeDir} (pass --store <dir>, or start a run with \`weft run\`)`, ExitCode.store)
  const store = fileStore(storeDir, { durability: config.store?.durability ?? 'always' })
  const clock = clockOf(options.clock)
  const telemetry = options.jsonl === true && config.telemetry?.jsonl !== undefined ? await jsonlTelemetry(resolve(ctx.io.cwd, config.telemetry.jsonl)) : undefined
  const owner = `weft-cli:${hostname()}:${process.pid}:${randomUUID()}`
  const engine = createEngine({
    store,
    clock,
    owner,
    ...(telemetry === undefined ? {} : { telemetry }),
    ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
    ...(config.pools === undefined ? {} : { pools: config.pools }),
    ...(config.limits === undefined ? {} : { limits: config.limits }),
    secrets: secretsOf(ctx, config),
  })
  return { engine, store, storeDir, close: (o) => engine.close(o) }
}

/**
 * The secret provider of the CLI: environment variables `<envPrefix><NAME>` (default prefix
 * `WEFT_SECRET_`), then the configured secrets file.
 */
function secretsOf(ctx: CommandContext, config: WeftConfig): SecretProvider {
  const options = config.secrets ?? {}
  const env = envSecrets({ prefix: options.envPrefix ?? 'WEFT_SECRET_', env: ctx.io.env, ...(options.allow === undefined ? {} : { allow: options.allow }) })
  if (options.file === undefined) return env
  const file = fileSecrets(resolve(ctx.io.cwd, options.file))
  if (options.allow === undefined) return chainSecrets(env, file)
  const allowed = new Set(options.allow)
  return chainSecrets(env, { get: (name) => (allowed.has(name) ? file.get(name) : Promise.resolve(undefined)) })
}

function clockOf(name: string | undefined): Clock {
  if (name === undefined || name === 'system') return systemClock
  // Starts at the real time so that run times in `weft history` stay meaningful.
  if (name === 'simulated') return new SimulatedClock({ start: Date.now() })
  throw new UsageError(`Expected \`--clock\` to be \`system\` or \`simulated\`, got \`${name}\``)
}

/** Telemetry that appends every event as one JSON line to `file`. */
export async function jsonlTelemetry(file: string): Promise<Telemetry> {
  await mkdir(dirname(file), { recursive: true })
  const stream = createWriteStream(file, { flags: 'a' })
  return {
    event: (event: WeftEvent) => void stream.write(`${JSON.stringify(event)}\n`),
    flush: () => new Promise<void>((done) => stream.end(done)),
  }
}
