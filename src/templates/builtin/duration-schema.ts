import Type from 'typebox'
import type { Duration } from '../../runtime/index.js'

/**
 * TypeBox contract of a {@link Duration}: a non-negative number of milliseconds, or a string
 * such as `'250ms'`, `'30s'`, `'5m'`, `'46h'`, `'2d'` (decimals allowed: `'1.5h'`). Use it in the
 * `with` contract of your own templates.
 * @public
 */
export const DurationSchema = Type.Unsafe<Duration>(
  Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$' })], {
    description: "A duration: milliseconds, or a string like '250ms', '30s', '5m', '46h', '2d'",
    errorMessage: "must be a duration: milliseconds or a string like '30s', '5m', '46h'",
  }),
)
