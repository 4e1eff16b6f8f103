import { parseArgs, type ParseArgsConfig } from 'node:util'
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
    if (error instanceof UsageError) return usage(out, error)
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
  const near = commands.map((c) => [c.name, distance(name, c.name)] as const).sort((a, b) => a[1] - b[1])[0]
  const hint = near !== undefined && near[1] <= 2 ? ` (did you mean "${near[0]}"?)` : ''
  return `unknown command "${name}"${hint}`
}

/** Edit distance with transpositions (optimal string alignment). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  }
  return d[a.length]![b.length]!
}

function usage(out: Output, error: unknown): ExitCodeValue {
  const message = error instanceof Error ? error.message : String(error)
  const command = error instanceof UsageError ? error.command : undefined
  out.err(`weft${command === undefined ? '' : ` ${command}`}: ${message}`)
  out.err(`Run \`weft ${command === undefined ? '' : `${command} `}--help\` for usage.`)
  return ExitCode.usage
}
