import Type from 'typebox'
import { parseDuration } from '../../runtime/index.js'
import { defineStep } from '../step-template.js'
import { DurationSchema } from './duration-schema.js'

/**
 * The `sleep` template: waits `duration` on the engine's clock (`ctx.sleep`, so a
 * `SimulatedClock` makes it instant), then outputs `null`. Cancellable: when the step's signal
 * aborts (run cancelled, fail-fast, timeout) the wait ends at once and the step fails with the
 * signal's reason.
 * @example
 * ```yaml
 * - id: cool-down
 *   uses: sleep
 *   with: { duration: 5m }
 * ```
 * @public
 */
export const sleepTemplate = defineStep({
  name: 'sleep',
  description: "Waits a duration on the engine's clock; outputs null.",
  with: Type.Object({ duration: DurationSchema }, { additionalProperties: false }),
  output: Type.Null(),
  run: async (ctx, { duration }) => {
    await ctx.sleep(parseDuration(duration)!)
    return null
  },
})
