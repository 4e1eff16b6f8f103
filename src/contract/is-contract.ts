import type { TSchema } from 'typebox'
import { IsSchema } from 'typebox'

/**
 * True when `value` can serve as a contract: a (TypeBox or JSON Schema) schema object.
 * Arrays, functions and primitives are not contracts.
 * @public
 */
export function isContract(value: unknown): value is TSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && IsSchema(value)
}
