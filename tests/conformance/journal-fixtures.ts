import type { JournalEvent, RunHeader } from '../../src/index.js'

/** A run header for tests. */
export function header(runId: string, overrides: Partial<RunHeader> = {}): RunHeader {
  return { runId, workflowId: 'wf', version: '1', fingerprint: 'fp', createdAt: 1000, ...overrides }
}

/**
 * The event with sequence number `seq` of a plausible run: `run.started`, then
 * `step.started`/`step.succeeded` pairs. `at` is `1000 + seq`.
 */
export function event(runId: string, seq: number): JournalEvent {
  const at = 1000 + seq
  if (seq === 1) return { seq, at, runId, type: 'run.started', workflowId: 'wf', version: '1', fingerprint: 'fp', input: undefined, seed: 7 }
  const step = `s${Math.floor(seq / 2)}`
  if (seq % 2 === 0) return { seq, at, runId, type: 'step.started', stepId: step, attempt: 1 }
  return { seq, at, runId, type: 'step.succeeded', stepId: step, attempt: 1, output: { v: seq * 31, tag: `é-${seq}` } }
}

/** Events `from..to` (inclusive) of {@link event}. */
export function events(runId: string, from: number, to: number): JournalEvent[] {
  const out: JournalEvent[] = []
  for (let seq = from; seq <= to; seq++) out.push(event(runId, seq))
  return out
}

/** A terminal event. */
export function terminal(runId: string, seq: number, type: 'run.succeeded' | 'run.failed' | 'run.cancelled', at = 1000 + seq): JournalEvent {
  if (type === 'run.succeeded') return { seq, at, runId, type, output: { ok: true } }
  if (type === 'run.failed') return { seq, at, runId, type, error: { name: 'Error', message: 'boom', code: 'E_BOOM', cause: { name: 'TypeError', message: 'inner' } } }
  return { seq, at, runId, type, reason: 'stopped by a test' }
}
