import type { WeftConfig } from '../config/index.js'
import type { JournalEvent } from '../journal/index.js'
import type { RunStore } from '../store/index.js'
import type { Workflow } from '../workflow/index.js'
import { stringValue, type CommandContext, type OptionSpec } from './command.js'
import { CliError, ExitCode } from './exit-codes.js'
import { loadTarget, registryFor, withConfigDefaults } from './load-target.js'

/** The `--file` option of the commands that act on a recorded run. */
export const fileOption: Readonly<Record<string, OptionSpec>> = {
  file: { type: 'string', value: '<file>', description: 'Workflow file to use (default: the one recorded when the run started)' },
}

/** Every event of a run's journal. Rejects with `RunNotFoundError` (exit 4) for an unknown run. */
export async function journalOf(store: RunStore, runId: string): Promise<JournalEvent[]> {
  const journal: JournalEvent[] = []
  for await (const event of store.read(runId)) journal.push(event)
  return journal
}

/** A recorded run and the definition it runs. */
export interface RunTarget {
  readonly journal: readonly JournalEvent[]
  readonly workflow: Workflow
}

/**
 * Finds the workflow of a recorded run: `--file` when given, else the `source` that
 * `weft run` recorded in the run's metadata; loads it as `weft run` did (same templates and
 * config defaults). `journal` is the run's journal when the caller has read it already.
 */
export async function runTarget(ctx: CommandContext, store: RunStore, runId: string, config: WeftConfig, configFile: string | undefined, journal?: readonly JournalEvent[]): Promise<RunTarget> {
  journal ??= await journalOf(store, runId)
  const started = journal[0]
  const recorded = started?.type === 'run.started' ? started.metadata?.['source'] : undefined
  const source = stringValue(ctx, 'file') ?? recorded
  if (source === undefined) {
    throw new CliError(`run ${runId} has no recorded workflow file (it was not started by \`weft run\`): pass --file <path>`, ExitCode.usage)
  }
  const registry = await registryFor(config, configFile, ctx.io.cwd)
  const target = await loadTarget(source, ctx.io.cwd, registry).catch((error: unknown) => {
    if (error instanceof CliError && stringValue(ctx, 'file') === undefined) {
      throw new CliError(`${error.message} (the workflow file recorded for run ${runId}); pass --file <path> if it moved`, error.exitCode)
    }
    throw error
  })
  return { journal, workflow: withConfigDefaults(target.workflow, config) }
}
