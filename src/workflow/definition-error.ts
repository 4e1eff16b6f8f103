import { WeftError } from '../errors/index.js'

/**
 * One problem in a workflow definition.
 * @public
 */
export interface DefinitionProblem {
  /** JSON pointer into the definition, e.g. `/steps/2/needs/0`. */
  readonly path: string
  /** Stable kind of the problem. */
  readonly code:
    | 'invalid-id'
    | 'duplicate-step'
    | 'unknown-need'
    | 'self-dependency'
    | 'cycle'
    | 'invalid-contract'
    | 'invalid-option'
    | 'empty-workflow'
  /** The step concerned, when there is one. */
  readonly stepId?: string
  /** What is wrong, in words. */
  readonly message: string
  /** For `cycle`: the cycle as a path of step ids, first = last. */
  readonly cycle?: readonly string[]
}

/**
 * A workflow definition is invalid. Lists every problem at once.
 * @public
 */
export class WorkflowDefinitionError extends WeftError<{ readonly workflowId: string; readonly problems: readonly DefinitionProblem[] }> {
  /** Stable code. */
  static readonly code = 'WEFT_WORKFLOW_DEFINITION'
  constructor(workflowId: string, problems: readonly DefinitionProblem[]) {
    const lines = problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n')
    super(
      WorkflowDefinitionError.code,
      `workflow "${workflowId}" has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines}`,
      { workflowId, problems },
    )
  }
}
