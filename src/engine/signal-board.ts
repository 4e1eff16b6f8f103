import { ContractViolation, issuesOf } from '../contract/index.js'
import type { Workflow } from '../workflow/index.js'

/**
 * Checks a signal's payload against the contract of every gate of `workflow` waiting for `name`;
 * throws a {@link ContractViolation} (`step-input`) for the first that refuses it. Returns how
 * many gates wait for the signal.
 * @internal
 */
export function checkSignalPayload(workflow: Workflow, name: string, payload: unknown): number {
  let gates = 0
  for (const step of workflow.steps) {
    if (step.gate?.signal !== name) continue
    gates++
    const issues = issuesOf(step.output, payload)
    if (issues.length > 0) throw new ContractViolation({ workflowId: workflow.id, stepId: step.id, direction: 'step-input', issues })
  }
  return gates
}

/**
 * Signals a run has received (latched: the latest payload per name) and the gates waiting for
 * them. A gate that starts after its signal arrived opens at once.
 * @internal
 */
export class SignalBoard {
  // Declared, then assigned in the constructor: built once per run (see RunExecution's fields).
  private declare readonly received: Map<string, unknown>
  private declare readonly waiters: Map<string, { resolve: (payload: unknown) => void }[]>

  constructor(received: Map<string, unknown>) {
    this.received = received
    this.waiters = new Map()
  }

  /** Resolves with the payload of `name` once received; rejects when `signal` aborts. */
  wait(name: string, signal: AbortSignal): Promise<unknown> {
    if (this.received.has(name)) return Promise.resolve(this.received.get(name))
    return new Promise((resolve, reject) => {
      const waiter = { resolve }
      const list = this.waiters.get(name) ?? []
      list.push(waiter)
      this.waiters.set(name, list)
      signal.addEventListener(
        'abort',
        () => {
          this.waiters.set(name, (this.waiters.get(name) ?? []).filter((w) => w !== waiter))
          reject(signal.reason)
        },
        { once: true },
      )
    })
  }

  /** Records `payload` for `name` and opens every gate waiting for it. */
  open(name: string, payload: unknown): void {
    this.received.set(name, payload)
    const waiting = this.waiters.get(name) ?? []
    this.waiters.delete(name)
    for (const waiter of waiting) waiter.resolve(payload)
  }
}
