import { InvalidArgumentError } from '../errors/index.js'
import type { Workflow } from './workflow.js'

/**
 * A workflow argument (`engine.start`, `run`, `resume`, `replay`, `cancel`, `simulate`) checked
 * for what a JavaScript caller may pass instead: a typed error rather than a `TypeError` deep
 * inside.
 * @internal
 */
export function checkWorkflow(value: unknown): Workflow {
  const wf = value as Partial<Workflow> | null
  const ok =
    typeof wf === 'object' && wf !== null && typeof wf.id === 'string' && typeof wf.fingerprint === 'string' && typeof wf.input === 'object' && wf.input !== null && Array.isArray(wf.steps) && wf.stepById instanceof Map && typeof wf.graph === 'object' && wf.graph !== null
  if (!ok) throw new InvalidArgumentError('workflow', 'a Workflow (from `workflow(…).build()`, `defineWorkflow` or `loadWorkflow`)', value)
  return wf as Workflow
}
