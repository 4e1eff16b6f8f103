import { LeaseConflictError } from '../../engine/index.js'
import { checkSignalPayload } from '../../engine/signal-board.js'
import { isWeftError } from '../../errors/index.js'
import { isResumableEnd, isTerminalEvent } from '../../journal/index.js'
import { commonOptions, flag, integerValue, storeOption, stringValue, type Command } from '../command.js'
import { CliError, ExitCode } from '../exit-codes.js'
import { jsonArgument } from '../input-value.js'
import { loadCliConfig, openEngine } from '../open-engine.js'
import { askHolder } from '../signal-inbox.js'
import { fileOption, journalOf, runTarget } from '../run-target.js'

/** `weft signal <runId> <name>`: opens the run's gates waiting for a signal. @public */
export const signalCommand: Command = {
  name: 'signal',
  summary: "Send a signal to a run's gates (with an optional JSON payload)",
  usage: "weft signal <runId> <name> [--payload <json|@file>]",
  description: [
    'Gates waiting for <name> open with the payload (checked against their contracts: exit 3).',
    'A run that a `weft run`/`weft resume` process drives gets the signal at once through that',
    'process; a run nobody drives (interrupted, crashed) has it journaled, and sees it when resumed.',
  ].join('\n'),
  positionals: { min: 2, max: 2 },
  options: {
    ...commonOptions,
    ...fileOption,
    payload: { type: 'string', short: 'p', value: '<json|@file>', description: 'Payload: JSON, or @file (.json, .yaml); default null' },
    wait: { type: 'string', value: '<seconds>', description: 'How long a live weft process may take to answer (default 10)' },
    json: { type: 'boolean', description: 'Print { runId, name, delivered } as JSON' },
    ...storeOption,
  },
  examples: [
    ['weft signal 3f1c2a9e-… approve --payload \'{"by":"ada"}\'', 'approve a run waiting at a gate'],
    ['weft signal nightly-42 go && weft resume nightly-42', 'signal an interrupted run, then continue it'],
  ],
  async run(ctx) {
    const [runId, name] = ctx.positionals as [string, string]
    const raw = stringValue(ctx, 'payload')
    const payload = raw === undefined ? null : jsonArgument(raw, '--payload', ctx.io.cwd)
    const waitMs = (integerValue(ctx, 'wait', 0) ?? 10) * 1000
    const { config, file: configFile } = loadCliConfig(ctx)
    const opened = await openEngine(ctx, config, { existing: true })
    const report = (delivered: 'journaled' | 'delivered', text: string): void => {
      if (flag(ctx, 'json')) ctx.out.json({ runId, name, delivered })
      else ctx.out.out(text)
    }
    try {
      const journal = await journalOf(opened.store, runId)
      const last = journal[journal.length - 1]
      if (last !== undefined && isTerminalEvent(last) && !isResumableEnd(last)) {
        throw new CliError(`run ${runId} already ended (${last.type.slice('run.'.length)}): it takes no more signals`, ExitCode.store)
      }
      const recorded = journal[0]?.type === 'run.started' && journal[0].metadata?.['source'] !== undefined
      if (recorded || stringValue(ctx, 'file') !== undefined) {
        const { workflow } = await runTarget(ctx, opened.store, runId, config, configFile, journal)
        if (checkSignalPayload(workflow, name, payload) === 0) ctx.out.err(`warning: no step of workflow ${workflow.id} waits for signal "${name}"`)
      }
      // The engine journals the signal under the run's lease; a run another process holds is refused.
      const sent = await opened.engine.signal(runId, name, payload).then(
        () => true,
        (error: unknown) => {
          if (isWeftError(error, LeaseConflictError.code)) return false
          throw error
        },
      )
      if (sent) {
        report('journaled', `signal "${name}" journaled for run ${runId}; the run sees it when resumed: weft resume ${runId}`)
        return ExitCode.ok
      }
      await askHolder(opened.storeDir, runId, { kind: 'signal', name, payload }, waitMs, 'signal')
      report('delivered', `signal "${name}" delivered to run ${runId}`)
      return ExitCode.ok
    } finally {
      await opened.close()
    }
  },
}
