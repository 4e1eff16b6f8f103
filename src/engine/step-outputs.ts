import { ContractViolation, issuesOf, type ContractSite } from '../contract/index.js'
import { assertJournaledData } from '../contract/journaled-data.js'
import type { Workflow } from '../workflow/index.js'
import { SUCCEEDED } from './run-state.js'

/**
 * The outputs of the steps that succeeded, by step id: what a run without a `result` function
 * returns. A null-prototype dictionary from the start (no hidden-class transition per step id).
 */
function succeededOutputs(wf: Workflow, status: Uint8Array, outputs: readonly unknown[]): Record<string, unknown> {
  const steps: Record<string, unknown> = Object.create(null)
  for (let i = 0; i < status.length; i++) if (status[i] === SUCCEEDED) steps[wf.steps[i]!.id] = outputs[i]
  return steps
}

/**
 * The traps of a read-only record of the outputs of the steps that succeeded, computed on
 * access: what a workflow's `result` function receives. Enumerable like a plain record (keys in
 * declaration order), so spreading or `JSON.stringify` work. A result function usually reads a
 * few steps: this costs O(1) per run instead of a copy of every output. Methods, one object per
 * run, where a handler of closures cost seven closures (and, under esbuild's `keepNames`, a name
 * set on each; see `unnamed`).
 */
class StepsViewTraps implements ProxyHandler<Record<string, unknown>> {
  // Declared, then assigned in the constructor: built once per run (see RunExecution's fields).
  private declare readonly wf: Workflow
  private declare readonly status: Uint8Array
  private declare readonly outputs: readonly unknown[]

  constructor(wf: Workflow, status: Uint8Array, outputs: readonly unknown[]) {
    this.wf = wf
    this.status = status
    this.outputs = outputs
  }

  /** The index of the succeeded step `key` names, or -1. */
  private indexOf(key: string | symbol): number {
    if (typeof key !== 'string') return -1
    const step = this.wf.stepById.get(key)
    return step !== undefined && this.status[step.index] === SUCCEEDED ? step.index : -1
  }

  get(_: Record<string, unknown>, key: string | symbol): unknown {
    const i = this.indexOf(key)
    return i < 0 ? undefined : this.outputs[i]
  }

  has(_: Record<string, unknown>, key: string | symbol): boolean {
    return this.indexOf(key) >= 0
  }

  ownKeys(): string[] {
    return this.wf.steps.filter((s) => this.status[s.index] === SUCCEEDED).map((s) => s.id)
  }

  getOwnPropertyDescriptor(_: Record<string, unknown>, key: string | symbol): PropertyDescriptor | undefined {
    const i = this.indexOf(key)
    return i < 0 ? undefined : { value: this.outputs[i], enumerable: true, configurable: true, writable: false }
  }

  set(): boolean {
    return false
  }

  defineProperty(): boolean {
    return false
  }

  deleteProperty(): boolean {
    return false
  }
}

/**
 * A succeeded run's output: its `result` function's value (given the workflow input and a view
 * of the steps' outputs), or the outputs of the steps that succeeded. Throws ContractViolation
 * when it breaks the workflow's output contract (`site` names it) or is not data a journal keeps
 * as it is. The objects it builds for this run alone (the view's traps, the result function's
 * argument) are pushed to `kept`, which the run keeps alive (see `RunExecution.keep`).
 * @internal
 */
export function workflowOutput(wf: Workflow, site: ContractSite, input: unknown, status: Uint8Array, outputs: readonly unknown[], kept: object[]): unknown {
  let output: unknown
  if (wf.result === undefined) {
    output = succeededOutputs(wf, status, outputs)
  } else {
    // A read-only view, materialized only when returned as it is.
    const traps = new StepsViewTraps(wf, status, outputs)
    const view = new Proxy(Object.create(null) as Record<string, unknown>, traps)
    const argument = { input, steps: view }
    kept.push(traps, argument)
    output = wf.result(argument)
    if (output === view) output = succeededOutputs(wf, status, outputs)
  }
  if (wf.output !== undefined) {
    const issues = issuesOf(wf.output, output)
    if (issues.length > 0) throw new ContractViolation({ ...site, issues })
  }
  assertJournaledData(output, site)
  return output
}
