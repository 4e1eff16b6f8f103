import { existsSync } from 'node:fs'
import type { JournalEvent, RunStatus } from '../../journal/index.js'
import { isResumableEnd } from '../../journal/index.js'
import { runStatuses } from '../../journal/events.js'
import { commonOptions, flag, integerValue, storeOption, stringValue, type Command } from '../command.js'
import { ExitCode, UsageError } from '../exit-codes.js'
import { loadCliConfig, openEngine, storeDirOf } from '../open-engine.js'
import { table } from '../output.js'
import { runHeader, runRow, type RunState } from '../run-view.js'


/** `weft history`: past runs, newest first. @public */
export const historyCommand: Command = {
  name: 'history',
  summary: 'List runs, newest first (table, or --json)',
  usage: 'weft history [--workflow <id>] [--status <status>] [--limit <n>] [--json]',
  description: 'Runs in the store, newest first. STATE is the journal status, `interrupted` for a run stopped with Ctrl-C.',
  positionals: { min: 0, max: 0 },
  options: {
    ...commonOptions,
    workflow: { type: 'string', short: 'w', value: '<id>', description: 'Only runs of this workflow' },
    status: { type: 'string', short: 's', value: '<status>', description: `Only runs with this status (${runStatuses.join(', ')})` },
    limit: { type: 'string', short: 'n', value: '<n>', description: 'At most this many runs (default 20)' },
    json: { type: 'boolean', description: 'Print a JSON array of run summaries' },
    ...storeOption,
  },
  examples: [
    ['weft history', 'the 20 latest runs'],
    ['weft history --workflow release --status failed -n 5 --json', 'the 5 latest failed release runs, as JSON'],
  ],
  async run(ctx) {
    const limit = integerValue(ctx, 'limit', 1) ?? 20
    const status = stringValue(ctx, 'status')
    if (status !== undefined && !runStatuses.includes(status as RunStatus)) {
      throw new UsageError(`Expected \`--status\` to be one of ${runStatuses.join(', ')}, got \`${status}\``)
    }
    const workflowId = stringValue(ctx, 'workflow')
    const { config } = loadCliConfig(ctx)
    if (!existsSync(storeDirOf(ctx, config))) {
      if (flag(ctx, 'json')) ctx.out.json([])
      else ctx.out.out(`no runs in ${storeDirOf(ctx, config)}`)
      return ExitCode.ok
    }
    const opened = await openEngine(ctx, config)
    try {
      const runs = []
      for await (const s of opened.engine.list({ limit, ...(workflowId === undefined ? {} : { workflowId }), ...(status === undefined ? {} : { status: status as RunStatus }) })) runs.push(s)
      if (flag(ctx, 'json')) {
        ctx.out.json(runs)
        return ExitCode.ok
      }
      if (runs.length === 0) {
        ctx.out.out(`no runs in ${opened.storeDir}${workflowId === undefined ? '' : ` for workflow ${workflowId}`}`)
        return ExitCode.ok
      }
      const rows: string[][] = []
      for (const s of runs) {
        let state: RunState = s.status
        if (s.status === 'cancelled') {
          let last: JournalEvent | undefined
          for await (const e of opened.store.read(s.runId)) last = e
          if (last !== undefined && isResumableEnd(last)) state = 'interrupted'
        }
        rows.push(runRow(s, state))
      }
      ctx.out.out(table(runHeader, rows))
      return ExitCode.ok
    } finally {
      await opened.close()
    }
  },
}
