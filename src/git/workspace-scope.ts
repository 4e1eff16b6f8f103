import picomatch from 'picomatch'

/**
 * Which workspace files checkpoints and rollbacks cover.
 * @public
 */
export interface WorkspaceScopeOptions {
  /**
   * Globs (picomatch syntax, matched against `/`-separated paths relative to `dir`, dotfiles
   * included) of the files in scope. A glob that matches a directory takes the whole directory.
   * @defaultValue `['**']` (everything)
   * @example `['src/**', 'package.json']`
   */
  readonly include?: readonly string[]
  /**
   * Globs of files (or whole directories) left out, applied after `include`. `.git` is always
   * left out.
   * @defaultValue `[]`
   * @example `['dist', '**\/*.log']`
   */
  readonly exclude?: readonly string[]
  /**
   * Also leave out what git ignores: `.gitignore` files at every level and `.git/info/exclude`
   * (the global `core.excludesFile` is not read). Tracked files that match an ignore pattern
   * are left out too.
   * @defaultValue `true`
   */
  readonly gitignore?: boolean
}

/** The scope recorded in a run's start commit (`Weft-Scope` trailer). */
export interface ScopeSpec {
  readonly include: readonly string[]
  readonly exclude: readonly string[]
  readonly gitignore: boolean
}

const globOptions = { dot: true } as const

/** Compiled scope. `visitDir` decides whether to walk into a directory; `hasFile` whether a file counts. */
export class WorkspaceScope {
  readonly spec: ScopeSpec
  private readonly include: ((path: string) => boolean) | undefined
  private readonly exclude: ((path: string) => boolean) | undefined
  private readonly bases: readonly string[]
  /** Narrower scopes that a path must also satisfy (rollback options narrow the recorded scope). */
  private readonly also: readonly WorkspaceScope[]

  constructor(spec: ScopeSpec, also: readonly WorkspaceScope[] = []) {
    this.spec = spec
    const everything = spec.include.length === 0 || spec.include.some((g) => g === '**' || g === '**/*')
    this.include = everything ? undefined : picomatch([...spec.include], globOptions)
    this.exclude = spec.exclude.length === 0 ? undefined : picomatch([...spec.exclude], globOptions)
    this.bases = everything ? [''] : spec.include.map((g) => picomatch.scan(g).base.replace(/\/+$/, ''))
    this.also = also
  }

  /** Scope from options, with defaults. */
  static of(options: WorkspaceScopeOptions | undefined): WorkspaceScope {
    return new WorkspaceScope({ include: options?.include ?? ['**'], exclude: options?.exclude ?? [], gitignore: options?.gitignore ?? true })
  }

  /** This scope narrowed by another. */
  narrow(other: WorkspaceScope): WorkspaceScope {
    return new WorkspaceScope(this.spec, [...this.also, other])
  }

  /**
   * `'all'`: everything below is included (subject to excludes); `'some'`: walk in and test each
   * path; `'none'`: skip the directory. `parentAll` is the answer for the parent directory.
   */
  visitDir(path: string, parentAll: boolean): 'all' | 'some' | 'none' {
    if (path === '.git' || path.endsWith('/.git')) return 'none'
    if (this.exclude?.(path) === true) return 'none'
    let answer: 'all' | 'some' | 'none'
    if (parentAll || this.include === undefined || this.include(path)) answer = 'all'
    else answer = this.bases.some((b) => b === '' || b === path || b.startsWith(`${path}/`) || path.startsWith(`${b}/`)) ? 'some' : 'none'
    for (const scope of this.also) if (scope.visitDir(path, false) === 'none') return 'none'
    return answer
  }

  /** Whether a file counts, given the answer `visitDir` gave for its directory. */
  hasFile(path: string, dirAll: boolean): boolean {
    if (this.exclude?.(path) === true) return false
    if (!dirAll && this.include !== undefined && !this.include(path)) return false
    return this.also.every((scope) => scope.contains(path))
  }

  /** Whether a path counts, testing its ancestors (for paths not found by walking). */
  contains(path: string): boolean {
    const parts = path.split('/')
    let all = false
    for (let i = 1; i < parts.length; i++) {
      const visit = this.visitDir(parts.slice(0, i).join('/'), all)
      if (visit === 'none') return false
      all = visit === 'all'
    }
    return this.hasFile(path, all)
  }
}
