import type { TSchema } from 'typebox'
import { compile } from '../contract/index.js'
import { childPointer, pointerTokens, resolveTokens } from '../contract/json-pointer.js'
import { schemaIssues, type SchemaIssue } from './schema-issues.js'
import { closest } from './suggest.js'

/**
 * Every issue of `value` against a template's `with` contract (any TypeBox schema), with the
 * messages of {@link schemaIssues} where it understands the schema; the compiled validator
 * decides validity, and its own errors (tidied: one line per union, unknown keys named) are
 * used when the friendly checker finds nothing.
 */
export function contractIssues(schema: TSchema, value: unknown): SchemaIssue[] {
  const validator = compile(schema)
  if (validator.Check(value)) return []
  const friendly = schemaIssues(schema, value)
  if (friendly.length > 0) return friendly
  const errors = [...validator.Errors(value)]
  const unions = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.schemaPath)
  const out: SchemaIssue[] = []
  for (const e of errors) {
    if (e.keyword === 'boolean') continue // the per-key half of `additionalProperties: false`, reported below
    if (unions.some((u) => e.schemaPath.startsWith(`${u}/anyOf/`))) continue // a branch of a union reported as a whole
    if (e.keyword === 'additionalProperties') {
      const at = schemaAt(schema, e.schemaPath) as { properties?: Record<string, unknown> } | undefined
      const known = Object.keys(at?.properties ?? {})
      for (const key of (e.params as { additionalProperties?: string[] }).additionalProperties ?? []) {
        const guess = closest(key, known)
        out.push({ path: childPointer(e.instancePath, key), message: `unknown key "${key}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}`, kind: 'unknown-key', schema })
      }
      continue
    }
    if (e.keyword === 'anyOf') {
      const at = schemaAt(schema, e.schemaPath) as { errorMessage?: unknown } | undefined
      out.push({ path: e.instancePath, message: typeof at?.errorMessage === 'string' ? at.errorMessage : 'must match one of the allowed forms', kind: 'schema', schema })
      continue
    }
    out.push({ path: e.instancePath, message: e.message ?? 'is invalid', kind: 'schema', schema })
  }
  if (out.length === 0) out.push({ path: '', message: 'does not match the contract', kind: 'schema', schema })
  return out
}

/** The sub-schema at a validator's `schemaPath` (`#/properties/a/anyOf/1`). */
function schemaAt(schema: TSchema, schemaPath: string): unknown {
  const pointer = schemaPath.replace(/^#/, '')
  if (pointer !== '' && !pointer.startsWith('/')) return undefined
  const r = resolveTokens(schema, pointerTokens(pointer))
  return r.found ? r.value : undefined
}
