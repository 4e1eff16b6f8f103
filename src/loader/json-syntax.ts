/**
 * Finds where JSON text stops being valid, for messages with a line and column (the engine's
 * `JSON.parse` messages do not always give a position). Iterative: any nesting depth is safe.
 * Returns `undefined` when the text is valid JSON.
 */
export function jsonSyntaxError(text: string): { readonly offset: number; readonly message: string } | undefined {
  let i = 0
  const stack: ('{' | '[')[] = []
  let opened = false
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++
  }
  const unexpected = () =>
    i >= text.length ? { offset: text.length, message: 'unexpected end of the text' } : { offset: i, message: `unexpected ${JSON.stringify(text[i])}` }
  /** Reads one scalar or opens a container; returns an error or undefined. */
  const value = (): { offset: number; message: string } | undefined => {
    ws()
    const c = text[i]
    if (c === '{' || c === '[') {
      stack.push(c)
      opened = true
      i++
      return undefined
    }
    opened = false
    if (c === '"') return string()
    const literal = /^(true|false|null|-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)/.exec(text.slice(i, i + 400))
    if (literal === null) return unexpected()
    i += literal[0].length
    return undefined
  }
  const string = (): { offset: number; message: string } | undefined => {
    i++
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i)
      if (c < 0x20) return { offset: i, message: 'control character in a string' }
      if (text[i] === '\\') {
        const e = text[i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return { offset: i, message: 'invalid \\u escape' }
          i += 6
          continue
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) return { offset: i, message: 'invalid escape' }
        i += 2
        continue
      }
      i++
    }
    if (i >= text.length) return { offset: text.length, message: 'unterminated string' }
    i++
    return undefined
  }
  let error = value()
  if (error !== undefined) return error
  for (;;) {
    const top = stack[stack.length - 1]
    if (top === undefined) break
    ws()
    const close = top === '{' ? '}' : ']'
    if (text[i] === close) {
      // `{}` / `[]`, or the end after a member
      stack.pop()
      opened = false
      i++
    } else if (!opened && text[i] !== ',') {
      return unexpected()
    } else {
      if (!opened) {
        i++
        ws()
        if (text[i] === close) return { offset: i, message: `trailing comma before ${JSON.stringify(close)}` }
      }
      if (top === '{') {
        ws()
        if (text[i] !== '"') return unexpected()
        error = string()
        if (error !== undefined) return error
        ws()
        if (text[i] !== ':') return unexpected()
        i++
      }
      error = value()
      if (error !== undefined) return error
      continue
    }
  }
  ws()
  return i < text.length ? unexpected() : undefined
}
