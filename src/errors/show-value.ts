/**
 * A value as an error message shows it: a string, or a plain object or array, as JSON (a
 * non-finite number inside as `NaN`/`Infinity`, a bigint as `5n`); a number, bigint (`5n`),
 * symbol or other object as `String` gives it; a function as `a function`. At most `max`
 * characters. Never throws (a cycle, a throwing `toString`).
 * @internal
 */
export function showValue(value: unknown, max = 200): string {
  const text = typeof value === 'function' ? 'a function' : typeof value === 'bigint' ? `${value}n` : typeof value === 'string' || isPlainContainer(value) ? (json(value) ?? '[unprintable]') : string(value)
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/**
 * `value` as text where a string is expected (an id read from a file): a string as it is,
 * anything else as {@link showValue} shows it. Never throws, where `String()` throws for an
 * object whose `toString` is not a function.
 * @internal
 */
export function textOf(value: unknown): string {
  return typeof value === 'string' ? value : showValue(value)
}

function isPlainContainer(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return Array.isArray(value) || proto === Object.prototype || proto === null
}

function json(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'bigint' ? `${v}n` : v))
  } catch {
    return undefined // a cycle
  }
}

function string(value: unknown): string {
  try {
    return String(value)
  } catch {
    return `[${typeof value}]`
  }
}
