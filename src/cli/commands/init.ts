import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { commonOptions, flag, stringValue, type Command } from '../command.js'
import { CliError, ExitCode, UsageError } from '../exit-codes.js'

/** The starter `weft.config.json`. */
export const starterConfig = {
  store: { dir: '.weft', durability: 'always' },
  concurrency: 4,
  retry: { attempts: 2, backoff: 'exponential', base: '1s' },
  telemetry: { console: true },
} as const

/** The sample workflow, in YAML (comments explain the format). */
export const starterWorkflowYaml = `# A sample Weft workflow. Try:
#   weft plan workflow.yaml          phases, critical path, makespan
#   weft graph workflow.yaml         the DAG as a Mermaid flowchart
#   weft run workflow.yaml --input '{"name":"Ada"}'
id: hello
version: "1"
description: Fetch, build and test in parallel where possible, then report.
input:
  type: object
  properties:
    name: { type: string, minLength: 1 }
  required: [name]
  additionalProperties: false
steps:
  - id: fetch
    uses: simulate          # stands in for real work: waits its estimate
    estimate: 300ms
  - id: build
    needs: [fetch]
    uses: simulate
    estimate: 500ms
  - id: lint
    needs: [fetch]
    uses: simulate
    estimate: 200ms
  - id: test
    needs: [build]
    uses: exec              # runs a program (no shell)
    estimate: 200ms
    with:
      command: node
      args: ["-e", "console.log('tests passed')"]
    retry: { attempts: 3, backoff: exponential, base: 1s }
    timeout: 1m
  - id: report
    needs: [test, lint]
    uses: noop
    when: { step: test, path: /exitCode, equals: 0 }
`

/** The sample workflow, in JSON. */
export const starterWorkflowJson = {
  id: 'hello',
  version: '1',
  description: 'Fetch, build and test in parallel where possible, then report.',
  input: { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'], additionalProperties: false },
  steps: [
    { id: 'fetch', uses: 'simulate', estimate: '300ms' },
    { id: 'build', needs: ['fetch'], uses: 'simulate', estimate: '500ms' },
    { id: 'lint', needs: ['fetch'], uses: 'simulate', estimate: '200ms' },
    { id: 'test', needs: ['build'], uses: 'exec', estimate: '200ms', with: { command: 'node', args: ['-e', "console.log('tests passed')"] }, retry: { attempts: 3, backoff: 'exponential', base: '1s' }, timeout: '1m' },
    { id: 'report', needs: ['test', 'lint'], uses: 'noop', when: { step: 'test', path: '/exitCode', equals: 0 } },
  ],
}

/** `weft init`: writes a starter config and a sample workflow. @public */
export const initCommand: Command = {
  name: 'init',
  summary: 'Write a starter weft.config.json and a sample workflow file',
  usage: 'weft init [--format yaml|json] [--force]',
  description: 'Writes weft.config.json and workflow.yaml (or workflow.json) in the working directory. Refuses to overwrite unless --force.',
  positionals: { min: 0, max: 0 },
  options: {
    help: commonOptions['help']!,
    format: { type: 'string', short: 'f', value: '<yaml|json>', description: 'Format of the sample workflow (default: yaml)' },
    force: { type: 'boolean', description: 'Overwrite existing files' },
  },
  examples: [
    ['weft init && weft run workflow.yaml --input \'{"name":"Ada"}\'', 'start a project and run the sample'],
    ['weft init --format json', 'the sample as workflow.json'],
  ],
  async run(ctx) {
    const format = stringValue(ctx, 'format') ?? 'yaml'
    if (format !== 'yaml' && format !== 'json') throw new UsageError(`Expected \`--format\` to be \`yaml\` or \`json\`, got \`${format}\``)
    const files: [string, string][] = [
      ['weft.config.json', `${JSON.stringify(starterConfig, null, 2)}\n`],
      [format === 'yaml' ? 'workflow.yaml' : 'workflow.json', format === 'yaml' ? starterWorkflowYaml : `${JSON.stringify(starterWorkflowJson, null, 2)}\n`],
    ]
    const existing = files.filter(([name]) => existsSync(join(ctx.io.cwd, name))).map(([name]) => name)
    if (existing.length > 0 && !flag(ctx, 'force')) throw new CliError(`${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; pass --force to overwrite`, ExitCode.usage)
    for (const [name, text] of files) {
      await writeFile(join(ctx.io.cwd, name), text)
      ctx.out.out(`wrote ${name}`)
    }
    const sample = files[1]![0]
    ctx.out.out('')
    ctx.out.out('next:')
    ctx.out.out(`  weft plan ${sample}`)
    ctx.out.out(`  weft run ${sample} --input '{"name":"Ada"}'`)
    ctx.out.out('  weft history')
    return ExitCode.ok
  },
}
