import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { createEngine, memoryStore, SimulatedClock, StepTimeoutError, workflow, type JournalEvent } from '../../src/index.js'
import { readAll } from './crash-store.js'

describe('retries', () => {
  it('a flaky step completes after retries, visible in events and journal, and the journal replays', async () => {
    const store = memoryStore()
    const clock = new SimulatedClock()
    let calls = 0
    const wf = workflow('flaky')
      .step('call', {
        output: Type.Number(),
        retry: { attempts: 5, backoff: 'exponential', base: '1s', max: '1m' },
        run: ({ attempt }) => {
          calls++
          if (attempt < 3) throw new Error(`boom ${attempt}`)
          return attempt
        },
      })
      .build()
    const engine = createEngine({ store, clock })
    const failures: string[] = []
    engine.on('step.failed', (e) => failures.push(`${e.attempt}:${e.willRetry}:${e.delayMs}`))
    const result = await engine.run(wf, undefined, { runId: 'f' })
    expect(result).toMatchObject({ status: 'succeeded', output: { call: 3 } })
    expect(result.steps.call!.attempts).toBe(3)
    expect(calls).toBe(3)
    expect(failures).toEqual(['1:true:1000', '2:true:2000'])
    const journal = await readAll(store, 'f')
    expect(journal.map((e) => e.type)).toEqual(['run.started', 'step.started', 'step.failed', 'step.started', 'step.failed', 'step.started', 'step.succeeded', 'run.succeeded'])
    // The retries waited on the engine clock: 1 s then 2 s.
    expect(journal.at(-1)!.at - journal[0]!.at).toBe(3000)
    await expect(engine.replay('f', wf)).resolves.toMatchObject({ segments: 1 })
  })

  it('stops after the last attempt and never retries contract violations', async () => {
    let calls = 0
    const wf = workflow('no-more')
      .step('always', { output: Type.Number(), retry: { attempts: 3, backoff: 'constant', base: 10 }, run: () => { calls++; throw new Error('nope') } })
      .build()
    const result = await createEngine({ clock: new SimulatedClock() }).run(wf)
    expect(result.status).toBe('failed')
    expect(result.steps.always).toMatchObject({ status: 'failed', attempts: 3, error: { message: 'nope' } })
    expect(calls).toBe(3)
    let bad = 0
    const wf2 = workflow('bad-output')
      .step('s', { output: Type.Number(), retry: { attempts: 5 }, run: () => ((bad++, 'x') as never) })
      .build()
    const r2 = await createEngine({ clock: new SimulatedClock() }).run(wf2)
    expect(r2.steps.s).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'WEFT_CONTRACT_VIOLATION' } })
    expect(bad).toBe(1)
  })

  it('decorrelated jitter is seeded: same seed, same delays; within [base, max]', async () => {
    const delaysFor = async (seed: number) => {
      const store = memoryStore()
      const wf = workflow('jitter')
        .step('s', { output: Type.Number(), retry: { attempts: 6, backoff: 'decorrelated-jitter', base: 100, max: 5000 }, run: ({ attempt }) => { if (attempt < 6) throw new Error('x'); return 1 } })
        .build()
      await createEngine({ store, clock: new SimulatedClock() }).run(wf, undefined, { runId: 'j', seed })
      return (await readAll(store, 'j')).filter((e): e is Extract<JournalEvent, { type: 'step.failed' }> => e.type === 'step.failed').map((e) => e.delayMs!)
    }
    const a = await delaysFor(7)
    expect(await delaysFor(7)).toEqual(a)
    expect(await delaysFor(8)).not.toEqual(a)
    for (const d of a) {
      expect(d).toBeGreaterThanOrEqual(100)
      expect(d).toBeLessThanOrEqual(5000)
    }
  })

  it('cancelling during a backoff ends the run and starts no new attempt', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    let calls = 0
    const wf = workflow('backoff-cancel').step('s', { output: Type.Number(), retry: { attempts: 3, backoff: 'constant', base: 1000 }, run: () => { calls++; throw new Error('x') } }).build()
    const run = createEngine({ clock }).start(wf)
    await new Promise((r) => setImmediate(r))
    await new Promise((r) => setImmediate(r))
    run.cancel('stop')
    await clock.advance(10_000)
    const result = await run.result
    expect(result.status).toBe('cancelled')
    expect(calls).toBe(1)
  })
})

