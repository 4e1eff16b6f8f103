import { ContractViolation, type ContractDirection, type ContractIssue } from './contract-violation.js'
import { problemsOf } from './untrusted-data.js'

/** Deeper than this, the quick check gives up and the full one decides (cycles end up here). */
const QUICK_DEPTH = 256
/** The deepest nesting a journaled value may have (JSON.stringify recurses). */
const MAX_DEPTH = 1000

/**
 * True when `value` survives the journal unchanged: JSON data (plain objects, arrays, strings,
 * finite numbers, booleans, null), where `undefined` may stand as an object member or as the
 * whole value (it reads back the same) but not in an array (it would read back as null). No
 * allocation: this runs for every step output.
 * @internal
 */
export function isJournaledData(value: unknown): boolean {
  return value === undefined || quick(value, 0)
}

function quick(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(v)
    case 'object':
      break
    default:
      return false
  }
  if (v === null) return true
  if (depth >= QUICK_DEPTH) return false
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!quick(v[i], depth + 1)) return false
    return true
  }
  const proto = Object.getPrototypeOf(v) as unknown
  if (proto !== Object.prototype && proto !== null) return false
  // for-in allocates nothing (Object.keys would, for every output). An inherited member it may
  // also visit can only make this say no, and then the full check decides.
  for (const key in v) {
    const member = (v as Record<string, unknown>)[key]
    // Members that are strings, finite numbers, booleans or absent are checked here: one call
    // less per member of every output, also before the JIT optimizes this.
    const type = typeof member
    if (type === 'number') {
      if (!Number.isFinite(member)) return false
    } else if (type !== 'string' && type !== 'boolean' && member !== undefined && !quick(member, depth + 1)) {
      return false
    }
  }
  return true
}

/** Where a checked value belongs, for the {@link ContractViolation}. */
export interface JournaledDataSite {
  readonly workflowId: string
  readonly stepId?: string
  readonly direction: ContractDirection
}

/**
 * The {@link ContractViolation} naming every part of `value` that would not survive the journal
 * unchanged, each path prefixed with `prefix` (a JSON pointer), e.g. `/at: a Date object is not
 * JSON data` — or undefined when it survives. Call it once {@link isJournaledData} said no: it
 * walks the whole value.
 * @internal
 */
export function journaledDataViolation(value: unknown, site: JournaledDataSite, prefix = ''): ContractViolation | undefined {
  const problems = problemsOf(value, { maxBytes: Infinity, maxNodes: Infinity, maxDepth: MAX_DEPTH }, true)
  if (problems.length === 0) return undefined // deeper than the quick check looks, but JSON all the same
  const issues: ContractIssue[] = problems.map((p) => ({ path: `${prefix}${p.path}`, message: `${p.message} (it is journaled as JSON)` }))
  return new ContractViolation({ ...site, issues })
}

/**
 * Throws the {@link journaledDataViolation} of `value`, if any.
 * @internal
 */
export function assertJournaledData(value: unknown, site: JournaledDataSite): void {
  if (isJournaledData(value)) return
  const violation = journaledDataViolation(value, site)
  if (violation !== undefined) throw violation
}
