import Type from 'typebox'
import { defineWorkflow, type StepContext, type Workflow } from '../../src/index.js'
import { workstreams } from './workstreams.js'

const HOUR = 3_600_000

/** What each workstream step reports when done. */
export const WorkstreamResult = Type.Object({
  id: Type.String(),
  hours: Type.Number({ minimum: 0 }),
  finishedAtHour: Type.Number({ minimum: 0 }),
})

/**
 * The audit as a workflow: one step per workstream, its hours as the estimate and "blocked by"
 * as needs. Each step simulates its work by sleeping its hours on the engine's clock, so with a
 * simulated clock the whole plan runs in milliseconds and with a scaled clock in seconds.
 * Steps are generated from data, so this uses the untyped `defineWorkflow` form.
 */
export function workstreamsWorkflow(): Workflow<{ startHour: number }, { totalHours: number; finishedAtHour: number }> {
  return defineWorkflow({
    id: 'audit-workstreams',
    version: '1',
    input: Type.Object({ startHour: Type.Number({ minimum: 0 }) }),
    output: Type.Object({ totalHours: Type.Number(), finishedAtHour: Type.Number() }),
    steps: workstreams.map((ws) => ({
      id: ws.id,
      description: ws.name,
      needs: ws.blockedBy,
      estimate: ws.hours * HOUR,
      output: WorkstreamResult,
      run: async (ctx: StepContext<{ startHour: number }, Readonly<Record<string, unknown>>>) => {
        await ctx.sleep(ws.hours * HOUR)
        return { id: ws.id, hours: ws.hours, finishedAtHour: Math.round((ctx.input.startHour + ctx.now() / HOUR) * 10) / 10 }
      },
    })),
    result: ({ steps }: { steps: Readonly<Record<string, unknown>> }) => {
      const done = Object.values(steps) as { hours: number; finishedAtHour: number }[]
      return {
        totalHours: done.reduce((sum, s) => sum + s.hours, 0),
        finishedAtHour: Math.max(...done.map((s) => s.finishedAtHour)),
      }
    },
  }) as Workflow<{ startHour: number }, { totalHours: number; finishedAtHour: number }>
}
