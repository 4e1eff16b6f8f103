import { isWeftLike } from './exit-codes.js'

/**
 * Where the CLI writes: a text sink, and whether it is a terminal.
 * @public
 */
export interface CliWriter {
  /** Writes text as it is (no newline added). */
  write(text: string): void
  /** True when the sink is an interactive terminal (enables live progress and colors). @defaultValue false */
  readonly isTTY?: boolean
  /** Width of the terminal in columns, when it is one. */
  readonly columns?: number
}

/**
 * The process around one invocation of {@link main}: output streams, working directory,
 * environment and interrupts. Everything has a default taken from `process`, so the CLI can
 * run in-process (tests, tools) with captured output.
 * @public
 */
export interface CliIo {
  /** Results: run outputs, tables, JSON. @defaultValue `process.stdout` */
  readonly stdout: CliWriter
  /** Progress, messages and errors. @defaultValue `process.stderr` */
  readonly stderr: CliWriter
  /** Directory that relative paths and the config file are resolved against. @defaultValue `process.cwd()` */
  readonly cwd: string
  /** Environment (`WEFT_*` overrides, `NO_COLOR`). @defaultValue `process.env` */
  readonly env: Readonly<Record<string, string | undefined>>
  /**
   * Subscribes to interrupts (Ctrl-C); returns an unsubscribe function.
   * @defaultValue `SIGINT` and `SIGTERM` of the process
   */
  readonly onInterrupt: (listener: () => void) => () => void
}

/** The {@link CliIo} of the current process. @public */
export function processIo(): CliIo {
  const stream = (s: NodeJS.WriteStream): CliWriter => ({
    write: (text) => void s.write(text),
    get isTTY() {
      return s.isTTY === true
    },
    get columns() {
      return s.columns
    },
  })
  return {
    stdout: stream(process.stdout),
    stderr: stream(process.stderr),
    cwd: process.cwd(),
    env: process.env,
    onInterrupt: (listener) => {
      process.on('SIGINT', listener)
      process.on('SIGTERM', listener)
      return () => {
        process.off('SIGINT', listener)
        process.off('SIGTERM', listener)
      }
    },
  }
}

/** Line-oriented output helpers over a {@link CliIo}. */
export class Output {
  /** True when stderr is a terminal and colors are allowed. */
  readonly color: boolean
  constructor(readonly io: CliIo) {
    this.color = io.stderr.isTTY === true && io.env['NO_COLOR'] === undefined && io.env['TERM'] !== 'dumb'
  }
  /** A line on stdout. */
  out(line = ''): void {
    this.io.stdout.write(`${line}\n`)
  }
  /** A line on stderr. */
  err(line = ''): void {
    this.io.stderr.write(`${line}\n`)
  }
  /** Pretty JSON on stdout. */
  json(value: unknown): void {
    this.out(JSON.stringify(value, null, 2))
  }
  /** Styles text for stderr when colors are on. */
  paint(style: 'red' | 'green' | 'yellow' | 'dim' | 'bold' | 'cyan', text: string): string {
    if (!this.color) return text
    const codes = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const
    return `\x1b[${codes[style]}m${text}\x1b[0m`
  }
}

/**
 * Renders rows as an aligned text table with a header line. Cells are single-line strings.
 * @example `table(['ID', 'STATUS'], [['r1', 'succeeded']])`
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

/** A duration for people: `850ms`, `12.3s`, `4m 05s`, `2h 03m`, `1d 4h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, '')}s`
  const s = Math.round(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
  const m = Math.round(s / 60)
  if (m < 24 * 60) return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`
  const h = Math.round(m / 60)
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

/** A timestamp (ms since the epoch) as an ISO-like local-independent string: `2025-01-31 12:34:56Z`. */
export function formatTime(ms: number): string {
  const d = new Date(ms)
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')
}

/** A value on one line, shortened to `max` characters. */
export function oneLine(value: unknown, max = 120): string {
  let text: string
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  } catch {
    text = String(value)
  }
  text = text.replace(/\s*\n\s*/g, ' ')
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/**
 * Describes an error for people: the message, and for Weft errors with several problems
 * (definition problems, contract issues, config problems) one line per problem.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  if (!isWeftLike(error)) return error.message
  const data = error.data as
    | { problems?: readonly { path?: string; message: string; source?: string; line?: number; column?: number }[]; issues?: readonly { path: string; message: string }[]; direction?: string; stepId?: string }
    | undefined
  if (error.code === 'WEFT_CONTRACT_VIOLATION' && data?.issues !== undefined) {
    const what = data.direction === 'workflow-input' ? 'the input does not match the workflow\'s input contract' : data.direction === 'step-input' ? `the value does not match the contract of step "${data.stepId ?? '?'}"` : error.message.split(':')[0]!
    return [`${what}:`, ...data.issues.map((i) => `  ${i.path === '' ? '/' : i.path}: ${i.message}`)].join('\n')
  }
  if (error.code === 'WEFT_LEASE_CONFLICT') {
    return `${error.message}\n  Another process is running it, or one that died less than a lease term (30 s) ago: retry once that lease expires, or see \`weft status\`.`
  }
  return error.message
}
