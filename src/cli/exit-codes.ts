import { isWeftError } from '../errors/index.js'

/**
 * Exit codes of the `weft` command, the same for every command.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | the run failed (or was cancelled, or a replay diverged) |
 * | 2 | usage or definition error (bad flags, bad config, invalid workflow file, changed definition) |
 * | 3 | input contract violation (`--input`, a signal payload) |
 * | 4 | journal or store error (unknown run, corrupt journal, run held by another process) |
 * | 130 | interrupted (Ctrl-C); the run can be continued with `weft resume` |
 * @public
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  input: 3,
  store: 4,
  interrupted: 130,
} as const

/** One of the values of {@link ExitCode}. @public */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

/** A problem with the command line itself (unknown flag, missing argument): exit code 2. @public */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  /** The command whose usage to point at, if any. */
  readonly command: string | undefined
  constructor(message: string, command?: string) {
    super(message)
    this.command = command
  }
}

/**
 * An error the CLI raises itself with a chosen exit code and a message meant for people (no
 * stack trace).
 * @public
 */
export class CliError extends Error {
  override readonly name = 'CliError'
  constructor(
    message: string,
    /** Exit code to end with. */
    readonly exitCode: ExitCodeValue,
  ) {
    super(message)
  }
}

const usageCodes = new Set(['WEFT_WORKFLOW_DEFINITION', 'WEFT_CONFIG', 'WEFT_WORKFLOW_CHANGED', 'WEFT_TEMPLATE_DEFINITION', 'WEFT_INVALID_ARGUMENT', 'WEFT_INVALID_HANDLER'])
const storeCodes = new Set([
  'WEFT_RUN_NOT_FOUND',
  'WEFT_RUN_EXISTS',
  'WEFT_JOURNAL_SEQUENCE',
  'WEFT_INVALID_RUN_ID',
  'WEFT_JOURNAL_CORRUPT',
  'WEFT_JOURNAL_VERSION',
  'WEFT_LEASE_LOST',
  'WEFT_STORE_IO',
  'WEFT_INVALID_EVENT',
  'WEFT_STORE_CLOSED',
  'WEFT_INVALID_JOURNAL',
  'WEFT_LEASE_CONFLICT',
  'WEFT_RUN_ENDED',
])

/**
 * The exit code for an error thrown by a command. Weft errors are matched on their stable
 * `code` (not `instanceof`), so errors from another copy of the library — e.g. the one a
 * workflow module imports — map the same way.
 * @public
 */
export function exitCodeOf(error: unknown): ExitCodeValue {
  if (error instanceof CliError) return error.exitCode
  if (error instanceof UsageError) return ExitCode.usage
  if (isWeftLike(error)) {
    const code = error.code
    if (code === 'WEFT_CONTRACT_VIOLATION') {
      const direction = (error.data as { direction?: string } | undefined)?.direction
      return direction === 'workflow-input' || direction === 'step-input' ? ExitCode.input : ExitCode.failed
    }
    if (usageCodes.has(code)) return ExitCode.usage
    if (storeCodes.has(code)) return ExitCode.store
    return ExitCode.failed
  }
  const sys = (error as { code?: unknown } | null)?.code
  // A file named on the command line that cannot be read.
  if (sys === 'ENOENT' || sys === 'EISDIR' || sys === 'EACCES' || sys === 'ENOTDIR') return ExitCode.usage
  return ExitCode.failed
}

/** A Weft error, possibly from another copy of the library. */
export function isWeftLike(error: unknown): error is Error & { readonly code: string; readonly data?: unknown } {
  if (isWeftError(error)) return true
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('WEFT_')
}
