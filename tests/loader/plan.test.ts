import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { workstreams } from '../../examples/workstreams/workstreams.js'
import { createEngine, criticalPath, SimulatedClock } from '../../src/index.js'
import { loadWorkflowFile } from '../../src/loader/index.js'
import { builtinTemplates } from '../../src/templates/index.js'

const HOUR = 3_600_000
const plan = fileURLToPath(new URL('../../examples/workstreams/plan.json', import.meta.url))

describe('examples/workstreams/plan.json', () => {
  it("holds the audit's 23 workstreams: hours as estimates, blocked-by as needs, all simulated", async () => {
    const wf = await loadWorkflowFile(plan, { registry: builtinTemplates() })
    expect(wf.steps).toHaveLength(23)
    for (const ws of workstreams) {
      const step = wf.stepById.get(ws.id)!
      expect(step).toMatchObject({ description: ws.name, estimate: ws.hours * HOUR, meta: { uses: 'simulate' } })
      expect([...step.needs]).toEqual([...ws.blockedBy])
    }
    expect(criticalPath(wf.graph, (i) => wf.steps[i]!.estimate ?? 0)!.total).toBe(204 * HOUR)
  })

  it('runs on a simulated clock in its critical path (204h) with unlimited concurrency', async () => {
    const wf = await loadWorkflowFile(plan, { registry: builtinTemplates() })
    const result = await createEngine({ clock: new SimulatedClock() }).run(wf, undefined, { seed: 1 })
    expect(result.status).toBe('succeeded')
    expect(result.endedAt - result.startedAt).toBe(204 * HOUR)
    expect(Object.values(result.steps).every((s) => s.status === 'succeeded')).toBe(true)
    const output = (result as { output: Record<string, { durationMs: number; finishedAt: number }> }).output
    expect(Object.keys(output)).toHaveLength(23)
    expect(output['WS-23']).toMatchObject({ durationMs: 72 * HOUR, finishedAt: 204 * HOUR })
  })

  it('takes the sum of the hours (1144h) with one workstream at a time', async () => {
    const wf = await loadWorkflowFile(plan, { registry: builtinTemplates() })
    const result = await createEngine({ clock: new SimulatedClock(), concurrency: 1 }).run(wf, undefined, { seed: 1 })
    expect(result.endedAt - result.startedAt).toBe(1144 * HOUR)
  })
})
