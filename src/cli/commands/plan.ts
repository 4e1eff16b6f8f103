import { estimateOf, planOf } from '../analyze.js'
import { commonOptions, flag, integerValue, type Command } from '../command.js'
import { ExitCode } from '../exit-codes.js'
import { loadTarget, registryFor } from '../load-target.js'
import { loadCliConfig } from '../open-engine.js'
import { formatDuration } from '../output.js'

/** `weft plan <file>`: phases, critical path, total work and makespan, without running. @public */
export const planCommand: Command = {
  name: 'plan',
  summary: 'Show phases, critical path, total work and the makespan for N workers',
  usage: 'weft plan <file> [--concurrency N] [--json]',
  description: [
    'Computes, without running anything: the phases (levels: steps of one phase never depend on',
    'each other), one critical path (heaviest chain of estimates) with its total, the total work',
    '(sum of estimates) and the makespan simulated with the real scheduler for N workers.',
    'A step without an estimate counts 1 ms. With --json prints exactly one object:',
    '{ "workflow", "steps", "levels", "criticalPath": { "steps", "estimateMs" },',
    '  "totalEstimateMs", "concurrency", "makespanMs" }',
    'Without --concurrency (or config concurrency) workers are unlimited, reported as the number of steps.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  options: {
    ...commonOptions,
    concurrency: { type: 'string', short: 'c', value: '<n>', description: 'Workers of the simulation (default: config, else unlimited)' },
    json: { type: 'boolean', description: 'Print the plan as one JSON object' },
  },
  examples: [
    ['weft plan examples/workstreams/plan.json', 'phases and critical path of the audit plan'],
    ['weft plan plan.json -c 2 --json | jq .makespanMs', 'makespan with two workers, for scripts'],
  ],
  async run(ctx) {
    const concurrency = integerValue(ctx, 'concurrency', 1)
    const { config, file: configFile } = loadCliConfig(ctx, concurrency === undefined ? {} : { concurrency })
    const target = await loadTarget(ctx.positionals[0]!, ctx.io.cwd, await registryFor(config, configFile, ctx.io.cwd))
    const wf = target.workflow
    const plan = planOf(wf, config.concurrency, config)
    if (flag(ctx, 'json')) {
      ctx.out.out(JSON.stringify(plan))
      return ExitCode.ok
    }
    const out = ctx.out
    out.out(`Workflow ${wf.id} (version ${wf.version}): ${plan.steps} step${plan.steps === 1 ? '' : 's'}`)
    out.out('')
    out.out(`Phases (${plan.levels.length})`)
    const width = String(plan.levels.length).length
    plan.levels.forEach((ids, i) => {
      const longest = Math.max(...ids.map((id) => estimateOf(wf.stepById.get(id)!)))
      out.out(`  ${String(i + 1).padStart(width)}. ${ids.join(', ')}  (${formatDuration(longest)})`)
    })
    out.out('')
    out.out(`Critical path   ${formatDuration(plan.criticalPath.estimateMs)}: ${plan.criticalPath.steps.join(' → ')}`)
    out.out(`Total work      ${formatDuration(plan.totalEstimateMs)}`)
    const workers = config.concurrency === undefined ? 'unlimited workers' : `${plan.concurrency} worker${plan.concurrency === 1 ? '' : 's'}`
    out.out(`Makespan        ${formatDuration(plan.makespanMs)} with ${workers}`)
    if (plan.makespanMs > 0) out.out(`Parallel speedup ${(plan.totalEstimateMs / plan.makespanMs).toFixed(2)}×`)
    return ExitCode.ok
  },
}
