/**
 * A duration: milliseconds as a number, or a string such as `'250ms'`, `'30s'`, `'5m'`,
 * `'46h'`, `'2d'` (decimals allowed: `'1.5h'`).
 * @public
 */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const pattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/

/**
 * Milliseconds of a {@link Duration}, or `undefined` when it is not a valid non-negative
 * finite duration.
 * @public
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const match = pattern.exec(value.trim())
  if (match === null) return undefined
  return Number(match[1]) * units[match[2]!]!
}
