import { createHash } from 'node:crypto'

/**
 * JSON with object keys sorted at every level (enumerable own keys only), so equal
 * structures give equal text in every process.
 * @public
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key]
    if (v !== undefined && typeof v !== 'function') out[key] = sortKeys(v)
  }
  return out
}

/**
 * SHA-256 (hex, first 32 characters) of the canonical JSON of `value`.
 * @public
 */
export function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32)
}
