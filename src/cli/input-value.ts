import { readFileSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { UsageError } from './exit-codes.js'

/**
 * Parses a JSON value given on the command line: inline JSON, or `@file` to read it from a
 * file (`.yaml`/`.yml` files are read as YAML). Throws a {@link UsageError} naming the flag.
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
    try {
      return ext === '.yaml' || ext === '.yml' ? parseYaml(text) : JSON.parse(text)
    } catch (error) {
      throw new UsageError(`${flagName} ${raw}: not valid ${ext === '.yaml' || ext === '.yml' ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`, command)
    }
  }
  try {
    return JSON.parse(raw)
  } catch (error) {
    throw new UsageError(`${flagName} is not valid JSON (${(error as Error).message}); quote it for the shell, e.g. ${flagName} '{"name":"Ada"}', or pass @file.json`, command)
  }
}
