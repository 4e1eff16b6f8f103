import { parseArgs, type ParseArgsConfig } from 'node:util'
import { closest } from '../loader/suggest.js'
import type { Command, CommandContext, OptionValues } from './command.js'
import { cancelCommand } from './commands/cancel.js'
import { graphCommand } from './commands/graph.js'
import { historyCommand } from './commands/history.js'
import { initCommand } from './commands/init.js'
import { planCommand } from './commands/plan.js'
import { replayCommand } from './commands/replay.js'
import { resumeCommand } from './commands/resume.js'
import { runCommand } from './commands/run.js'
import { signalCommand } from './commands/signal.js'
import { statusCommand } from './commands/status.js'
import { validateCommand } from './commands/validate.js'
import { ExitCode, exitCodeOf, UsageError, type ExitCodeValue } from './exit-codes.js'
import { commandHelp, mainHelp } from './help.js'
import { describeError, Output, processIo, type CliIo } from './output.js'
import { cliVersion } from './version.js'

/** Every command, in the order help lists them. @public */
export const commands: readonly Command[] = [
  runCommand,
  planCommand,
  graphCommand,
  validateCommand,
  resumeCommand,
  replayCommand,
  cancelCommand,
  signalCommand,
  statusCommand,
  historyCommand,
  initCommand,
]

/**
 * Runs the `weft` command line: `argv` without the node and script paths (e.g.
 * `['run', 'release.yaml', '--input', '{}']`). Never throws and never exits the process:
 * resolves the exit code (see `ExitCode`). `io` replaces any part of the process (output,
 * working directory, environment, interrupts), so it can run in-process.
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2))
 * ```
 * @public
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<ExitCodeValue> {
  const full: CliIo = { ...processIo(), ...io }
  const out = new Output(full)
  const [first, ...rest] = argv
  if (first === undefined) {
    out.err(mainHelp(commands, cliVersion))
    return ExitCode.usage
  }
  if (first === '--help' || first === '-h') {
    out.out(mainHelp(commands, cliVersion))
    return ExitCode.ok
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    out.out(cliVersion)
    return ExitCode.ok
  }
  if (first === 'help') {
    const target = rest[0] === undefined ? undefined : commands.find((c) => c.name === rest[0])
    if (rest[0] !== undefined && target === undefined) return usage(out, new UsageError(unknownCommand(rest[0])))
    out.out(target === undefined ? mainHelp(commands, cliVersion) : commandHelp(target))
    return ExitCode.ok
  }
  const command = commands.find((c) => c.name === first)
  if (command === undefined) return usage(out, new UsageError(unknownCommand(first)))
  let ctx: CommandContext
  try {
    ctx = { io: full, out, ...parse(command, rest) }
  } catch (error) {
    return usage(out, error)
  }
  if (ctx.values['help'] === true) {
    out.out(commandHelp(command))
    return ExitCode.ok
  }
  try {
    return await command.run(ctx)
  } catch (error) {
    // A usage error from inside a command is about that command: its name need not be passed along.
    if (error instanceof UsageError) return usage(out, error, command.name)
    out.err(`weft ${command.name}: ${describeError(error)}`)
    if (error instanceof Error && full.env['WEFT_DEBUG'] !== undefined) out.err(error.stack ?? '')
    return exitCodeOf(error)
  }
}

function parse(command: Command, args: readonly string[]): { values: OptionValues; positionals: string[] } {
  let parsed: { values: OptionValues; positionals: string[] }
  try {
    parsed = parseArgs({ args: [...args], options: command.options as ParseArgsConfig['options'], allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''), command.name)
  }
  if (parsed.values['help'] === true) return parsed
  const n = parsed.positionals.length
  const { min, max } = command.positionals
  if (n < min) throw new UsageError(`missing argument${min - n === 1 ? '' : 's'}: ${command.usage}`, command.name)
  if (n > max) throw new UsageError(`unexpected argument${n - max === 1 ? '' : 's'} ${parsed.positionals.slice(max).map((p) => `"${p}"`).join(', ')}: ${command.usage}`, command.name)
  return parsed
}

function unknownCommand(name: string): string {
  const near = closest(name, commands.map((c) => c.name))
  return `unknown command "${name}"${near === undefined ? '' : ` (did you mean "${near}"?)`}`
}

function usage(out: Output, error: unknown, running?: string): ExitCodeValue {
  const message = error instanceof Error ? error.message : String(error)
  const command = (error instanceof UsageError ? error.command : undefined) ?? running
  out.err(`weft${command === undefined ? '' : ` ${command}`}: ${message}`)
  out.err(`Run \`weft ${command === undefined ? '' : `${command} `}--help\` for usage.`)
  return ExitCode.usage
}
