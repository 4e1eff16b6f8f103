import { isResumableEnd, isTerminalEvent } from '../../journal/index.js'
import { commonOptions, flag, integerValue, storeOption, stringValue, type Command } from '../command.js'
import { loadCliConfig, openEngine } from '../open-engine.js'
import { RunSession } from '../run-session.js'
import { fileOption, runTarget } from '../run-target.js'

/** `weft resume <runId>`: continues an interrupted or crashed run from its journal. @public */
export const resumeCommand: Command = {
  name: 'resume',
  summary: 'Continue an interrupted or crashed run from its journal',
  usage: 'weft resume <runId> [options]',
  description: [
    'Continues a run from its journal with the workflow file recorded when it started (or --file):',
    'recorded successes are not run again; steps that were running run again. A run that already',
    'ended is reported as it ended. Same output, progress, Ctrl-C and exit codes as `weft run`.',
    'Refuses a changed definition (exit 2) unless --allow-definition-change.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  options: {
    ...commonOptions,
    ...fileOption,
    'allow-definition-change': { type: 'boolean', description: 'Resume even though the workflow definition changed' },
    concurrency: { type: 'string', short: 'c', value: '<n>', description: 'Most steps at once for the rest of the run (default: as started)' },
    clock: { type: 'string', value: '<system|simulated>', description: 'simulated: sleeps take no real time' },
    json: { type: 'boolean', description: 'Print the whole run result as JSON on stdout' },
    quiet: { type: 'boolean', short: 'q', description: 'No progress on stderr' },
    ...storeOption,
  },
  examples: [
    ['weft resume 3f1c2a9e-…', 'continue a run after Ctrl-C or a crash'],
    ['weft resume nightly-42 --file workflows/nightly.yaml --allow-definition-change', 'continue with an edited definition'],
  ],
  async run(ctx) {
    const runId = ctx.positionals[0]!
    const concurrency = integerValue(ctx, 'concurrency', 1)
    const { config, file: configFile } = loadCliConfig(ctx)
    const clock = stringValue(ctx, 'clock')
    const opened = await openEngine(ctx, config, { ...(clock === undefined ? {} : { clock }), jsonl: true, existing: true })
    try {
      const { journal, workflow } = await runTarget(ctx, opened.store, runId, config, configFile)
      const last = journal[journal.length - 1]
      const ended = last !== undefined && isTerminalEvent(last) && !isResumableEnd(last)
      const progress = !flag(ctx, 'quiet') && config.telemetry?.console !== false
      const session = new RunSession(ctx.out, opened, workflow, runId, { json: flag(ctx, 'json'), progress, storeDir: opened.storeDir })
      session.restore(journal)
      const options = {
        ...(flag(ctx, 'allow-definition-change') ? { allowDefinitionChange: true } : {}),
        ...(concurrency === undefined ? {} : { concurrency }),
      }
      const note = ended ? `run ${runId} had already ended; its recorded result:` : `resuming run ${runId}: workflow ${workflow.id}, journal in ${opened.storeDir}`
      return await session.launch(() => opened.engine.resume(runId, workflow, options), note, ctx.io.onInterrupt)
    } finally {
      await opened.close({ cancelActive: true })
    }
  },
}
