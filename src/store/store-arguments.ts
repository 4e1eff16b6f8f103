import type { Lease, PruneOptions, RunFilter, RunHeader } from './port.js'
import { compile, issuesOf } from '../contract/index.js'
import { InvalidArgumentError } from '../errors/index.js'
import type { JournalEvent, RunStatus } from '../journal/index.js'
import { runStatuses } from '../journal/events.js'
import { RunHeaderSchema } from './journal-header.js'
import { assertRunId } from './run-id.js'
import { JournalSequenceError } from './store-errors.js'

/** Checks the header given to `create` (every store: the same header is refused by all). @internal */
export function assertRunHeader(header: unknown): asserts header is RunHeader {
  assertRunId((header as Partial<RunHeader> | undefined)?.runId)
  if (!compile(RunHeaderSchema).Check(header)) {
    throw new InvalidArgumentError('header', `a RunHeader (${issuesOf(RunHeaderSchema, header).map((i) => `${i.path || '/'} ${i.message}`).join('; ')})`, header)
  }
}

const statuses: ReadonlySet<RunStatus> = new Set(runStatuses)

/** Checks the filter given to `list`. @internal */
export function assertRunFilter(filter: unknown): asserts filter is RunFilter {
  const f = filter as RunFilter | null
  if (typeof f !== 'object' || f === null) throw new InvalidArgumentError('filter', 'an object with `status`, `workflowId` and/or `limit`', filter)
  if (f.status !== undefined && !statuses.has(f.status)) throw new InvalidArgumentError('status', `one of ${[...statuses].join(', ')}`, f.status)
  if (f.workflowId !== undefined && typeof f.workflowId !== 'string') throw new InvalidArgumentError('workflowId', 'a string', f.workflowId)
  if (f.limit !== undefined && !(Number.isSafeInteger(f.limit) && f.limit >= 0)) throw new InvalidArgumentError('limit', 'an integer from 0', f.limit)
}

/** Checks the arguments of `acquireLease`/`renewLease`. @internal */
export function assertLeaseArguments(owner: unknown, ttlMs: unknown): void {
  if (typeof owner !== 'string' || owner.length === 0 || owner.length > 256) throw new InvalidArgumentError('owner', 'a string of 1 to 256 characters', owner)
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) throw new InvalidArgumentError('ttlMs', 'a finite number of milliseconds above 0', ttlMs)
}

/** Checks a lease handed back to `renewLease`/`releaseLease`. @internal */
export function assertLease(lease: unknown): asserts lease is Lease {
  const l = lease as Partial<Lease> | null
  if (typeof l !== 'object' || l === null || typeof l.runId !== 'string' || typeof l.owner !== 'string' || !Number.isSafeInteger(l.token)) {
    throw new InvalidArgumentError('lease', 'a lease returned by acquireLease', lease)
  }
}

/** Checks a fencing token. @internal */
export function assertFence(fence: unknown): asserts fence is number | undefined {
  if (fence !== undefined && !(Number.isSafeInteger(fence) && (fence as number) >= 1)) throw new InvalidArgumentError('fence', 'a lease token (an integer from 1)', fence)
}

/** Checks prune options. @internal */
export function assertPruneOptions(options: unknown): asserts options is PruneOptions {
  const o = options as PruneOptions | null
  if (typeof o !== 'object' || o === null || (o.olderThan === undefined && o.keepLast === undefined)) {
    throw new InvalidArgumentError('options', 'an object with `olderThan` and/or `keepLast`', options)
  }
  if (o.olderThan !== undefined && !(typeof o.olderThan === 'number' && Number.isFinite(o.olderThan) && o.olderThan >= 0)) {
    throw new InvalidArgumentError('olderThan', 'a number of milliseconds from 0', o.olderThan)
  }
  if (o.keepLast !== undefined && !(Number.isSafeInteger(o.keepLast) && o.keepLast >= 0)) throw new InvalidArgumentError('keepLast', 'an integer from 0', o.keepLast)
}

/**
 * The error for the first of `events` whose `seq` does not continue a journal whose next event is
 * `next`; `undefined` when they all do. @internal
 */
export function sequenceError(runId: string, events: readonly JournalEvent[], next: number): JournalSequenceError | undefined {
  for (let k = 0; k < events.length; k++) {
    const seq = (events[k] as { seq?: unknown } | null)?.seq
    if (seq !== next + k) return new JournalSequenceError(runId, next + k, typeof seq === 'number' ? seq : NaN)
  }
  return undefined
}

/** Checks a new run's first events (given to `createLeased`) as `append` checks a batch: an array, `seq` from 1. @internal */
export function assertFirstEvents(runId: string, events: unknown): asserts events is readonly JournalEvent[] {
  if (!Array.isArray(events)) throw new InvalidArgumentError('events', 'an array of journal events', events)
  const error = sequenceError(runId, events as JournalEvent[], 1)
  if (error !== undefined) throw error
}
