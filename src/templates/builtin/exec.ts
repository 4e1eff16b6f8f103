import { spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import Type, { type Static } from 'typebox'
import { parseDuration, type Duration } from '../../runtime/index.js'
import { defineStep, type TemplateContext } from '../step-template.js'
import { DurationSchema } from './duration-schema.js'
import { ExecFailedError } from './exec-failed-error.js'
import { WeftError } from '../../errors/index.js'

const MiB = 1024 * 1024
const tailBytes = 4096
/** Grace between SIGTERM and SIGKILL when Weft stops a program. */
const killGraceMs = 2000
/** How long a program killed by SIGINT/SIGTERM waits for the step's own cancellation. */
const interruptGraceMs = 250

/**
 * Parameters of the `exec` template (the type of {@link ExecParams}).
 * @public
 */
export interface ExecParameters {
  /** The program to run, looked up on the `PATH` the program gets; never a shell command line. */
  command: string
  /**
   * Arguments, passed to the program as they are: no shell, no globbing, no quoting.
   * @defaultValue `[]`
   */
  args?: string[]
  /**
   * Working directory, relative to the process's.
   * @defaultValue the process's working directory
   */
  cwd?: string
  /**
   * Names of the environment variables passed through from `process.env` (an allowlist;
   * nothing else reaches the program).
   * @defaultValue `["PATH"]`
   */
  env?: string[]
  /**
   * Environment variables set from secrets: variable name → secret name. Each secret must be
   * declared in the step's `secrets` and is read with `ctx.secret` (so it is redacted from
   * everything the run writes, including this program's output).
   * @defaultValue none
   */
  secretEnv?: Record<string, string>
  /**
   * Longest run, in real time (a real program runs in real time, whatever the engine's clock):
   * then SIGTERM, SIGKILL 2 s later, and the step fails with {@link ExecFailedError} (reason
   * `timeout`).
   * @defaultValue no limit (the step's own `timeout` still applies)
   */
  timeout?: Duration
  /**
   * Bytes kept of stdout, and of stderr; the rest is read and dropped, and `truncated` is set.
   * @defaultValue 1048576 (1 MiB)
   */
  maxOutputBytes?: number
  /**
   * When true, a non-zero exit code or a signal is an output, not a failure.
   * @defaultValue false
   */
  allowFailure?: boolean
}

/**
 * Output of the `exec` template (the type of {@link ExecOutput}).
 * @public
 */
export interface ExecResult {
  /** Exit code, or `null` when a signal ended the program. */
  exitCode: number | null
  /** The signal that ended the program, or `null`. */
  signal: string | null
  /** Standard output (UTF-8), up to `maxOutputBytes`. */
  stdout: string
  /** Standard error (UTF-8), up to `maxOutputBytes`. */
  stderr: string
  /** True when stdout or stderr was longer than `maxOutputBytes`. */
  truncated: boolean
  /** Real time the program ran, in ms. */
  durationMs: number
}

/**
 * Contract of the `exec` template's parameters; see {@link ExecParameters}.
 * @public
 */
export const ExecParams = Type.Object(
  {
    command: Type.String({ minLength: 1, description: 'The program to run (looked up on PATH); never a shell command line.' }),
    args: Type.Optional(Type.Array(Type.String(), { description: 'Arguments, passed as they are (no shell, no globbing, no quoting).' })),
    cwd: Type.Optional(Type.String({ minLength: 1, description: "Working directory, relative to the process's." })),
    env: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), {
        description: 'Names of environment variables passed through from the process (an allowlist). Default: ["PATH"].',
      }),
    ),
    secretEnv: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String({ minLength: 1 }), {
        description: 'Environment variables set from secrets the step declares: { VARIABLE: "SECRET_NAME" }.',
      }),
    ),
    timeout: Type.Optional(DurationSchema),
    maxOutputBytes: Type.Optional(Type.Integer({ minimum: 0, description: 'Bytes kept of stdout and of stderr each. Default: 1 MiB.' })),
    allowFailure: Type.Optional(Type.Boolean({ description: 'When true, a non-zero exit or a signal is an output, not a failure.' })),
  },
  { additionalProperties: false },
)

