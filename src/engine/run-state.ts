import type { TSchema } from 'typebox'
import type { Validator } from 'typebox/compile'
import { ContractViolation, issuesOf } from '../contract/index.js'
import type { SerializedError } from '../errors/index.js'
import { isResumableEnd, isTerminalEvent, type JournalEvent } from '../journal/index.js'
import type { Workflow } from '../workflow/index.js'
import { emptyCompensationState, type CompensationState } from './compensation.js'
import type { StepResult } from './run-result.js'

// Step status codes.
/** @internal */ export const NOT_RUN = 0
/** @internal */ export const RUNNING = 1
/** @internal */ export const SUCCEEDED = 2
/** @internal */ export const FAILED = 3
/** @internal */ export const SKIPPED = 4
/** @internal */ export const CANCELLED = 5
/** Failed an attempt, waiting to retry (holds its concurrency slot). @internal */ export const BACKOFF = 6
const statusNames: StepResult['status'][] = ['not-run', 'not-run', 'succeeded', 'failed', 'skipped', 'cancelled', 'not-run']

/**
 * Everything a run knows about its steps: one typed-array slot per step for the hot fields,
 * maps for the rare ones.
 * @internal
 */
export class RunState {
  // Declared, then assigned in the constructor (see RunExecution's fields).
  declare readonly steps: Workflow['steps']
  declare readonly status: Uint8Array
  declare readonly attempts: Int32Array
  declare readonly outputs: unknown[]
  declare readonly errors: Map<number, SerializedError>
  declare readonly reasons: Map<number, string>
  declare readonly simulated: Set<number>
  /** Steps whose output is their fallback. */
  declare readonly fallbacks: Set<number>
  /** Self-healing actions taken per step. */
  declare readonly healed: Map<number, { rule: number; then: string }[]>
  /** Succeeded steps in completion order (kept only when some step has a compensation). */
  declare readonly completion: number[]
  declare readonly compensation: CompensationState
  /** Signals received, latest payload per name. */
  declare readonly signals: Map<string, unknown>
  /** Time of each step's first start (for `totalTimeout`). */
  declare readonly firstStart: Map<number, number>
  /** Last retry delay of each step (decorrelated jitter continues from it). */
  declare readonly lastDelay: Map<number, number>
  declare failedCount: number

  constructor(steps: Workflow['steps']) {
    const n = steps.length
    this.steps = steps
    this.status = new Uint8Array(n)
    this.attempts = new Int32Array(n)
    this.outputs = new Array<unknown>(n)
    this.errors = new Map()
    this.reasons = new Map()
    this.simulated = new Set()
    this.fallbacks = new Set()
    this.healed = new Map()
    this.completion = []
    this.compensation = emptyCompensationState()
    this.signals = new Map()
    this.firstStart = new Map()
    this.lastDelay = new Map()
    this.failedCount = 0
  }

  /** How each step ended, by step id. */
  stepResults(compensating: boolean): Record<string, StepResult> {
    const out: Record<string, StepResult> = {}
    for (let i = 0; i < this.status.length; i++) {
      const code = this.status[i]!
      const entry: { -readonly [K in keyof StepResult]: StepResult[K] } = { status: statusNames[code]!, attempts: this.attempts[i]! }
      if (code === SUCCEEDED) entry.output = this.outputs[i]
      if (code === SUCCEEDED && this.simulated.has(i)) entry.simulated = true
      if (code === SUCCEEDED && this.fallbacks.has(i)) entry.fallback = true
      const healed = this.healed.get(i)
      if (healed !== undefined) entry.healed = healed
      const error = this.errors.get(i)
      if (error !== undefined) entry.error = error
      const reason = this.reasons.get(i)
      if (reason !== undefined) entry.reason = reason
      if (compensating && code === SUCCEEDED && this.steps[i]!.compensate !== undefined) {
        entry.compensation = this.compensation.compensated.has(i) ? 'compensated' : this.compensation.failed.has(i) ? 'failed' : 'pending'
      }
      out[this.steps[i]!.id] = entry
    }
    return out
  }
}

/** What {@link applyJournal} found. @internal */
export interface AppliedJournal {
  readonly lastSeq: number
  readonly startedAt: number
  /** The final event, when the journal already ended the run. */
  readonly terminal: JournalEvent | undefined
  /** Steps that had started without an end: they run again. */
  readonly restarted: string[]
  /** The lost attempt of each restarted step (a sub-workflow step resumes that attempt's child run). */
  readonly lostAttempts: Map<number, number>
  /** Some step was recorded as cancelled (the run was stopping). */
  readonly cancelled: boolean
}

