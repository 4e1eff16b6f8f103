import { randomUUID } from 'node:crypto'
import { commonOptions, flag, integerValue, storeOption, stringValue, type Command } from '../command.js'
import { jsonArgument } from '../input-value.js'
import { loadTarget, registryFor, withConfigDefaults } from '../load-target.js'
import { loadCliConfig, openEngine } from '../open-engine.js'
import { RunSession } from '../run-session.js'
import { planAffected } from '../affected-run.js'
import { issuesOf } from '../../contract/index.js'
import { CliError, ExitCode, UsageError } from '../exit-codes.js'
import { cliVersion } from '../version.js'

/** `weft run <file>`: runs a workflow file to its end, journaled in the store. @public */
export const runCommand: Command = {
  name: 'run',
  summary: 'Run a workflow file (JSON/YAML, or a JS/TS module exporting a workflow)',
  usage: 'weft run <file> [options]',
  description: [
    'Runs the workflow to its end, journaling every event in the store, and prints its output',
    'as JSON on stdout. Progress goes to stderr: live on a terminal, plain lines otherwise.',
    'Ctrl-C cancels the run cleanly (steps see their signal abort, the journal records the',
    'interruption) and exits with 130; `weft resume <runId>` continues it later.',
    '',
    'JS modules must export the workflow as `default` or `workflow`; .ts modules need tsx.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  options: {
    ...commonOptions,
    input: { type: 'string', short: 'i', value: '<json|@file>', description: 'Workflow input: JSON, or @file (.json, .yaml)' },
    seed: { type: 'string', value: '<n>', description: 'Seed of the run (integer); random by default' },
    concurrency: { type: 'string', short: 'c', value: '<n>', description: 'Most steps running at once (default: config, else unlimited)' },
    'dry-run': { type: 'boolean', description: 'Simulate steps marked with side effects instead of running them' },
    'run-id': { type: 'string', value: '<id>', description: 'Id of the new run (default: a random UUID)' },
    clock: { type: 'string', value: '<system|simulated>', description: 'simulated: sleeps and estimates take no real time' },
    json: { type: 'boolean', description: 'Print the whole run result as JSON on stdout' },
    quiet: { type: 'boolean', short: 'q', description: 'No progress on stderr' },
    affected: { type: 'boolean', description: 'Run only the steps whose `inputs` changed since --base (and their dependents); reuse the last successful run for the rest' },
    base: { type: 'string', value: '<ref>', description: 'With --affected: the git ref to compare from (e.g. main)' },
    head: { type: 'string', value: '<ref>', description: 'With --affected: the git ref to compare to (default: the working tree)' },
    ...storeOption,
  },
  examples: [
    ['weft run release.yaml --input \'{"tag":"v1.2.0"}\'', 'run a declarative workflow with an input'],
    ['weft run pipeline.ts -c 4 --store /var/lib/weft', 'run a TypeScript module with 4 steps at once'],
    ['weft run plan.json --clock simulated --json', 'simulate a plan instantly and print the result'],
    ['weft run ci.yaml --affected --base main', 'run only what the changes since main affect'],
  ],
  async run(ctx) {
    const file = ctx.positionals[0]!
    const concurrency = integerValue(ctx, 'concurrency', 1)
    const seed = integerValue(ctx, 'seed')
    const { config, file: configFile } = loadCliConfig(ctx, concurrency === undefined ? {} : { concurrency })
    const raw = stringValue(ctx, 'input')
    const input = raw === undefined ? undefined : jsonArgument(raw, '--input', ctx.io.cwd)
    const registry = await registryFor(config, configFile, ctx.io.cwd)
    const target = await loadTarget(file, ctx.io.cwd, registry)
    const base = stringValue(ctx, 'base')
    if (flag(ctx, 'affected') !== (base !== undefined)) throw new UsageError('--affected and --base <ref> go together')
    if (stringValue(ctx, 'head') !== undefined && base === undefined) throw new UsageError('--head needs --affected --base <ref>')
    let workflow = withConfigDefaults(target.workflow, config)
    if (input === undefined) {
      // Said before anything is opened, and in terms of the command line rather than `/: must be object`.
      const issues = issuesOf(workflow.input, undefined)
      if (issues.length > 0) {
        const wants = issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; ')
        throw new CliError(`no --input given, but workflow "${workflow.id}" needs one (${wants}). Pass --input '<json>' or --input @file.json`, ExitCode.input)
      }
    }
    const opened = await openEngine(ctx, config, { ...(stringValue(ctx, 'clock') === undefined ? {} : { clock: stringValue(ctx, 'clock')! }), jsonl: true })
    try {
      const runId = stringValue(ctx, 'run-id') ?? randomUUID()
      const progress = !flag(ctx, 'quiet') && config.telemetry?.console !== false
      let reusedFrom: string | undefined
      if (base !== undefined) {
        const plan = await planAffected(workflow, opened.store, ctx.io.cwd, base, stringValue(ctx, 'head'))
        workflow = plan.workflow
        reusedFrom = plan.from
        if (!flag(ctx, 'quiet')) {
          ctx.out.err(`affected since ${base}: ${plan.lines.length === 0 ? 'nothing' : ''}`)
          for (const line of plan.lines) ctx.out.err(`  ${line}`)
          ctx.out.err(`reusing ${plan.reused.length} recorded output${plan.reused.length === 1 ? '' : 's'} of run ${plan.from}`)
        }
      }
      const session = new RunSession(ctx.out, opened, workflow, runId, { json: flag(ctx, 'json'), progress, storeDir: opened.storeDir })
      const options = {
        runId,
        ...(seed === undefined ? {} : { seed }),
        ...(flag(ctx, 'dry-run') ? { dryRun: true } : {}),
        metadata: { source: target.file, cli: `weft ${cliVersion}`, ...(reusedFrom === undefined ? {} : { reusedFrom, affectedBase: base! }) },
      }
      const note = `run ${runId}: workflow ${workflow.id} (${workflow.steps.length} steps), journal in ${opened.storeDir}`
      return await session.launch(() => opened.engine.start(workflow, input, options), note, ctx.io.onInterrupt)
    } finally {
      await opened.close({ cancelActive: true })
    }
  },
}