/**
 * Contract of the `exec` template's output; see {@link ExecResult}.
 * @public
 */
export const ExecOutput = Type.Object({
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  signal: Type.Union([Type.String(), Type.Null()]),
  stdout: Type.String(),
  stderr: Type.String(),
  truncated: Type.Boolean(),
  durationMs: Type.Number({ minimum: 0 }),
})

/**
 * The `exec` template: runs a program with an argument array — never through a shell
 * (`shell: false`), so arguments are never re-parsed — and captures its exit code, signal,
 * standard output and standard error (see {@link ExecParameters} for every parameter and its
 * default, {@link ExecResult} for the output).
 *
 * - Only the variables named in `env` (default: `PATH`) reach the program.
 * - `timeout` kills the program (SIGTERM, then SIGKILL after 2 s) and fails the step with
 *   {@link ExecFailedError} (reason `timeout`).
 * - When the step's `ctx.signal` aborts (run cancelled, fail-fast, step timeout) the program is
 *   killed the same way and the step fails with the signal's reason.
 * - stdout and stderr are each kept up to `maxOutputBytes` (default 1 MiB).
 * - A non-zero exit code or a signal fails the step with {@link ExecFailedError} unless
 *   `allowFailure`. A program that cannot be started always fails (reason `spawn`).
 * - The program's children are not tracked: a program that starts others should stop them on
 *   SIGTERM.
 * @example
 * ```ts
 * .step('test', { needs: ['build'], ...useStep(execTemplate, { command: 'npm', args: ['test'], timeout: '10m' }) })
 * ```
 * @public
 */
export const execTemplate = createExecTemplate()

/**
 * Options of {@link createExecTemplate}.
 * @public
 */
export interface ExecTemplateOptions {
  /**
   * The programs `exec` may run, compared with `command` exactly as written (`'npm'`,
   * `'/usr/bin/git'`). Any other command fails the step with {@link ExecNotAllowedError} before
   * anything starts. Set it whenever workflow files come from people you do not fully trust.
   * @defaultValue every program (code-defined workflows are trusted)
   */
  readonly allow?: readonly string[]
}

/**
 * An `exec` template restricted to an allowlist of programs (see {@link ExecTemplateOptions});
 * otherwise the same as {@link execTemplate}.
 * @example
 * ```ts
 * const registry = builtinTemplates({ exec: { allow: ['npm', 'git'] } })
 * ```
 * @public
 */
export function createExecTemplate(options: ExecTemplateOptions = {}) {
  const allow = options.allow === undefined ? undefined : new Set(options.allow)
  return defineStep({
    name: 'exec',
    description: 'Runs a program with an argument array (no shell); captures exit code, stdout and stderr.',
    with: ExecParams,
    output: ExecOutput,
    sideEffects: true,
    run: (ctx, params) => {
      if (allow !== undefined && !allow.has(params.command)) {
        return Promise.reject(new ExecNotAllowedError({ command: params.command, stepId: ctx.stepId, allowed: [...allow] }))
      }
      return runProgram(ctx, params)
    },
  })
}

/**
 * `exec` was asked to run a program that is not on its allowlist
 * ({@link ExecTemplateOptions.allow}). Nothing was started; not retried.
 * @public
 */
export class ExecNotAllowedError extends WeftError<{ readonly command: string; readonly stepId: string; readonly allowed: readonly string[] }> {
  /** Stable code. */
  static readonly code = 'WEFT_EXEC_NOT_ALLOWED'
  constructor(data: { readonly command: string; readonly stepId: string; readonly allowed: readonly string[] }) {
    super(ExecNotAllowedError.code, `step "${data.stepId}": program ${JSON.stringify(data.command)} is not on the exec allowlist (${data.allowed.map((a) => JSON.stringify(a)).join(', ') || 'empty'})`, data)
  }
}

type Params = Static<typeof ExecParams>
type Output = Static<typeof ExecOutput>
// The documented interfaces and the contracts describe the same types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Assert<T extends true> = T
type _ExecTypesAgree = [Assert<Same<Params, ExecParameters>>, Assert<Same<Output, ExecResult>>]

