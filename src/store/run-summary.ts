import type { JournalEvent, RunStatus } from '../journal/index.js'

/**
 * The status a run has after `event`, or `undefined` when the event does not change it.
 * @internal
 */
export function statusAfter(event: JournalEvent): RunStatus | undefined {
  switch (event.type) {
    case 'run.succeeded':
      return 'succeeded'
    case 'run.failed':
      return 'failed'
    case 'run.cancelled':
      return 'cancelled'
    case 'run.compensated':
      return 'compensated'
    case 'run.compensation-failed':
      return 'compensation-failed'
    case 'run.started':
    case 'run.resumed':
      return 'running'
    default:
      return undefined
  }
}
