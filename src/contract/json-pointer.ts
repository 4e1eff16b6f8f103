/** JSON pointers (RFC 6901), shared by contracts, the loader and the redactor. @internal */
/** Escapes one reference token of an RFC 6901 JSON pointer (`~` → `~0`, `/` → `~1`). */
export function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1')
}

/** The pointer of `key` inside the value at `parent`. */
export function childPointer(parent: string, key: string | number): string {
  return `${parent}/${typeof key === 'number' ? key : escapeToken(key)}`
}

/** The reference tokens of a valid pointer (`""` → `[]`). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
}

const indexToken = /^(0|[1-9][0-9]*)$/

/**
 * The value at `tokens` inside `value`, following own properties only (never the prototype
 * chain, so `/constructor` or `/__proto__` find nothing unless the data has such a key).
 */
export function resolveTokens(value: unknown, tokens: readonly string[]): { readonly found: boolean; readonly value?: unknown } {
  let current = value
  for (const token of tokens) {
    if (Array.isArray(current)) {
      if (!indexToken.test(token) || Number(token) >= current.length) return { found: false }
      current = current[Number(token)]
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.prototype.hasOwnProperty.call(current, token)) return { found: false }
      current = (current as Record<string, unknown>)[token]
    } else {
      return { found: false }
    }
  }
  return { found: true, value: current }
}