/** Collects a stream up to a byte budget, counting what it drops. */
class Capture {
  private readonly chunks: Buffer[] = []
  private kept = 0
  truncated = false
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const room = this.limit - this.kept
    if (chunk.length > room) this.truncated = true
    if (room <= 0) return
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    this.chunks.push(part)
    this.kept += part.length
  }
  text(): string {
    return Buffer.concat(this.chunks, this.kept).toString('utf8')
  }
}

function tail(text: string): string {
  const bytes = Buffer.from(text, 'utf8')
  return bytes.length <= tailBytes ? text : bytes.subarray(bytes.length - tailBytes).toString('utf8')
}

async function runProgram(ctx: TemplateContext, params: Params): Promise<Output> {
  const env: Record<string, string> = {}
  for (const name of params.env ?? ['PATH']) {
    const value = process.env[name]
    if (value !== undefined) env[name] = value
  }
  for (const [variable, secret] of Object.entries(params.secretEnv ?? {})) env[variable] = await ctx.secret(secret)
  return spawnProgram(ctx, params, env)
}

function spawnProgram(ctx: TemplateContext, params: Params, env: Record<string, string>): Promise<Output> {
  const { command, args = [], cwd, timeout, allowFailure = false } = params
  const limit = params.maxOutputBytes ?? MiB
  const signal = ctx.signal
  return new Promise<Output>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const started = performance.now()
    const elapsed = () => Math.round(performance.now() - started)
    const stdout = new Capture(limit)
    const stderr = new Capture(limit)
    let stoppedBy: 'timeout' | 'abort' | undefined
    let killTimer: NodeJS.Timeout | undefined
    let timeoutTimer: NodeJS.Timeout | undefined
    const child = spawn(command, [...args], { cwd, env, shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true })
    const stop = (why: 'timeout' | 'abort'): void => {
      if (stoppedBy !== undefined) return
      stoppedBy = why
      child.kill('SIGTERM')
      killTimer = setTimeout(() => child.kill('SIGKILL'), killGraceMs)
      killTimer.unref()
    }
    const onAbort = (): void => stop('abort')
    signal.addEventListener('abort', onAbort, { once: true })
    const ms = timeout === undefined ? undefined : parseDuration(timeout)
    if (ms !== undefined) timeoutTimer = setTimeout(() => stop('timeout'), ms)
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    let settled = false
    const finish = (): void => {
      settled = true
      signal.removeEventListener('abort', onAbort)
      if (timeoutTimer !== undefined) clearTimeout(timeoutTimer)
      if (killTimer !== undefined) clearTimeout(killTimer)
    }
    child.on('error', (error) => {
      if (settled) return
      finish()
      const failure = { command, args, exitCode: null, signal: null, stdout: tail(stdout.text()), stderr: tail(stderr.text()), durationMs: elapsed() }
      reject(new ExecFailedError({ reason: 'spawn', ...failure }, error))
    })
    child.on('close', (exitCode, exitSignal) => {
      if (settled) return
      finish()
      const output: Output = {
        exitCode,
        signal: exitSignal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
        durationMs: elapsed(),
      }
      if (stoppedBy === 'abort') return reject(signal.reason)
      const failure = { command, args, exitCode, signal: exitSignal, stdout: tail(output.stdout), stderr: tail(output.stderr), durationMs: output.durationMs }
      if (stoppedBy === 'timeout') return reject(new ExecFailedError({ reason: 'timeout', ...failure }))
      if (exitCode !== 0 && !allowFailure) {
        const failed = new ExecFailedError({ reason: exitSignal === null ? 'exit' : 'signal', ...failure })
        // Ctrl-C on a terminal reaches the program (same process group) as well as Weft: give the
        // run's cancellation a moment to arrive, so the step is recorded interrupted, not failed.
        if (exitSignal !== 'SIGINT' && exitSignal !== 'SIGTERM') return reject(failed)
        const settle = (): void => reject(signal.aborted ? signal.reason : failed)
        if (signal.aborted) return settle()
        const grace = setTimeout(settle, interruptGraceMs)
        signal.addEventListener('abort', () => (clearTimeout(grace), settle()), { once: true })
        return
      }
      resolve(output)
    })
  })
}
