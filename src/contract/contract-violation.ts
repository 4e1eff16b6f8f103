import { WeftError } from '../errors/index.js'

/**
 * Which boundary a value was crossing when it failed its contract.
 * @public
 */
export type ContractDirection = 'workflow-input' | 'step-input' | 'step-output' | 'workflow-output'

/**
 * One failed check: where in the value (RFC 6901 JSON pointer, `""` for the root) and why.
 * @public
 */
export interface ContractIssue {
  /** JSON pointer into the checked value, e.g. `/items/3/name`. */
  readonly path: string
  /** What the schema expected. */
  readonly message: string
}

/**
 * Data of a {@link ContractViolation}.
 * @public
 */
export interface ContractViolationData {
  /** The workflow whose contract failed. */
  readonly workflowId: string
  /** The step, for step directions. */
  readonly stepId?: string
  /** The boundary being crossed. */
  readonly direction: ContractDirection
  /** Every failed check, in schema order. */
  readonly issues: readonly ContractIssue[]
}

/**
 * A value failed its TypeBox contract. Carries every issue at once, each with its JSON pointer.
 * Never retried by default: the same input produces the same violation.
 * @public
 */
export class ContractViolation extends WeftError<ContractViolationData> {
  /** Stable code of this error family. */
  static readonly code = 'WEFT_CONTRACT_VIOLATION'

  constructor(data: ContractViolationData) {
    const where = data.stepId === undefined ? `workflow "${data.workflowId}"` : `step "${data.stepId}" of workflow "${data.workflowId}"`
    const shown = data.issues.slice(0, 5).map((i) => `${i.path || '/'}: ${i.message}`).join('; ')
    const more = data.issues.length > 5 ? ` (+${data.issues.length - 5} more)` : ''
    super(ContractViolation.code, `${data.direction} contract violated in ${where}: ${shown}${more}`, data)
  }
}
