import { WeftError, type SerializedError } from '../errors/index.js'

export { CancelledError, InvalidArgumentError, StepTimeoutError } from '../errors/index.js'


/**
 * A run failed because one or more steps failed. `data.failedSteps` lists them; each step's
 * own error is in the run result.
 * @public
 */
export class RunFailedError extends WeftError<{ readonly runId: string; readonly workflowId: string; readonly failedSteps: readonly string[] }> {
  /** Stable code. */
  static readonly code = 'WEFT_RUN_FAILED'
  constructor(data: { readonly runId: string; readonly workflowId: string; readonly failedSteps: readonly string[] }, cause?: unknown) {
    super(RunFailedError.code, `run "${data.runId}" of workflow "${data.workflowId}" failed at step${data.failedSteps.length === 1 ? '' : 's'} ${data.failedSteps.map((s) => `"${s}"`).join(', ')}`, data, { cause })
  }
}


/**
 * A run was offered a definition whose fingerprint differs from the one it started with.
 * `data.changes` names what changed. Pass `allowDefinitionChange: true` to resume anyway.
 * @public
 */
export class WorkflowChangedError extends WeftError<{
  readonly runId: string
  readonly workflowId: string
  readonly expected: string
  readonly found: string
  readonly changes: readonly { readonly kind: string; readonly stepId?: string; readonly detail: string }[]
}> {
  /** Stable code. */
  static readonly code = 'WEFT_WORKFLOW_CHANGED'
  constructor(data: WorkflowChangedError['data']) {
    super(WorkflowChangedError.code, `run "${data.runId}" started with a different definition of "${data.workflowId}" (fingerprint ${data.expected}, now ${data.found}): ${data.changes.map((c) => c.detail).join('; ')}`, data)
  }
}

/**
 * Replaying a journal took a different decision than the one recorded.
 * @public
 */
export class NonDeterminismError extends WeftError<{ readonly runId: string; readonly index: number; readonly expected: unknown; readonly found: unknown }> {
  /** Stable code. */
  static readonly code = 'WEFT_NON_DETERMINISM'
  constructor(data: { readonly runId: string; readonly index: number; readonly expected: unknown; readonly found: unknown }) {
    super(NonDeterminismError.code, `run "${data.runId}" diverged from its journal at event ${data.index}: expected ${JSON.stringify(data.expected)}, found ${JSON.stringify(data.found)}`, data)
  }
}

/**
 * A journal cannot be resumed or replayed because it is not a run's journal (no `run.started`).
 * @public
 */
export class InvalidJournalError extends WeftError<{ readonly runId: string; readonly reason: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_INVALID_JOURNAL'
  constructor(runId: string, reason: string) {
    super(InvalidJournalError.code, `run "${runId}": ${reason}`, { runId, reason })
  }
}


/**
 * A sub-workflow step's child run did not succeed.
 * @public
 */
export class ChildRunFailedError extends WeftError<{ readonly childRunId: string; readonly status: string; readonly error: SerializedError }> {
  /** Stable code. */
  static readonly code = 'WEFT_CHILD_RUN_FAILED'
  constructor(data: { readonly childRunId: string; readonly status: string; readonly error: SerializedError }) {
    super(ChildRunFailedError.code, `child run "${data.childRunId}" ${data.status}: ${data.error.message}`, data)
  }
}

/**
 * The run has already ended: it cannot take a signal or be resumed further.
 * @public
 */
export class RunEndedError extends WeftError<{ readonly runId: string; readonly status: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_RUN_ENDED'
  constructor(runId: string, status: string) {
    super(RunEndedError.code, `run "${runId}" has already ended (${status})`, { runId, status })
  }
}

/**
 * Another engine holds the run's lease: it is running (or resuming) the run right now.
 * @public
 */
export class LeaseConflictError extends WeftError<{ readonly runId: string; readonly owner: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_LEASE_CONFLICT'
  constructor(runId: string, owner: string) {
    super(LeaseConflictError.code, `run "${runId}" is leased by another engine; "${owner}" cannot run it now`, { runId, owner })
  }
}

/**
 * The process stopped while a compensation was running: it may or may not have done its work,
 * and compensations run at most once, so it is not run again. Check it by hand.
 * @public
 */
export class CompensationInterruptedError extends WeftError<{ readonly runId: string; readonly stepId: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_COMPENSATION_INTERRUPTED'
  constructor(runId: string, stepId: string) {
    super(CompensationInterruptedError.code, `the compensation of step "${stepId}" of run "${runId}" was interrupted; it is not run again (at most once)`, { runId, stepId })
  }
}

/**
 * The engine is closing or closed (`engine.close()` was called): it starts, resumes and
 * recovers no more runs. Create a new engine.
 * @public
 */
export class EngineClosedError extends WeftError<{ readonly operation: string }> {
  /** Stable code. */
  static readonly code = 'WEFT_ENGINE_CLOSED'
  constructor(operation: string) {
    super(EngineClosedError.code, `the engine is closed: cannot ${operation}`, { operation })
  }
}
