import { InvalidArgumentError } from '../errors/index.js'
import type { StepDefinition, Workflow } from './workflow.js'

/**
 * A copy of `workflow` in which each step named in `outputs` does not run its body but
 * succeeds at once with the recorded output (checked against its contract like any output).
 * What `weft run --affected` uses to run only the steps whose inputs changed, taking the other
 * outputs from the last successful run.
 *
 * A reused step keeps its id, needs and contract, and loses everything about running: retry,
 * timeouts, resilience guards, side effects, map/gate/sub-workflow behaviour, secrets and its
 * compensation (it did nothing in this run, so there is nothing to undo). `meta.reusedFrom`
 * records `from`. The fingerprint stays the original's, so the run can be resumed and replayed
 * with the original definition.
 * @throws {@link InvalidArgumentError} for an id that is not a step of the workflow.
 * @example
 * ```ts
 * const rest = reuseOutputs(wf, { build: { ok: true } }, { from: 'run-41' })
 * await engine.run(rest, input)
 * ```
 * @public
 */
export function reuseOutputs<I, O, S>(workflow: Workflow<I, O, S>, outputs: Readonly<Record<string, unknown>>, options: { readonly from?: string } = {}): Workflow<I, O, S> {
  if (typeof outputs !== 'object' || outputs === null) throw new InvalidArgumentError('outputs', 'an object mapping step ids to recorded outputs', outputs)
  for (const id of Object.keys(outputs)) {
    if (!workflow.stepById.has(id)) throw new InvalidArgumentError('outputs', `step ids of workflow "${workflow.id}"`, id)
  }
  const steps = workflow.steps.map((step): StepDefinition => {
    if (!Object.prototype.hasOwnProperty.call(outputs, step.id)) return step
    const output = outputs[step.id]
    return Object.freeze({
      id: step.id,
      index: step.index,
      needs: step.needs,
      output: step.output,
      priority: step.priority,
      ...(step.when === undefined ? {} : { when: step.when }),
      ...(step.estimate === undefined ? {} : { estimate: 0 }),
      ...(step.description === undefined ? {} : { description: step.description }),
      meta: Object.freeze({ ...step.meta, ...(options.from === undefined ? { reused: true } : { reusedFrom: options.from }) }),
      run: () => output,
    })
  })
  return Object.freeze({ ...workflow, steps: Object.freeze(steps), stepById: new Map(steps.map((s) => [s.id, s])) })
}
