import type { Command } from './command.js'

/** The `--help` text of one command: usage, description, options, examples. */
export function commandHelp(command: Command): string {
  const lines = [`Usage: ${command.usage}`, '', command.summary + '.']
  if (command.description !== undefined) lines.push('', command.description)
  lines.push('', 'Options:')
  const rows = Object.entries(command.options).map(([name, spec]) => {
    const left = `${spec.short === undefined ? '    ' : `-${spec.short}, `}--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`
    return [left, spec.description] as const
  })
  const width = Math.max(...rows.map(([left]) => left.length))
  for (const [left, text] of rows) lines.push(`  ${left.padEnd(width)}  ${text}`)
  lines.push('', 'Examples:')
  for (const [example, what] of command.examples) lines.push(`  $ ${example}`, `      ${what}`)
  return lines.join('\n')
}

/** The `weft --help` text: commands, exit codes, configuration. */
export function mainHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  return [
    `weft ${version}: typed, deterministic, durable workflows from the terminal`,
    '',
    'Usage: weft <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `weft <command> --help` for its options and examples.',
    '',
    'Exit codes: 0 success · 1 run failed · 2 usage or definition error · 3 input contract',
    'violation · 4 journal or store error · 130 interrupted (resume with `weft resume`).',
    '',
    'Configuration: weft.config.json (or .weft/config.json), overridden by WEFT_STORE_DIR,',
    'WEFT_STORE_DURABILITY, WEFT_CONCURRENCY, WEFT_TIMEOUT, WEFT_RETRY_ATTEMPTS, overridden by flags.',
    '',
    'Examples:',
    '  $ weft init',
    '  $ weft plan workflow.yaml --concurrency 2',
    '  $ weft run workflow.yaml --input \'{"name":"Ada"}\'',
    '  $ weft history',
    '',
    'Options: -h, --help  show help · -V, --version  print the version',
  ].join('\n')
}
