import { WeftError } from '../../errors/index.js'

/**
 * Data of an {@link ExecFailedError}. `stdout` and `stderr` are the last 4 KiB of what the
 * program wrote (the step output, when there is one, has up to `maxOutputBytes`).
 * @public
 */
export interface ExecFailedErrorData {
  /**
   * Why the step failed: `exit` (non-zero exit code), `signal` (killed by a signal it did not
   * get from Weft), `timeout` (ran longer than the template's `timeout`; Weft killed it) or
   * `spawn` (the program could not be started, e.g. not found; never allowed by
   * `allowFailure`).
   */
  readonly reason: 'exit' | 'signal' | 'timeout' | 'spawn'
  /** The program. */
  readonly command: string
  /** Its arguments. */
  readonly args: readonly string[]
  /** Exit code, when it exited. */
  readonly exitCode: number | null
  /** Signal that ended it, when one did. */
  readonly signal: string | null
  /** Tail of its standard output. */
  readonly stdout: string
  /** Tail of its standard error. */
  readonly stderr: string
  /** Real time it ran, in ms. */
  readonly durationMs: number
}

/**
 * A program run by the `exec` template failed: non-zero exit, killed by a signal, timed out or
 * could not be started. Retried by the step's `retry` policy like any other error.
 * @public
 */
export class ExecFailedError extends WeftError<ExecFailedErrorData> {
  /** Stable code. */
  static readonly code = 'WEFT_EXEC_FAILED'
  constructor(data: ExecFailedErrorData, cause?: unknown) {
    super(ExecFailedError.code, `${describe(data)}${data.stderr.length === 0 ? '' : `: ${lastLine(data.stderr)}`}`, data, { cause })
  }
}

function describe(data: ExecFailedErrorData): string {
  const what = `command ${JSON.stringify(data.command)}`
  switch (data.reason) {
    case 'exit':
      return `${what} exited with code ${data.exitCode}`
    case 'signal':
      return `${what} was killed by ${data.signal}`
    case 'timeout':
      return `${what} timed out after ${data.durationMs} ms and was killed`
    case 'spawn':
      return `${what} could not be started`
  }
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n')
  const line = lines[lines.length - 1] ?? ''
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}
