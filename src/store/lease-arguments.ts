import type { Lease, PruneOptions } from './port.js'
import { InvalidArgumentError } from '../errors/index.js'

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
