import fc from 'fast-check'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, defineWorkflow, memoryStore, SimulatedClock, type StepSpec } from '../../src/index.js'

interface Probe {
  active: number
  cpu: number
  peakActive: number
  peakCpu: number
  starts: string[]
  runs: Map<string, number>
}

function probe(): Probe {
  return { active: 0, cpu: 0, peakActive: 0, peakCpu: 0, starts: [], runs: new Map() }
}

/** Independent steps `${prefix}${i}` that each hold `cpu` while sleeping `ms` on the engine's clock. */
function wide(id: string, prefix: string, count: number, p: Probe, demand: (i: number) => { cpu: number; ms: number }) {
  const steps: StepSpec[] = []
  for (let i = 0; i < count; i++) {
    const { cpu, ms } = demand(i)
    const name = `${prefix}${i}`
    steps.push({
      id: name,
      output: Type.Number(),
      ...(cpu > 0 ? { resources: { cpu } } : {}),
      run: async ({ sleep }: { sleep: (ms: number) => Promise<void> }) => {
        p.starts.push(name)
        p.runs.set(name, (p.runs.get(name) ?? 0) + 1)
        p.active++
        p.cpu += cpu
        p.peakActive = Math.max(p.peakActive, p.active)
        p.peakCpu = Math.max(p.peakCpu, p.cpu)
        await sleep(ms)
        p.active--
        p.cpu -= cpu
        return i
      },
    })
  }
  return defineWorkflow({ id, steps })
}

describe('capacity shared across the runs of an engine', () => {
  it('serves runs round-robin: a small run started after a huge one is not stuck behind it', async () => {
    const p = probe()
    const engine = createEngine({ clock: new SimulatedClock(), globalConcurrency: 2 })
    const huge = wide('huge', 'h', 200, p, () => ({ cpu: 0, ms: 10 }))
    const small = wide('small', 's', 3, p, () => ({ cpu: 0, ms: 10 }))
    const a = engine.start(huge)
    const b = engine.start(small)
    let hugeDoneWhenSmallEnded = -1
    void b.result.then(() => (hugeDoneWhenSmallEnded = p.starts.filter((s) => s.startsWith('h')).length))
    const [ra, rb] = await Promise.all([a.result, b.result])
    expect(ra.status).toBe('succeeded')
    expect(rb.status).toBe('succeeded')
    expect(p.peakActive).toBe(2)
    // Alternating service: the small run's 3 steps start within its first 3 turns.
    expect(p.starts.indexOf('s2')).toBeLessThan(8)
    expect(hugeDoneWhenSmallEnded).toBeLessThan(10)
  })

  it('never exceeds the global concurrency or a pool across runs; every step runs once; no deadlock (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.record({ cpu: fc.integer({ min: 0, max: 4 }), ms: fc.integer({ min: 1, max: 20 }) }), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 5 }),
        async (runs, global) => {
          const p = probe()
          const store = memoryStore()
          const engine = createEngine({ store, clock: new SimulatedClock(), globalConcurrency: global, pools: { cpu: 4 } })
          const handles = runs.map((demands, r) => engine.start(wide(`w${r}`, `r${r}-`, demands.length, p, (i) => demands[i]!), undefined, { runId: `run-${r}` }))
          const results = await Promise.all(handles.map((h) => h.result))
          for (const result of results) expect(result.status).toBe('succeeded')
          expect(p.peakActive).toBeLessThanOrEqual(global)
          expect(p.peakCpu).toBeLessThanOrEqual(4)
          expect([...p.runs.values()].every((n) => n === 1)).toBe(true)
          expect(p.runs.size).toBe(runs.reduce((n, d) => n + d.length, 0))
          // Each run's journal replays on its own, whatever the other runs did.
          for (let r = 0; r < runs.length; r++) {
            const wf = wide(`w${r}`, `r${r}-`, runs[r]!.length, probe(), (i) => runs[r]![i]!)
            await expect(engine.replay(`run-${r}`, wf)).resolves.toBeDefined()
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('a large step is not starved by a stream of small ones from other runs', async () => {
    const p = probe()
    const engine = createEngine({ clock: new SimulatedClock(), pools: { cpu: 4 } })
    const small = wide('small', 's', 300, p, (i) => ({ cpu: 1, ms: 5 + (i % 3) }))
    const big = wide('big', 'b', 1, p, () => ({ cpu: 4, ms: 5 }))
    const a = engine.start(small)
    const b = engine.start(big)
    await Promise.all([a.result, b.result])
    expect(p.peakCpu).toBeLessThanOrEqual(4)
    // Without the starvation bound the big step would wait for all 300 small ones.
    expect(p.starts.indexOf('b0')).toBeLessThan(30)
  })

  it('per-key limits are shared across runs', async () => {
    let running = 0
    let peak = 0
    const keyed = (id: string) =>
      defineWorkflow({
        id,
        steps: Array.from({ length: 6 }, (_, i) => ({
          id: `k${i}`,
          concurrencyKey: 'db',
          output: Type.Null(),
          run: async ({ sleep }: { sleep: (ms: number) => Promise<void> }) => {
            peak = Math.max(peak, ++running)
            await sleep(3)
            running--
            return null
          },
        })),
      })
    const engine = createEngine({ clock: new SimulatedClock(), limits: { db: 2 } })
    await Promise.all([engine.run(keyed('x')), engine.run(keyed('y')), engine.run(keyed('z'))])
    expect(peak).toBe(2)
  })
})
