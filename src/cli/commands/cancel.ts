import { isResumableEnd, isTerminalEvent } from '../../journal/index.js'
import { commonOptions, flag, integerValue, storeOption, stringValue, type Command } from '../command.js'
import { ExitCode } from '../exit-codes.js'
import { LeaseConflictError } from '../../engine/index.js'
import { isWeftError } from '../../errors/index.js'
import { loadCliConfig, openEngine } from '../open-engine.js'
import { askHolder } from '../signal-inbox.js'
import { fileOption, journalOf, runTarget } from '../run-target.js'

/** `weft cancel <runId>`: ends a run as cancelled, wherever it is. @public */
export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'Cancel a run (running in another weft process, interrupted, or crashed)',
  usage: 'weft cancel <runId> [--reason <text>]',
  description: [
    'A run that no process drives (interrupted with Ctrl-C, or whose process died and whose lease',
    'expired) is taken over under its lease and ended `cancelled` without running anything.',
    'A run that another `weft run`/`weft resume` process drives is asked to cancel through that',
    'process, which aborts its steps and records the cancel (waiting at most --wait seconds).',
    'A run held by another kind of process (a program using the library) cannot be cancelled from',
    'here: exit 4. A run that already ended is left alone: exit 0 if it was cancelled, else 4.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  options: {
    ...commonOptions,
    ...fileOption,
    reason: { type: 'string', value: '<text>', description: 'Why (recorded in the journal); default "cancelled from the command line"' },
    wait: { type: 'string', value: '<seconds>', description: 'How long a live weft process may take to answer (default 10)' },
    json: { type: 'boolean', description: 'Print { runId, status, how } as JSON' },
    ...storeOption,
  },
  examples: [
    ['weft cancel 3f1c2a9e-…', 'cancel an interrupted run for good, or stop a run another terminal is running'],
    ['weft cancel nightly-42 --reason "superseded by nightly-43"', 'record why'],
  ],
  async run(ctx) {
    const runId = ctx.positionals[0]!
    const reason = stringValue(ctx, 'reason') ?? 'cancelled from the command line'
    const waitMs = (integerValue(ctx, 'wait', 0) ?? 10) * 1000
    const { config, file: configFile } = loadCliConfig(ctx)
    const opened = await openEngine(ctx, config, { existing: true })
    const report = (status: string, how: string, text: string): void => {
      if (flag(ctx, 'json')) ctx.out.json({ runId, status, how })
      else ctx.out.out(text)
    }
    try {
      const journal = await journalOf(opened.store, runId)
      const last = journal[journal.length - 1]
      if (last !== undefined && isTerminalEvent(last) && !isResumableEnd(last)) {
        const status = last.type.slice('run.'.length)
        report(status, 'already-ended', `run ${runId} already ended: ${status}`)
        return status === 'cancelled' ? ExitCode.ok : ExitCode.store
      }
      const { workflow } = await runTarget(ctx, opened.store, runId, config, configFile, journal)
      try {
        const result = await opened.engine.cancel(runId, workflow, reason)
        report(result.status, 'journaled', `run ${runId} ${result.status === 'cancelled' ? 'cancelled' : `ended ${result.status}`}`)
        return result.status === 'cancelled' ? ExitCode.ok : ExitCode.store
      } catch (error) {
        if (!isWeftError(error, LeaseConflictError.code)) throw error
      }
      // Another process holds the run: ask it, if it is a weft process.
      await askHolder(opened.storeDir, runId, { kind: 'cancel', reason }, waitMs, 'cancel')
      report('cancelled', 'delivered', `run ${runId}: cancel delivered to the process running it`)
      return ExitCode.ok
    } finally {
      await opened.close()
    }
  },
}
