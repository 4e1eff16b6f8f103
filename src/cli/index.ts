/**
 * The `weft` command line, callable in-process: `main(argv, io)` resolves an exit code.
 * @packageDocumentation
 */
export { main, commands } from './main.js'
export { ExitCode, exitCodeOf, UsageError, CliError, type ExitCodeValue } from './exit-codes.js'
export { processIo, type CliIo, type CliWriter } from './output.js'
export type { Command, CommandContext, OptionSpec } from './command.js'
export type { PlanReport } from './analyze.js'
