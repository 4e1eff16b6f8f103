import { isValidId } from '../workflow/define-workflow.js'
import { InvalidRunIdError } from './store-errors.js'

/**
 * Why `runId` cannot be used by a store, or `undefined` when it can. A usable id is a valid Weft
 * id (`isValidId`) that also contains no `..`, no path separator and no NUL, so that it can name
 * a file inside the store's directory and nowhere else.
 * @internal
 */
export function runIdProblem(runId: unknown): string | undefined {
  if (typeof runId !== 'string') return `expected a string, got ${runId === null ? 'null' : typeof runId}`
  if (runId.includes('\0')) return 'contains NUL'
  if (runId.includes('/') || runId.includes('\\')) return 'contains a path separator'
  if (runId.includes('..')) return 'contains ".."'
  if (!isValidId(runId)) return 'must be 1-128 characters of letters, digits, `_ . : -`, not starting with `.`, `:` or `-`'
  return undefined
}

/**
 * Throws {@link InvalidRunIdError} unless `runId` is usable by a store.
 * @internal
 */
export function assertRunId(runId: unknown): asserts runId is string {
  const problem = runIdProblem(runId)
  if (problem !== undefined) throw new InvalidRunIdError(String(runId), problem)
}
