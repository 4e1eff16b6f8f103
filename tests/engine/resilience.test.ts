import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { consecutiveBreaker, createEngine, memoryStore, SimulatedClock, workflow, type WeftEvent } from '../../src/index.js'
import { readAll } from './crash-store.js'

describe('per-step policies in the engine', () => {
  it('a breaker shared by key opens across runs, fails fast while open, and reports transitions', async () => {
    const clock = new SimulatedClock()
    const engine = createEngine({ clock })
    const transitions: string[] = []
    engine.on('breaker.opened', (e) => transitions.push(`${e.type} ${e.key}`))
    engine.on('breaker.half-open', (e) => transitions.push(`${e.type} ${e.key}`))
    engine.on('breaker.closed', (e) => transitions.push(`${e.type} ${e.key}`))
    let calls = 0
    let healthy = false
    const wf = workflow('payments')
      .step('charge', {
        output: Type.Number(),
        breaker: { key: 'psp', halfOpenAfter: '10s', breaker: consecutiveBreaker(2) },
        run: () => {
          calls++
          if (!healthy) throw new Error('psp down')
          return 1
        },
      })
      .build()
    expect((await engine.run(wf)).status).toBe('failed')
    expect((await engine.run(wf)).status).toBe('failed')
    expect(calls).toBe(2)
    const fast = await engine.run(wf)
    expect(fast.steps.charge).toMatchObject({ status: 'failed', error: { code: 'WEFT_CIRCUIT_OPEN' } })
    expect(calls).toBe(2) // not called while open
    healthy = true
    await clock.sleep(10_000)
    expect((await engine.run(wf)).status).toBe('succeeded') // the probe
    expect(calls).toBe(3)
    expect(transitions).toEqual(['breaker.opened psp', 'breaker.half-open psp', 'breaker.closed psp'])
  })

  it('a bulkhead bounds concurrent attempts across runs; a rate limit makes attempts wait', async () => {
    const clock = new SimulatedClock()
    const engine = createEngine({ clock })
    let running = 0
    let peak = 0
    const starts: number[] = []
    const wf = workflow('limited')
      .step('work', {
        output: Type.Number(),
        bulkhead: { key: 'db', limit: 2, queue: 10 },
        rateLimit: { key: 'api', tokens: 2, per: '1s' },
        run: async ({ sleep, now }) => {
          starts.push(now())
          running++
          peak = Math.max(peak, running)
          await sleep(100)
          running--
          return 1
        },
      })
      .build()
    const results = await Promise.all(Array.from({ length: 6 }, () => engine.run(wf)))
    expect(results.every((r) => r.status === 'succeeded')).toBe(true)
    expect(peak).toBe(2)
    // 2 tokens per second: the 6 attempts start over about 2 seconds, never more than 2 in a window of 1 s.
    for (const t of starts) expect(starts.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(2 + 1)
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(1000)
  })

  it('a fallback replaces a final failure, is checked against the contract, and is journaled', async () => {
    const store = memoryStore()
    const wf = workflow('fb')
      .step('price', { output: Type.Object({ cents: Type.Integer() }), retry: { attempts: 2, backoff: 'constant', base: 1 }, fallback: { value: { cents: 999 } }, run: () => { throw new Error('pricing down') } })
      .step('bad', { output: Type.Integer(), fallback: { value: 'nope' as never }, run: () => { throw new Error('x') } })
      .build()
    const engine = createEngine({ store, clock: new SimulatedClock(), failurePolicy: 'continue' })
    const result = await engine.run(wf, undefined, { runId: 'fb' })
    expect(result.steps.price).toMatchObject({ status: 'succeeded', output: { cents: 999 }, fallback: true, attempts: 2 })
    expect(result.steps.bad).toMatchObject({ status: 'failed', error: { code: 'WEFT_CONTRACT_VIOLATION' } })
    expect((await readAll(store, 'fb')).find((e) => e.type === 'step.succeeded' && e.stepId === 'price')).toMatchObject({ fallback: true })
    await expect(engine.replay('fb', wf)).resolves.toMatchObject({ segments: 1 })
  })

  it('self-healing: clears a cache then retries; marks degraded and skips; every action journaled and in the result', async () => {
    const store = memoryStore()
    const actions: string[] = []
    let cacheStale = true
    const wf = workflow('heal')
      .step('read', {
        output: Type.String(),
        heal: [{ name: 'clear-cache', when: (e: unknown) => (e as Error).message === 'stale cache', do: () => void ((cacheStale = false), actions.push('cleared')), then: 'retry' }],
        run: () => {
          if (cacheStale) throw new Error('stale cache')
          return 'fresh'
        },
      })
      .step('report', {
        output: Type.String(),
        heal: [{ name: 'degrade', when: () => true, do: () => void actions.push('degraded'), then: 'skip' }],
        run: () => { throw new Error('report service down') },
      })
      .step('after-report', { needs: ['report'], output: Type.String(), run: () => 'x' })
      .build()
    const engine = createEngine({ store })
    const result = await engine.run(wf, undefined, { runId: 'h' })
    expect(result.status).toBe('succeeded')
    expect([...actions].sort()).toEqual(['cleared', 'degraded'])
    expect(result.steps.read).toMatchObject({ status: 'succeeded', output: 'fresh', attempts: 2, healed: [{ rule: 0, then: 'retry' }] })
    expect(result.steps.report).toMatchObject({ status: 'skipped', reason: 'remedy', healed: [{ rule: 0, then: 'skip' }] })
    expect(result.steps['after-report']).toMatchObject({ status: 'skipped', reason: 'dependency-skipped' })
    const healed = (await readAll(store, 'h')).filter((e): e is Extract<WeftEvent, { type: 'step.healed' }> => e.type === 'step.healed')
    expect(healed.map((e) => [e.stepId, e.name, e.then, e.error.message]).sort()).toEqual([
      ['read', 'clear-cache', 'retry', 'stale cache'],
      ['report', 'degrade', 'skip', 'report service down'],
    ])
    cacheStale = true
    actions.length = 0
    await expect(engine.replay('h', wf)).resolves.toMatchObject({ segments: 1 })
    expect(actions).toEqual([]) // replay runs no remedy action
  })

  it('a remedy that keeps failing stops after a bounded number of heals', async () => {
    let heals = 0
    const wf = workflow('loop')
      .step('s', { output: Type.Number(), heal: [{ when: () => true, do: () => void heals++, then: 'retry' }], run: () => { throw new Error('always') } })
      .build()
    const result = await createEngine().run(wf)
    expect(result.steps.s).toMatchObject({ status: 'failed', attempts: 4 })
    expect(heals).toBe(3)
  })
})
