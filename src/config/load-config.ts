import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { issuesOf, parseUntrustedJson, UntrustedDataError } from '../contract/index.js'
import { ConfigError, type ConfigProblem } from './config-error.js'
import { WeftConfigSchema, type WeftConfig } from './config-schema.js'

/**
 * Options of {@link loadConfig}.
 * @public
 */
export interface LoadConfigOptions {
  /** Directory to look in. @defaultValue `process.cwd()` */
  readonly cwd?: string
  /** An explicit config file (then it must exist). */
  readonly file?: string
  /** Environment to overlay. @defaultValue `process.env` */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Highest-precedence values (command-line flags), already typed. */
  readonly overrides?: WeftConfig
}

/**
 * A loaded configuration and where it came from.
 * @public
 */
export interface LoadedConfig {
  /** The merged configuration: file, then `WEFT_*` environment variables, then overrides. */
  readonly config: WeftConfig
  /** The file read, if any. */
  readonly file?: string
}

const MAX_CONFIG_BYTES = 256 * 1024

/** The `WEFT_*` variables and where each lands. @public */
export const configEnvironment = {
  WEFT_STORE_DIR: '/store/dir',
  WEFT_STORE_DURABILITY: '/store/durability',
  WEFT_CONCURRENCY: '/concurrency',
  WEFT_TIMEOUT: '/timeout',
  WEFT_RETRY_ATTEMPTS: '/retry/attempts',
} as const

/**
 * Loads `weft.config.json` (or `.weft/config.json`) from `cwd`, overlays `WEFT_*` environment
 * variables and then `overrides`, and validates the result against {@link WeftConfigSchema}.
 * Throws a {@link ConfigError} listing every problem, each with its source and JSON pointer.
 * @example
 * ```ts
 * const { config } = loadConfig({ overrides: { concurrency: 4 } })
 * ```
 * @public
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const problems: ConfigProblem[] = []
  const candidates = options.file !== undefined ? [resolve(cwd, options.file)] : [join(cwd, 'weft.config.json'), join(cwd, '.weft', 'config.json')]
  const file = candidates.find((f) => existsSync(f))
  let fromFile: Record<string, unknown> = {}
  if (options.file !== undefined && file === undefined) problems.push({ source: options.file, path: '', message: 'file not found' })
  if (file !== undefined) {
    const text = readFileSync(file, 'utf8')
    try {
      // Size, depth, JSON syntax and polluting keys: every problem reported, nothing thrown past here.
      const parsed: unknown = parseUntrustedJson(text, file, { maxBytes: MAX_CONFIG_BYTES, maxDepth: 16 })
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) problems.push({ source: file, path: '', message: 'must be a JSON object' })
      else {
        fromFile = parsed as Record<string, unknown>
        for (const issue of issuesOf(WeftConfigSchema, fromFile)) problems.push({ source: file, path: issue.path, message: issue.message })
        const dir = (fromFile.store as { dir?: unknown } | undefined)?.dir
        if (typeof dir === 'string' && escapes(cwd, dir)) {
          problems.push({ source: file, path: '/store/dir', message: `must be a relative path inside ${cwd} (a config file may come from a repository; use --store or WEFT_STORE_DIR for other places)` })
        }
      }
    } catch (error) {
      for (const p of (error as UntrustedDataError).data.problems) problems.push({ source: file, path: p.path, message: p.message })
    }
  }
  const fromEnv: Record<string, unknown> = {}
  for (const [name, pointer] of Object.entries(configEnvironment)) {
    const raw = env[name]
    if (raw === undefined || raw === '') continue
    const value = name === 'WEFT_CONCURRENCY' || name === 'WEFT_RETRY_ATTEMPTS' ? Number(raw) : /^\d+$/.test(raw) && name === 'WEFT_TIMEOUT' ? Number(raw) : raw
    setPointer(fromEnv, pointer, value)
  }
  const envIssues = issuesOf(WeftConfigSchema, fromEnv)
  for (const issue of envIssues) {
    const variable = Object.entries(configEnvironment).find(([, p]) => issue.path.startsWith(p))?.[0]
    problems.push({ source: variable === undefined ? 'environment' : `env ${variable}`, path: '', message: issue.message })
  }
  const overrides = (options.overrides ?? {}) as Record<string, unknown>
  for (const issue of issuesOf(WeftConfigSchema, overrides)) problems.push({ source: 'command line', path: issue.path, message: issue.message })
  if (problems.length > 0) throw new ConfigError(problems)
  const config = merge(merge(fromFile, fromEnv), overrides) as WeftConfig
  return file === undefined ? { config } : { config, file }
}

/** True when `path` (from a config file) is absolute, holds a NUL byte, or leads outside `root`. */
function escapes(root: string, path: string): boolean {
  if (path.includes('\0') || isAbsolute(path)) return true
  const rel = relative(root, resolve(root, path))
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)
}

function setPointer(target: Record<string, unknown>, pointer: string, value: unknown): void {
  const parts = pointer.split('/').slice(1)
  let node = target
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>
  node[parts[parts.length - 1]!] = value
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue
    const prior = out[key]
    out[key] =
      typeof value === 'object' && value !== null && !Array.isArray(value) && typeof prior === 'object' && prior !== null && !Array.isArray(prior)
        ? merge(prior as Record<string, unknown>, value as Record<string, unknown>)
        : value
  }
  return out
}
