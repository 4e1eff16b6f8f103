import type { Static, TSchema } from 'typebox'
import { compile } from './compile.js'
import { ContractViolation, type ContractDirection, type ContractIssue } from './contract-violation.js'

/**
 * Every problem of `value` against `schema`, each with a JSON pointer. Empty when valid.
 * @public
 */
export function issuesOf(schema: TSchema, value: unknown): ContractIssue[] {
  const validator = compile(schema)
  if (validator.Check(value)) return []
  const issues: ContractIssue[] = []
  for (const error of validator.Errors(value)) {
    issues.push({ path: error.instancePath, message: error.message ?? 'invalid' })
  }
  if (issues.length === 0) issues.push({ path: '', message: 'value does not match the schema' })
  return issues
}

/**
 * Where a checked value comes from, named in the {@link ContractViolation} it may raise.
 * @public
 */
export interface ContractSite {
  /** Workflow id. */
  readonly workflowId: string
  /** Step id, for step directions. */
  readonly stepId?: string
  /** The boundary being crossed. */
  readonly direction: ContractDirection
}

/**
 * Throws a {@link ContractViolation} listing every issue unless `value` satisfies `schema`.
 * @example
 * ```ts
 * assert(Type.Object({ tag: Type.String() }), input, { workflowId: 'release', direction: 'workflow-input' })
 * ```
 * @public
 */
export function assert<T extends TSchema>(schema: T, value: unknown, site: ContractSite): asserts value is Static<T> {
  if (compile(schema).Check(value)) return
  throw new ContractViolation({ ...site, issues: issuesOf(schema, value) })
}
