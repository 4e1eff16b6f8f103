import type { RunStore } from '../store/index.js'
import type { Workflow } from '../workflow/index.js'

/**
 * Recorded step durations per workflow and step (the last `keep` successful attempts), whose
 * medians replace declared estimates when ranking steps by critical path. Fed by the runs the
 * engine drives and, once per workflow id, by the journals of earlier successful runs in the
 * store.
 * @internal
 */
export class DurationHistory {
  private readonly samples = new Map<string, Map<string, number[]>>()
  private readonly loading = new Set<string>()
  private readonly started = new Map<string, number>()

  constructor(
    private readonly keep: number,
    private readonly store: RunStore,
  ) {}

  /** A step attempt began at `at`. */
  stepStarted(runId: string, stepId: string, at: number): void {
    this.started.set(`${runId}\u0000${stepId}`, at)
  }

  /** A step attempt ended; a success records its duration. */
  stepEnded(runId: string, workflowId: string | undefined, stepId: string, at: number, succeeded: boolean): void {
    const key = `${runId}\u0000${stepId}`
    const began = this.started.get(key)
    this.started.delete(key)
    if (succeeded && began !== undefined && workflowId !== undefined) this.add(workflowId, stepId, at - began)
  }

  /** Forgets the open attempts of a run that ended. */
  runEnded(runId: string): void {
    if (this.started.size === 0) return
    const prefix = `${runId}\u0000`
    for (const key of this.started.keys()) if (key.startsWith(prefix)) this.started.delete(key)
  }

  private add(workflowId: string, stepId: string, ms: number): void {
    if (!(ms >= 0)) return
    let steps = this.samples.get(workflowId)
    if (steps === undefined) this.samples.set(workflowId, (steps = new Map()))
    let list = steps.get(stepId)
    if (list === undefined) steps.set(stepId, (list = []))
    list.push(ms)
    if (list.length > this.keep) list.shift()
  }

  /**
   * The median recorded duration of each step of `workflow` that has one (ms, rounded), or
   * `undefined` when none has. Starts loading earlier runs from the store the first time a
   * workflow id is seen (used by later runs).
   */
  estimatesFor(workflow: Workflow): Record<string, number> | undefined {
    if (!this.loading.has(workflow.id)) {
      this.loading.add(workflow.id)
      void this.load(workflow.id).catch(() => {}) // best effort: the declared estimates stand meanwhile
    }
    const steps = this.samples.get(workflow.id)
    if (steps === undefined) return undefined
    let out: Record<string, number> | undefined
    for (const step of workflow.steps) {
      const list = steps.get(step.id)
      if (list === undefined || list.length === 0) continue
      const sorted = [...list].sort((a, b) => a - b)
      const mid = sorted.length >> 1
      const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
      ;(out ??= {})[step.id] = Math.round(median)
    }
    return out
  }

  /** Reads the journals of the last `keep` successful runs of `workflowId`. */
  private async load(workflowId: string): Promise<void> {
    const runIds: string[] = []
    for await (const run of this.store.list({ workflowId, status: 'succeeded', limit: this.keep })) runIds.push(run.runId)
    for (const runId of runIds.reverse()) {
      const began = new Map<string, number>()
      for await (const event of this.store.read(runId)) {
        if (event.type === 'step.started') began.set(event.stepId, event.at)
        else if (event.type === 'step.succeeded' && event.simulated !== true) {
          const at = began.get(event.stepId)
          if (at !== undefined) this.add(workflowId, event.stepId, event.at - at)
        }
      }
    }
  }
}
