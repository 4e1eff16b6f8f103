import { ContractViolation, type ContractIssue } from '../contract/index.js'
import { WeftError } from '../errors/index.js'

/**
 * Data of a {@link TemplateDefinitionError}.
 * @public
 */
export interface TemplateDefinitionErrorData {
  /**
   * What is wrong: `invalid-option` (an option of {@link defineStep} has the wrong type),
   * `invalid-name` (a registry name that is not allowed), `duplicate-name` (a name registered
   * twice) or `not-a-template` (registering something {@link defineStep} did not make).
   */
  readonly reason: 'invalid-option' | 'invalid-name' | 'duplicate-name' | 'not-a-template'
  /** The template name concerned, when there is one. */
  readonly name?: string
  /** The option concerned, for `invalid-option`. */
  readonly option?: string
}

/**
 * A step template or a template registry was given something invalid: a bad option of
 * {@link defineStep}, a bad or duplicate registry name.
 * @public
 */
export class TemplateDefinitionError extends WeftError<TemplateDefinitionErrorData> {
  /** Stable code. */
  static readonly code = 'WEFT_TEMPLATE_DEFINITION'
  constructor(message: string, data: TemplateDefinitionErrorData) {
    super(TemplateDefinitionError.code, message, data)
  }
}

/**
 * Where a template is used, for the messages of {@link TemplateParamsError}.
 * @public
 */
export interface TemplateSite {
  /** The workflow using the template. @defaultValue `''` (unknown) */
  readonly workflowId?: string
  /** The step using the template. @defaultValue none */
  readonly stepId?: string
}

/**
 * The parameters given to a template do not satisfy its `with` contract. A
 * {@link ContractViolation} with direction `step-input` (same code,
 * `WEFT_CONTRACT_VIOLATION`, and `instanceof ContractViolation`) that also names the template.
 * Thrown by {@link useStep}; the declarative loader reports the same issues as problems of
 * its `WorkflowDefinitionError` instead.
 * @public
 */
export class TemplateParamsError extends ContractViolation {
  /** Name of the template whose `with` contract failed. */
  readonly template: string

  constructor(template: string, issues: readonly ContractIssue[], site: TemplateSite = {}) {
    super({ workflowId: site.workflowId ?? '', ...(site.stepId === undefined ? {} : { stepId: site.stepId }), direction: 'step-input', issues })
    this.template = template
    const where = `${site.stepId === undefined ? '' : ` in step "${site.stepId}"`}${site.workflowId === undefined ? '' : ` of workflow "${site.workflowId}"`}`
    const shown = issues.slice(0, 5).map((i) => `${i.path || '/'}: ${i.message}`).join('; ')
    const more = issues.length > 5 ? ` (+${issues.length - 5} more)` : ''
    this.message = `parameters of template "${template}"${where} violate its \`with\` contract: ${shown}${more}`
  }
}
