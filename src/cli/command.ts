import type { Output, CliIo } from './output.js'
import type { ExitCodeValue } from './exit-codes.js'
import { UsageError } from './exit-codes.js'

/**
 * One option of a command, as `node:util` `parseArgs` takes it, plus what help shows.
 * @public
 */
export interface OptionSpec {
  /** `string` takes a value; `boolean` is a switch. */
  readonly type: 'string' | 'boolean'
  /** One-letter alias (`-c`). */
  readonly short?: string
  /** May be given several times. */
  readonly multiple?: boolean
  /** Placeholder of the value in help (`<n>`). */
  readonly value?: string
  /** What it does, for help. */
  readonly description: string
}

/** Parsed values of a command's options. */
export type OptionValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>

/**
 * What a command receives.
 * @public
 */
export interface CommandContext {
  /** The process around the invocation. */
  readonly io: CliIo
  /** Output helpers. */
  readonly out: Output
  /** Parsed option values (by long name). */
  readonly values: OptionValues
  /** Positional arguments after the command name. */
  readonly positionals: readonly string[]
}

/**
 * A `weft` sub-command: its help and its action.
 * @public
 */
export interface Command {
  /** Name typed after `weft`. */
  readonly name: string
  /** One line for the command list. */
  readonly summary: string
  /** Synopsis, e.g. `weft run <file> [options]`. */
  readonly usage: string
  /** Longer explanation shown by `--help`. */
  readonly description?: string
  /** Least and most positional arguments. */
  readonly positionals: { readonly min: number; readonly max: number }
  /** Options besides the common ones (`--help`, `--config`). */
  readonly options: Readonly<Record<string, OptionSpec>>
  /** Example invocations, each `[command line, what it does]`. */
  readonly examples: readonly (readonly [string, string])[]
  /** Runs the command; resolves its exit code, throws for errors (mapped by `exitCodeOf`). */
  run(ctx: CommandContext): Promise<ExitCodeValue>
}

/** Options every command takes. */
export const commonOptions: Readonly<Record<string, OptionSpec>> = {
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
  config: { type: 'string', value: '<file>', description: 'Config file (default: weft.config.json, else .weft/config.json)' },
}

/** The `--store` option of the commands that use the journal. */
export const storeOption: Readonly<Record<string, OptionSpec>> = {
  store: { type: 'string', value: '<dir>', description: 'Journal directory (default: store.dir of the config, else .weft)' },
}

/** A string option's value, or undefined. */
export function stringValue(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name]
  return typeof v === 'string' ? v : undefined
}

/** A boolean option's value. */
export function flag(ctx: CommandContext, name: string): boolean {
  return ctx.values[name] === true
}

/**
 * An integer option's value within `[min, max]`, or undefined when absent. Throws a
 * {@link UsageError} with the exact expectation otherwise.
 */
export function integerValue(ctx: CommandContext, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = stringValue(ctx, name)
  if (raw === undefined) return undefined
  const n = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer from ${min} and up` : `an integer from ${min} to ${max}`
    throw new UsageError(`Expected \`--${name}\` to be ${range}, got \`${raw}\``)
  }
  return n
}
