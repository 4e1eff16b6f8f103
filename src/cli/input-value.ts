import { readFileSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { parseUntrustedJson } from '../contract/index.js'
import { readYaml } from '../loader/read-source.js'
import { UsageError } from './exit-codes.js'

/** Command-line JSON is untrusted: bounded like a signal payload. */
const limits = { maxBytes: 16 * 1024 * 1024, maxDepth: 64, maxNodes: 1_000_000 }

/**
 * Parses a JSON value given on the command line: inline JSON, or `@file` to read it from a
 * file (`.yaml`/`.yml` files are read as YAML). The value must be JSON data within size and depth
 * limits, without `__proto__`/`constructor`/`prototype` keys. Throws a {@link UsageError}
 * naming the flag and every problem.
 * @example `jsonArgument('{"tag":"v1"}', '--input', cwd)`
 */
export function jsonArgument(raw: string, flagName: string, cwd: string): unknown {
  if (raw.startsWith('@')) {
    const path = resolve(cwd, raw.slice(1))
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      throw new UsageError(`${flagName} ${raw}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
    const ext = extname(path).toLowerCase()
    if (ext === '.yaml' || ext === '.yml') {
      // The loader's YAML reader: nesting, alias expansion and size bounded before values are built.
      const read = readYaml(text, limits)
      if (read.problems.length > 0) {
        const listed = read.problems.map((p) => `${p.line === undefined ? '' : `${p.line}:${p.column} `}${p.path || '/'} ${p.message}`).join('; ')
        throw new UsageError(`${flagName} ${raw}: ${listed}`)
      }
      return read.value
    }
    return parsed(text, `${flagName} ${raw}`)
  }
  return parsed(raw, flagName)
}

function parsed(text: string, source: string): unknown {
  try {
    return parseUntrustedJson(text, source, limits)
  } catch (error) {
    const hint = source.includes('@') ? '' : `; quote it for the shell, e.g. ${source} '{"name":"Ada"}', or pass @file.json`
    throw new UsageError(`${(error as Error).message}${hint}`)
  }
}
