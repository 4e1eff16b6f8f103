import { readFileSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { dataProblems, parseUntrustedJson, UntrustedDataError } from '../contract/index.js'
import { UsageError } from './exit-codes.js'

/** Command-line JSON is untrusted: bounded like a signal payload. */
const limits = { maxBytes: 16 * 1024 * 1024, maxDepth: 64, maxNodes: 1_000_000 }

/**
 * Parses a JSON value given on the command line: inline JSON, or `@file` to read it from a
 * file (`.yaml`/`.yml` files are read as YAML). The value must be JSON data within size and depth
 * limits, without `__proto__`/`constructor`/`prototype` keys. Throws a {@link UsageError}
 * naming the flag and every problem.
 * @example `jsonArgument('{"tag":"v1"}', '--input', cwd, 'run')`
 */
export function jsonArgument(raw: string, flagName: string, cwd: string, command: string): unknown {
  if (raw.startsWith('@')) {
    const path = resolve(cwd, raw.slice(1))
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      throw new UsageError(`${flagName} ${raw}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, command)
    }
    const ext = extname(path).toLowerCase()
    if (ext === '.yaml' || ext === '.yml') {
      let value: unknown
      try {
        value = parseYaml(text, { maxAliasCount: 1000 })
      } catch (error) {
        throw new UsageError(`${flagName} ${raw}: not valid YAML: ${(error as Error).message.split('\n')[0]}`, command)
      }
      const problems = dataProblems(value, limits)
      if (problems.length > 0) throw new UsageError(`${flagName} ${raw}: ${new UntrustedDataError(raw, problems).message}`, command)
      return value
    }
    return parsed(text, `${flagName} ${raw}`, command)
  }
  return parsed(raw, flagName, command)
}

function parsed(text: string, source: string, command: string): unknown {
  try {
    return parseUntrustedJson(text, source, limits)
  } catch (error) {
    const hint = source.includes('@') ? '' : `; quote it for the shell, e.g. ${source} '{"name":"Ada"}', or pass @file.json`
    throw new UsageError(`${(error as Error).message}${hint}`, command)
  }
}
