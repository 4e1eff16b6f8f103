import { childPointer } from '../contract/json-pointer.js'
import { closest } from './suggest.js'

/** The JSON Schema keywords the file format uses (and so this checker understands). */
interface JsonSchema {
  readonly $ref?: string
  readonly $defs?: Readonly<Record<string, JsonSchema>>
  readonly anyOf?: readonly JsonSchema[]
  readonly type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null'
  readonly const?: unknown
  readonly pattern?: string
  readonly minLength?: number
  readonly minimum?: number
  readonly minItems?: number
  readonly items?: JsonSchema
  readonly properties?: Readonly<Record<string, JsonSchema>>
  readonly required?: readonly string[]
  readonly additionalProperties?: boolean | JsonSchema
  readonly patternProperties?: Readonly<Record<string, JsonSchema>>
  readonly errorMessage?: string
}

/** One mismatch between a value and the file format. */
export interface SchemaIssue {
  /** JSON pointer of the value (for `unknown-key`: of the unknown key's value). */
  readonly path: string
  /** What is wrong. */
  readonly message: string
  /** `unknown-key` for a key the format does not have, `schema` otherwise. */
  readonly kind: 'unknown-key' | 'schema'
  /** The failing schema. */
  readonly schema: object
  /** For a missing required key: the pointer the key would have. */
  readonly missing?: string
}

const patterns = new Map<string, RegExp>()
function regex(pattern: string): RegExp {
  let re = patterns.get(pattern)
  if (re === undefined) patterns.set(pattern, (re = new RegExp(pattern, 'u')))
  return re
}

/** Describes a value for messages: `"abc" (string)`, `3 (number)`, `an array`, `an object`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)} (string)`
  return `${String(value)} (${typeof value})`
}

const typeNames: Record<string, string> = { object: 'an object', array: 'an array', string: 'a string', number: 'a number', integer: 'an integer', boolean: 'a boolean', null: 'null' }

function hasType(type: NonNullable<JsonSchema['type']>, value: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
    case 'array':
      return Array.isArray(value)
    case 'string':
      return typeof value === 'string'
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'null':
      return value === null
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

/**
 * Every mismatch between `value` (plain JSON data, nested at most as deep as the loader's
 * limit) and `root`, one issue per problem, in document order, with messages meant for
 * people: an unknown key suggests the closest known one, a union with an `errorMessage`
 * reports that message once, and other unions report the branch that fits best.
 */
export function schemaIssues(root: object, value: unknown): SchemaIssue[] {
  const out: SchemaIssue[] = []
  check(root as JsonSchema, root as JsonSchema, value, '', out)
  return out
}

function check(root: JsonSchema, schema: JsonSchema, value: unknown, path: string, out: SchemaIssue[]): void {
  if (schema.$ref !== undefined) {
    const name = /^#\/\$defs\/(.+)$/.exec(schema.$ref)?.[1]
    const target = name === undefined ? undefined : root.$defs?.[name]
    // A reference this checker cannot follow is left to the validator's own errors (see `contractIssues`).
    return target === undefined ? undefined : check(root, target, value, path, out)
  }
  if (schema.anyOf !== undefined) {
    let best: SchemaIssue[] | undefined
    let bestScore = Infinity
    for (const branch of schema.anyOf) {
      const issues: SchemaIssue[] = []
      check(root, branch, value, path, issues)
      if (issues.length === 0) return
      // A branch of the wrong type fits worst; otherwise the fewest issues win (first on ties).
      const score = issues.length + (branch.type !== undefined && !hasType(branch.type, value) ? 1000 : 0)
      if (score < bestScore) {
        best = issues
        bestScore = score
      }
    }
    if (schema.errorMessage !== undefined) out.push({ path, message: `${schema.errorMessage}, got ${describeValue(value)}`, kind: 'schema', schema })
    else out.push(...best!)
    return
  }
  const fail = (message: string): void => {
    out.push({ path, message: schema.errorMessage === undefined ? message : `${schema.errorMessage}, got ${describeValue(value)}`, kind: 'schema', schema })
  }
  if (schema.type !== undefined && !hasType(schema.type, value)) return fail(`must be ${typeNames[schema.type]}, got ${describeValue(value)}`)
  if ('const' in schema && !deepEqual(schema.const, value)) return fail(`must be ${JSON.stringify(schema.const)}, got ${describeValue(value)}`)
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) return fail(schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters long`)
    if (schema.pattern !== undefined && !regex(schema.pattern).test(value)) return fail(`must match ${schema.pattern}, got ${describeValue(value)}`)
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) return fail(`must be ${schema.minimum} or more, got ${value}`)
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return fail(schema.minItems === 1 ? 'must not be empty' : `must have at least ${schema.minItems} items`)
    if (schema.items !== undefined) value.forEach((item, i) => check(root, schema.items!, item, childPointer(path, i), out))
  } else if (typeof value === 'object' && value !== null) {
    const properties = schema.properties ?? {}
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) {
      const at = childPointer(path, key)
      if (Object.prototype.hasOwnProperty.call(properties, key)) {
        check(root, properties[key]!, record[key], at, out)
        continue
      }
      const patterned = Object.entries(schema.patternProperties ?? {}).find(([p]) => regex(p).test(key))
      if (patterned !== undefined) {
        check(root, patterned[1], record[key], at, out)
      } else if (schema.additionalProperties === false) {
        const known = Object.keys(properties)
        const guess = closest(key, known)
        const hint = guess !== undefined ? ` (did you mean "${guess}"?)` : known.length === 0 ? ' (this object takes no keys)' : known.length <= 16 ? ` (expected one of: ${known.join(', ')})` : ''
        out.push({ path: at, message: `unknown key "${key}"${hint}`, kind: 'unknown-key', schema })
      } else if (typeof schema.additionalProperties === 'object') {
        check(root, schema.additionalProperties, record[key], at, out)
      }
    }
    for (const key of schema.required ?? []) {
      if (!Object.prototype.hasOwnProperty.call(record, key)) out.push({ path, message: `missing the required key "${key}"`, kind: 'schema', schema, missing: childPointer(path, key) })
    }
  }
}
