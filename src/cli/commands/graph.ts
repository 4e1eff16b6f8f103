import { criticalPath } from '../../graph/index.js'
import type { Workflow } from '../../workflow/index.js'
import { estimateOf } from '../analyze.js'
import { commonOptions, stringValue, type Command } from '../command.js'
import { ExitCode, UsageError } from '../exit-codes.js'
import { loadTarget, registryFor } from '../load-target.js'
import { loadCliConfig } from '../open-engine.js'
import { formatDuration } from '../output.js'

/** Mermaid flowchart of a workflow; critical-path steps get the `critical` class. */
export function toMermaid(wf: Workflow): string {
  const critical = new Set(criticalPath(wf.graph, (i) => estimateOf(wf.steps[i]!))?.steps ?? [])
  const node = (i: number) => `s${i}`
  const label = (i: number) => {
    const step = wf.steps[i]!
    const text = step.estimate === undefined ? step.id : `${step.id}<br/>${formatDuration(step.estimate)}`
    return text.replace(/"/g, '#quot;')
  }
  const lines = ['flowchart LR']
  wf.steps.forEach((s, i) => lines.push(`  ${node(i)}["${label(i)}"]`))
  wf.steps.forEach((s, i) => {
    for (const need of s.needs) lines.push(`  ${node(wf.stepById.get(need)!.index)} --> ${node(i)}`)
  })
  if (critical.size > 0) {
    lines.push('  classDef critical stroke-width:3px')
    lines.push(`  class ${wf.steps.flatMap((s, i) => (critical.has(s.id) ? [node(i)] : [])).join(',')} critical`)
  }
  return lines.join('\n')
}

/** Graphviz DOT digraph of a workflow; critical-path steps are drawn bold. */
export function toDot(wf: Workflow): string {
  const critical = new Set(criticalPath(wf.graph, (i) => estimateOf(wf.steps[i]!))?.steps ?? [])
  const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  const lines = [`digraph ${quote(wf.id)} {`, '  rankdir=LR;', '  node [shape=box];']
  for (const s of wf.steps) {
    // Ids and durations hold no quotes or backslashes; `\n` is DOT's line break.
    const label = s.estimate === undefined ? quote(s.id) : `"${s.id}\\n${formatDuration(s.estimate)}"`
    lines.push(`  ${quote(s.id)} [label=${label}${critical.has(s.id) ? ', style=bold' : ''}];`)
  }
  for (const s of wf.steps) for (const need of s.needs) lines.push(`  ${quote(need)} -> ${quote(s.id)}${critical.has(need) && critical.has(s.id) ? ' [style=bold]' : ''};`)
  lines.push('}')
  return lines.join('\n')
}

/** `weft graph <file>`: the DAG as Mermaid or DOT text. @public */
export const graphCommand: Command = {
  name: 'graph',
  summary: 'Print the DAG as Mermaid (default) or Graphviz DOT',
  usage: 'weft graph <file> [--format mermaid|dot]',
  description: 'Nodes are steps (with their estimates), edges go from a need to the step needing it; the critical path is highlighted.',
  positionals: { min: 1, max: 1 },
  options: {
    ...commonOptions,
    format: { type: 'string', short: 'f', value: '<mermaid|dot>', description: 'Output format (default: mermaid)' },
  },
  examples: [
    ['weft graph release.yaml > release.mmd', 'a Mermaid flowchart (renders on GitHub in a ```mermaid block)'],
    ['weft graph release.yaml -f dot | dot -Tsvg > release.svg', 'an SVG through Graphviz'],
  ],
  async run(ctx) {
    const format = stringValue(ctx, 'format') ?? 'mermaid'
    if (format !== 'mermaid' && format !== 'dot') throw new UsageError(`Expected \`--format\` to be \`mermaid\` or \`dot\`, got \`${format}\``)
    const { config, file: configFile } = loadCliConfig(ctx)
    const target = await loadTarget(ctx.positionals[0]!, ctx.io.cwd, await registryFor(config, configFile, ctx.io.cwd))
    ctx.out.out(format === 'dot' ? toDot(target.workflow) : toMermaid(target.workflow))
    return ExitCode.ok
  },
}
