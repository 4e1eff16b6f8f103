import { commonOptions, flag, storeOption, type Command } from '../command.js'
import { ExitCode, isWeftLike } from '../exit-codes.js'
import { loadCliConfig, openEngine } from '../open-engine.js'
import { oneLine } from '../output.js'
import { fileOption, runTarget } from '../run-target.js'

/** `weft replay <runId>`: checks a journal against the definition without running bodies. @public */
export const replayCommand: Command = {
  name: 'replay',
  summary: 'Check a recorded run against its definition (no step runs)',
  usage: 'weft replay <runId> [--file <file>] [--json]',
  description: [
    'Feeds the recorded step outcomes back through the scheduler and compares every decision',
    'with the journal. Exits 0 when they match, 1 at the first divergence (non-determinism),',
    '2 when the definition changed, 4 when the journal cannot be read.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  options: {
    ...commonOptions,
    ...fileOption,
    json: { type: 'boolean', description: 'Print the report (or the divergence) as JSON' },
    ...storeOption,
  },
  examples: [
    ['weft replay 3f1c2a9e-…', 'check that the workflow still makes the recorded decisions'],
    ['weft replay nightly-42 --file workflows/nightly.yaml', 'check a recorded run against an edited file'],
  ],
  async run(ctx) {
    const runId = ctx.positionals[0]!
    const { config, file: configFile } = loadCliConfig(ctx)
    const opened = await openEngine(ctx, config, { existing: true })
    try {
      const { workflow } = await runTarget(ctx, opened.store, runId, config, configFile)
      try {
        const report = await opened.engine.replay(runId, workflow)
        if (flag(ctx, 'json')) ctx.out.json({ ok: true, ...report })
        else ctx.out.out(`replay of run ${runId} matches: ${report.events} events over ${report.segments} segment${report.segments === 1 ? '' : 's'} (workflow ${workflow.id})`)
        return ExitCode.ok
      } catch (error) {
        if (!(isWeftLike(error) && error.code === 'WEFT_NON_DETERMINISM')) throw error
        const data = error.data as { index: number; expected: unknown; found: unknown }
        if (flag(ctx, 'json')) ctx.out.json({ ok: false, runId, index: data.index, expected: data.expected, found: data.found })
        else {
          ctx.out.out(`replay of run ${runId} diverges at journal event ${data.index}:`)
          ctx.out.out(`  recorded: ${oneLine(data.expected, 300)}`)
          ctx.out.out(`  replayed: ${oneLine(data.found, 300)}`)
        }
        return ExitCode.failed
      }
    } finally {
      await opened.close()
    }
  },
}
