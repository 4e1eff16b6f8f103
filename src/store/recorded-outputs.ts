import type { RunStore } from './port.js'

/**
 * The outputs a run recorded, by step id: each step's last `step.succeeded` output (simulated
 * outputs of dry runs excluded, since nothing really ran). Feed them to `reuseOutputs`.
 * @example
 * ```ts
 * const last = await store.list({ workflowId: wf.id, status: 'succeeded', limit: 1 })[Symbol.asyncIterator]().next()
 * const outputs = await recordedOutputs(store, last.value.runId)
 * ```
 * @public
 */
export async function recordedOutputs(store: RunStore, runId: string): Promise<Record<string, unknown>> {
  const outputs: Record<string, unknown> = {}
  for await (const event of store.read(runId)) {
    if (event.type === 'step.succeeded' && event.simulated !== true) {
      Object.defineProperty(outputs, event.stepId, { value: event.output, enumerable: true, writable: true, configurable: true })
    }
  }
  return outputs
}