describe('timeouts', () => {
  it('a body that never settles fails with StepTimeoutError; its signal aborts; the run continues per policy', async () => {
    const clock = new SimulatedClock()
    let seen: unknown
    const unhandled: unknown[] = []
    const onUnhandled = (e: unknown) => unhandled.push(e)
    process.on('unhandledRejection', onUnhandled)
    let release!: (v: number) => void
    const wf = workflow('hang')
      .step('hang', {
        output: Type.Number(),
        timeout: '30s',
        run: ({ signal }) => {
          signal.addEventListener('abort', () => (seen = signal.reason))
          return new Promise<number>((resolve) => (release = resolve))
        },
      })
      .step('other', { output: Type.Number(), run: async ({ sleep }) => (await sleep(60_000), 2) })
      .build()
    const store = memoryStore()
    const result = await createEngine({ clock, store, failurePolicy: 'continue' }).run(wf, undefined, { runId: 't' })
    expect(result.status).toBe('failed')
    expect(result.steps.hang).toMatchObject({ status: 'failed', error: { code: 'WEFT_STEP_TIMEOUT', data: { stepId: 'hang', timeoutMs: 30_000 } } })
    expect(result.steps.other!.status).toBe('succeeded')
    expect(seen).toBeInstanceOf(StepTimeoutError)
    release(5) // late result
    await new Promise((r) => setImmediate(r))
    const journal = await readAll(store, 't')
    expect(journal.some((e) => e.type === 'step.succeeded' && e.stepId === 'hang')).toBe(false)
    process.off('unhandledRejection', onUnhandled)
    expect(unhandled).toEqual([])
  })

  it('a timed-out attempt retries', async () => {
    const clock = new SimulatedClock()
    const wf = workflow('slow-then-fast')
      .step('s', { output: Type.Number(), timeout: 100, retry: { attempts: 2, backoff: 'constant', base: 10 }, run: async ({ attempt, sleep }) => (await sleep(attempt === 1 ? 1000 : 10), attempt) })
      .build()
    const result = await createEngine({ clock }).run(wf)
    expect(result).toMatchObject({ status: 'succeeded', output: { s: 2 } })
  })
})

describe('overall step timeout and workflow defaults', () => {
  it('totalTimeout bounds all attempts and backoffs of a step', async () => {
    const clock = new SimulatedClock()
    let calls = 0
    const wf = workflow('total')
      .step('s', {
        output: Type.Number(),
        retry: { attempts: 100, backoff: 'constant', base: '10s' },
        totalTimeout: '35s',
        run: async ({ sleep }) => {
          calls++
          await sleep(5_000)
          throw new Error('flaky')
        },
      })
      .build()
    const result = await createEngine({ clock }).run(wf)
    expect(result.steps.s).toMatchObject({ status: 'failed' })
    // attempts at 0s, 15s, 30s (the third is cut at 35s by the overall deadline): no more.
    expect(calls).toBe(3)
    expect(result.steps.s!.error).toMatchObject({ code: 'WEFT_STEP_TIMEOUT', data: { timeoutMs: 35_000 } })
  })

  it('workflow defaults apply to steps that set none', async () => {
    let calls = 0
    const wf = workflow('defaults', { defaults: { retry: { attempts: 3, backoff: 'constant', base: 1 }, timeout: '1m' } })
      .step('uses-defaults', { output: Type.Number(), run: ({ attempt }) => { calls++; if (attempt < 3) throw new Error('x'); return attempt } })
      .step('own', { output: Type.Number(), retry: { attempts: 1 }, run: () => { throw new Error('y') } })
      .build()
    expect(wf.steps[0]!.retry).toMatchObject({ attempts: 3 })
    expect(wf.steps[0]!.timeout).toBe(60_000)
    expect(wf.steps[1]!.retry).toMatchObject({ attempts: 1 })
    const result = await createEngine({ clock: new SimulatedClock(), failurePolicy: 'continue' }).run(wf)
    expect(result.steps['uses-defaults']).toMatchObject({ status: 'succeeded', attempts: 3 })
    expect(result.steps.own).toMatchObject({ status: 'failed', attempts: 1 })
    expect(calls).toBe(3)
  })
})
