import { compile } from '../contract/index.js'
import { DefinitionSummarySchema } from './events.js'

/**
 * Definition summaries serialized once. The engine seals the summary it journals with every
 * `run.started` of a workflow; a store takes its JSON from here instead of checking and
 * serializing the same structure (tens of kilobytes for a thousand steps) for every run.
 */
const sealed = new WeakMap<object, string>()

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return
  Object.freeze(value)
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
}

/**
 * Checks `summary` against the `run.started` definition schema (throws a `TypeError` when it
 * does not match), deep-freezes it and remembers its JSON. Returns `summary`. Give it objects of
 * its own: everything reachable from it is frozen.
 * @internal
 */
export function sealDefinition<T extends object>(summary: T): T {
  if (!compile(DefinitionSummarySchema).Check(summary)) throw new TypeError('sealDefinition: not a definition summary')
  deepFreeze(summary)
  sealed.set(summary, JSON.stringify(summary))
  return summary
}

/**
 * The JSON of `value` (equal to `JSON.stringify(value)`) when it is a definition summary sealed
 * by {@link sealDefinition}, which the schema accepts; else `undefined`.
 * @internal
 */
export function sealedDefinitionJson(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? sealed.get(value) : undefined
}