/**
 * Rebuilds a run's state from its journal: recorded outputs are reused (checked again against
 * their contracts — a violation throws), recorded failures and skips stand, steps that started
 * without an end become not-run with their attempt count kept, so they run again continuing it.
 * Events of steps the definition no longer has are ignored.
 * @internal
 */
export function applyJournal(state: RunState, workflow: Workflow, validators: readonly Validator<{}, TSchema>[], events: readonly JournalEvent[]): AppliedJournal {
  const index = workflow.stepById
  const { status, attempts, outputs } = state
  let cancelled = false
  const trackCompletion = workflow.steps.some((s) => s.compensate !== undefined)
  for (const event of events) {
    if (event.type === 'signal.received') {
      state.signals.set(event.name, event.payload)
      continue
    }
    if (event.type === 'run.cancelled' && event.resumable === true) {
      // An interruption: the steps it cancelled run again, continuing their attempt counts.
      for (let i = 0; i < status.length; i++) {
        if (status[i] !== CANCELLED) continue
        status[i] = NOT_RUN
        state.reasons.delete(i)
        state.errors.delete(i)
      }
      cancelled = false
      continue
    }
    if (!('stepId' in event) || event.stepId === undefined || event.type === 'plugin.recorded') continue
    const step = index.get(event.stepId)
    if (step === undefined) continue // a step of an older definition (resume with allowDefinitionChange)
    const i = step.index
    switch (event.type) {
      case 'compensation.started':
      case 'compensation.succeeded':
      case 'compensation.failed': {
        const c = state.compensation
        c.attempts.set(i, Math.max(c.attempts.get(i) ?? 0, event.attempt))
        if (event.type === 'compensation.started') c.interrupted.add(i)
        else c.interrupted.delete(i)
        if (event.type === 'compensation.succeeded') c.compensated.add(i)
        else if (event.type === 'compensation.failed' && !event.willRetry) c.failed.add(i)
        break
      }
      case 'step.started':
        if (!state.firstStart.has(i)) state.firstStart.set(i, event.at)
        attempts[i] = event.attempt
        status[i] = RUNNING
        break
      case 'step.succeeded':
        if (!validators[i]!.Check(event.output)) {
          throw new ContractViolation({ workflowId: workflow.id, stepId: step.id, direction: 'step-output', issues: issuesOf(step.output, event.output) })
        }
        status[i] = SUCCEEDED
        outputs[i] = event.output
        if (event.simulated === true) state.simulated.add(i)
        if (event.fallback === true) state.fallbacks.add(i)
        if (trackCompletion) state.completion.push(i)
        break
      case 'step.failed':
        attempts[i] = Math.max(attempts[i]!, event.attempt)
        if (event.delayMs !== undefined) state.lastDelay.set(i, event.delayMs)
        if (event.willRetry) {
          status[i] = NOT_RUN
        } else {
          status[i] = FAILED
          state.errors.set(i, event.error)
          state.failedCount++
        }
        break
      case 'step.healed': {
        const list = state.healed.get(i) ?? []
        list.push({ rule: event.rule, then: event.then })
        state.healed.set(i, list)
        break
      }
      case 'step.skipped':
        status[i] = SKIPPED
        state.reasons.set(i, event.reason)
        break
      case 'step.cancelled':
        status[i] = CANCELLED
        state.reasons.set(i, event.reason)
        cancelled = true
        break
    }
  }
  const last = events[events.length - 1]!
  const terminal = isTerminalEvent(last) && !isResumableEnd(last) ? last : undefined
  const restarted: string[] = []
  const lostAttempts = new Map<number, number>()
  for (let i = 0; i < status.length; i++) {
    if (status[i] !== RUNNING) continue
    // Started, never ended: the attempt was lost with the process. It runs again.
    status[i] = NOT_RUN
    if (terminal === undefined) {
      restarted.push(state.steps[i]!.id)
      lostAttempts.set(i, attempts[i]!)
    }
  }
  return { lastSeq: last.seq, startedAt: events[0]!.at, terminal, restarted, lostAttempts, cancelled }
}
