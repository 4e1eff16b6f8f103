import { isResumableEnd, type JournalEvent } from '../journal/index.js'
import type { RunSummary } from '../store/index.js'
import { formatDuration, formatTime } from './output.js'

/** How a step stands according to a journal. */
export interface StepView {
  readonly status: 'pending' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'skipped' | 'cancelled'
  readonly attempts: number
  /** Time from the first start to the end, on the engine's clock. */
  readonly durationMs?: number
  readonly error?: string
}

/**
 * The state of a run for people: the store's status, except `interrupted` for a run cancelled
 * as resumable (Ctrl-C) and `orphaned` for a running run whose process died.
 */
export type RunState = RunSummary['status'] | 'interrupted' | 'orphaned'

/** Each step's standing from a journal (steps of the recorded definition that never started are `pending`). */
export function stepViews(journal: readonly JournalEvent[]): Record<string, StepView> {
  const views: Record<string, { -readonly [K in keyof StepView]: StepView[K] } & { firstAt?: number }> = {}
  const started = journal[0]
  if (started?.type === 'run.started') for (const s of started.definition?.steps ?? []) views[s.id] = { status: 'pending', attempts: 0 }
  for (const e of journal) {
    if (!('stepId' in e) || typeof e.stepId !== 'string' || e.type.startsWith('compensation.')) continue
    const v = (views[e.stepId] ??= { status: 'pending', attempts: 0 })
    switch (e.type) {
      case 'step.started':
        v.status = 'running'
        v.attempts = Math.max(v.attempts, e.attempt)
        v.firstAt ??= e.at
        break
      case 'step.succeeded':
        v.status = 'succeeded'
        break
      case 'step.failed':
        v.status = e.willRetry ? 'retrying' : 'failed'
        v.error = e.error.message
        break
      case 'step.skipped':
        v.status = 'skipped'
        break
      case 'step.cancelled':
        v.status = 'cancelled'
        break
      default:
        break
    }
    if ((v.status === 'succeeded' || v.status === 'failed' || v.status === 'cancelled') && v.firstAt !== undefined) v.durationMs = e.at - v.firstAt
  }
  const out: Record<string, StepView> = {}
  for (const [id, { firstAt: _firstAt, ...view }] of Object.entries(views)) out[id] = view
  return out
}

/** The {@link RunState} of a run from its summary, journal tail and whether it is orphaned. */
export function runStateOf(summary: RunSummary, last: JournalEvent | undefined, orphaned: boolean): RunState {
  if (last !== undefined && isResumableEnd(last)) return 'interrupted'
  if (summary.status === 'running' && orphaned) return 'orphaned'
  return summary.status
}

/** One table row of a run: id, workflow, state, started, duration, events. */
export function runRow(summary: RunSummary, state: RunState): string[] {
  return [summary.runId, `${summary.workflowId}@${summary.version}`, state, formatTime(summary.createdAt), formatDuration(Math.max(0, summary.updatedAt - summary.createdAt)), String(summary.events)]
}

/** Header of {@link runRow}. */
export const runHeader = ['RUN', 'WORKFLOW', 'STATE', 'STARTED', 'DURATION', 'EVENTS'] as const
