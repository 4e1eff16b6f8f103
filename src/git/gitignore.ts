import picomatch from 'picomatch'

/** One `.gitignore` pattern, compiled. */
interface IgnoreRule {
  readonly negate: boolean
  readonly dirOnly: boolean
  /** Matches against the basename (no slash in the pattern) or the path relative to the base. */
  readonly basename: boolean
  readonly match: (path: string) => boolean
}

/** The rules of one ignore file, relative to the directory that holds it (`''` = the root). */
export interface IgnoreRules {
  readonly base: string
  readonly rules: readonly IgnoreRule[]
}

const matchOptions = { dot: true, nobrace: true, noextglob: true, noquantifiers: true } as const

/**
 * Parses gitignore text (`.gitignore`, `.git/info/exclude`): comments, blank lines, `!` negation,
 * trailing `/` for directories only, a slash anywhere else anchoring the pattern to `base`,
 * `*`, `?`, `[...]` and `**`. Trailing spaces are trimmed unless escaped.
 */
export function parseIgnore(text: string, base: string): IgnoreRules {
  const rules: IgnoreRule[] = []
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '')
    if (line === '' || line.startsWith('#')) continue
    let negate = false
    if (line.startsWith('!')) {
      negate = true
      line = line.slice(1)
    } else if (line.startsWith('\\!') || line.startsWith('\\#')) {
      line = line.slice(1)
    }
    let dirOnly = false
    if (line.endsWith('/')) {
      dirOnly = true
      line = line.replace(/\/+$/, '')
    }
    if (line === '') continue
    const basename = !line.includes('/')
    if (line.startsWith('/')) line = line.slice(1)
    const match = picomatch(line, matchOptions)
    rules.push({ negate, dirOnly, basename, match })
  }
  return { base, rules }
}

/**
 * Whether `path` (relative to the repository root, `/`-separated) is ignored by `stack` (ignore
 * files from the root down to the path's directory, outermost first): the last matching pattern
 * wins, deeper files override shallower ones. `undefined` when no pattern matches. The caller
 * never descends into an ignored directory, as git does.
 */
export function ignoredBy(stack: readonly IgnoreRules[], path: string, isDir: boolean): boolean | undefined {
  const slash = path.lastIndexOf('/')
  const name = slash < 0 ? path : path.slice(slash + 1)
  for (let s = stack.length - 1; s >= 0; s--) {
    const { base, rules } = stack[s]!
    if (base !== '' && !path.startsWith(`${base}/`)) continue
    const relative = base === '' ? path : path.slice(base.length + 1)
    for (let r = rules.length - 1; r >= 0; r--) {
      const rule = rules[r]!
      if (rule.dirOnly && !isDir) continue
      if (rule.match(rule.basename ? name : relative)) return !rule.negate
    }
  }
  return undefined
}
