import { commonOptions, flag, type Command } from '../command.js'
import { CliError, ExitCode, isWeftLike } from '../exit-codes.js'
import { loadTarget, registryFor } from '../load-target.js'
import { loadCliConfig } from '../open-engine.js'

/** One problem of a file, as `weft validate --json` prints it. */
interface FileProblem {
  readonly pointer: string
  readonly message: string
  readonly code?: string
  readonly kind?: string
  readonly line?: number
  readonly column?: number
  readonly stepId?: string
}

/** The verdict on one file. */
interface FileReport {
  readonly file: string
  readonly ok: boolean
  readonly workflow?: string
  readonly steps?: number
  readonly problems: readonly FileProblem[]
}

async function check(file: string, cwd: string, registry: Parameters<typeof loadTarget>[2]): Promise<FileReport> {
  try {
    const { workflow } = await loadTarget(file, cwd, registry)
    return { file, ok: true, workflow: workflow.id, steps: workflow.steps.length, problems: [] }
  } catch (error) {
    if (isWeftLike(error) && error.code === 'WEFT_WORKFLOW_DEFINITION') {
      // Problems of the loader carry a kind and, for text files, a line and column.
      const data = error.data as { problems: readonly { path: string; message: string; code: string; stepId?: string; kind?: string; line?: number; column?: number }[] }
      const problems = data.problems.map((p): FileProblem => ({
        pointer: p.path,
        message: p.message,
        code: p.code,
        ...(p.stepId === undefined ? {} : { stepId: p.stepId }),
        ...(p.kind === undefined ? {} : { kind: p.kind }),
        ...(p.line === undefined ? {} : { line: p.line, column: p.column ?? 1 }),
      }))
      return { file, ok: false, problems }
    }
    const message = error instanceof CliError || error instanceof Error ? error.message : String(error)
    return { file, ok: false, problems: [{ pointer: '', message }] }
  }
}

/** `weft validate <file…>`: every problem of every file, with lines and pointers. @public */
export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check workflow files; report every problem of every file',
  usage: 'weft validate <file...> [--json]',
  description: [
    'Loads each file as `weft run` would, without running anything, and lists every problem',
    'of every file as `file:line:column: message (pointer)`. Exits with 2 when any file has a problem.',
  ].join('\n'),
  positionals: { min: 1, max: Infinity },
  options: {
    ...commonOptions,
    json: { type: 'boolean', description: 'Print one JSON array: { file, ok, workflow, steps, problems[] } per file' },
  },
  examples: [
    ['weft validate workflows/*.yaml', 'check every workflow file (e.g. in CI)'],
    ['weft validate release.yaml --json', 'problems as data, with pointer, line and column'],
  ],
  async run(ctx) {
    const { config, file: configFile } = loadCliConfig(ctx)
    const registry = await registryFor(config, configFile, ctx.io.cwd)
    const reports: FileReport[] = []
    for (const file of ctx.positionals) reports.push(await check(file, ctx.io.cwd, registry))
    const failed = reports.filter((r) => !r.ok)
    if (flag(ctx, 'json')) {
      ctx.out.json(reports)
    } else {
      for (const r of reports) {
        const shown = r.file
        if (r.ok) {
          ctx.out.out(`${ctx.out.paint('green', '✓')} ${shown}: workflow ${r.workflow} (${r.steps} step${r.steps === 1 ? '' : 's'})`)
          continue
        }
        ctx.out.out(`${ctx.out.paint('red', '✗')} ${shown}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`)
        for (const p of r.problems) {
          const at = p.line === undefined ? (p.pointer === '' ? '' : `${shown}: `) : `${shown}:${p.line}:${p.column ?? 1}: `
          ctx.out.out(`  ${at}${p.message}${p.pointer === '' ? '' : ` (${p.pointer})`}`)
        }
      }
      if (reports.length > 1) ctx.out.out(`${reports.length - failed.length} of ${reports.length} files valid`)
    }
    return failed.length === 0 ? ExitCode.ok : ExitCode.usage
  },
}
