import Type from 'typebox'
import { parseDuration } from '../../runtime/index.js'
import { defineStep } from '../step-template.js'
import { DurationSchema } from './duration-schema.js'

/**
 * Output of the `simulate` template: how long it waited and when, on the engine's clock (ms).
 * @public
 */
export const SimulateOutput = Type.Object({
  durationMs: Type.Number({ minimum: 0 }),
  startedAt: Type.Number(),
  finishedAt: Type.Number(),
})

/**
 * The `simulate` template: stands in for work that takes `duration`, by waiting it on the
 * engine's clock; outputs when it started and finished. In a declarative file `duration`
 * defaults to the step's `estimate`, so a plan (steps with estimates and needs) runs as a
 * simulation of itself; without either it waits 0 ms. Cancellable like `sleep`.
 * @example
 * ```json
 * { "id": "WS-01", "uses": "simulate", "estimate": "46h" }
 * ```
 * @public
 */
export const simulateTemplate = defineStep({
  name: 'simulate',
  description: "Waits its duration (default: the step's estimate) on the engine's clock.",
  with: Type.Object({ duration: Type.Optional(DurationSchema) }, { additionalProperties: false }),
  output: SimulateOutput,
  defaults: (step) => (step.estimate === undefined ? {} : { duration: step.estimate }),
  run: async (ctx, { duration }) => {
    const durationMs = duration === undefined ? 0 : parseDuration(duration)!
    const startedAt = ctx.now()
    await ctx.sleep(durationMs)
    return { durationMs, startedAt, finishedAt: ctx.now() }
  },
})
