import { Compile, type Validator } from 'typebox/compile'
import type { Static, TSchema } from 'typebox'

const cache = new WeakMap<TSchema, Validator<Record<string, TSchema>, TSchema>>()

/**
 * The compiled validator of a schema. Each schema object is compiled once and cached
 * (by identity) for the life of the process.
 * @public
 */
export function compile<T extends TSchema>(schema: T): Validator<{}, T> {
  let validator = cache.get(schema)
  if (validator === undefined) {
    validator = Compile(schema) as unknown as Validator<Record<string, TSchema>, TSchema>
    cache.set(schema, validator)
  }
  return validator as unknown as Validator<{}, T>
}

/**
 * True when `value` satisfies `schema`. Compiles the schema on first use.
 * @public
 */
export function check<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return compile(schema).Check(value)
}
