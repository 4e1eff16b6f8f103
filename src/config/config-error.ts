import { WeftError } from '../errors/index.js'

/**
 * One problem of a configuration: where (file and JSON pointer, or environment variable) and what.
 * @public
 */
export interface ConfigProblem {
  /** `weft.config.json`, `env WEFT_CONCURRENCY`, `--concurrency`, … */
  readonly source: string
  /** JSON pointer inside the source (empty for scalars). */
  readonly path: string
  /** What is wrong. */
  readonly message: string
}

/**
 * A configuration is invalid. Lists every problem at once.
 * @public
 */
export class ConfigError extends WeftError<{ readonly problems: readonly ConfigProblem[] }> {
  /** Stable code. */
  static readonly code = 'WEFT_CONFIG'
  constructor(problems: readonly ConfigProblem[]) {
    super(ConfigError.code, `invalid configuration:\n${problems.map((p) => `  ${p.source}${p.path === '' ? '' : ` ${p.path}`}: ${p.message}`).join('\n')}`, { problems })
  }
}
