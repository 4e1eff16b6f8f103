import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import {
  createEngine,
  createExecTemplate,
  dataProblems,
  ExecNotAllowedError,
  memoryStore,
  parseUntrustedJson,
  UntrustedDataError,
  useStep,
  workflow,
  type JournalEvent,
} from '../../src/index.js'

function pollutionFree(): void {
  expect(Object.keys(Object.prototype)).toEqual([])
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
}

describe('untrusted data', () => {
  it('accepts any JSON value within the limits (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const clean = JSON.parse(JSON.stringify(value).replace(/"(__proto__|constructor|prototype)":/g, '"k":')) as unknown
        expect(dataProblems(clean)).toEqual([])
        expect(parseUntrustedJson(JSON.stringify(clean), 'test')).toEqual(clean)
      }),
    )
  })

  it('refuses prototype-polluting keys anywhere, naming every pointer, and never pollutes (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.nat(), (base, key, pick) => {
        // `nested` is written after `a`, so the last `"x":` is its key (`base` may hold one too).
        const json = JSON.stringify({ a: base, nested: [{ [key === '__proto__' ? 'x' : key]: 1 }] })
        const at = json.lastIndexOf('"x":')
        const text = key === '__proto__' ? `${json.slice(0, at)}"__proto__":${json.slice(at + 4)}` : json
        const wanted = key === '__proto__' ? '/nested/0/__proto__' : `/nested/0/${key}`
        let error: unknown
        try {
          parseUntrustedJson(text, `case ${pick}`)
        } catch (e) {
          error = e
        }
        expect(error).toBeInstanceOf(UntrustedDataError)
        expect((error as UntrustedDataError).data.problems.map((p) => p.path)).toContain(wanted)
        pollutionFree()
      }),
    )
  })

  it('reports every problem at once: depth, size, non-JSON values, cycles', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    const problems = dataProblems({ deep: [[[[1]]]], fn: () => 1, big: 10n, when: new Date(0), nan: NaN, cyclic }, { maxDepth: 3 })
    expect(problems.map((p) => p.path).sort()).toEqual(['/big', '/cyclic/self', '/deep/0/0', '/fn', '/nan', '/when'].sort())
    expect(dataProblems('x'.repeat(2000), { maxBytes: 1000 })[0]?.message).toMatch(/more than the limit of 1000/)
    expect(() => parseUntrustedJson('['.repeat(100_000), 'deep')).toThrow(/nesting deeper/)
    expect(() => parseUntrustedJson('{"a":', 'broken')).toThrow(UntrustedDataError)
  })

  it('accepts a value shared by two members (only a value inside itself is a cycle), and text within its exact byte limit', () => {
    const shared = { n: 1 }
    expect(dataProblems({ a: shared, b: [shared, { c: shared }] })).toEqual([])
    const loop: unknown[] = []
    loop.push([loop])
    expect(dataProblems({ loop }).map((p) => p.path)).toEqual(['/loop/0/0'])
    // 40,001 bytes of small numbers: exactly measured as text, not estimated at 8 bytes a number.
    const text = `[${Array.from({ length: 20_000 }, () => '0').join(',')}]`
    expect(parseUntrustedJson(text, 'numbers', { maxBytes: text.length })).toHaveLength(20_000)
  })

  it('signal payloads are checked before anything is journaled', async () => {
    const store = memoryStore()
    const engine = createEngine({ store, signalLimits: { maxBytes: 256 } })
    const wf = workflow('gated', { version: '1' })
      .gate('approval', { signal: 'approve', payload: Type.Unknown() })
      .build()
    const run = engine.start(wf, undefined, { runId: 'g1' })
    for await (const e of run.events) if (e.type === 'step.started') break
    const refused = [JSON.parse('{"__proto__": {"polluted": true}}') as unknown, { big: 'x'.repeat(1000) }, { fn: () => 1 }]
    for (const payload of refused) await expect(engine.signal('g1', 'approve', payload)).rejects.toBeInstanceOf(UntrustedDataError)
    const journal: JournalEvent[] = []
    for await (const e of store.read('g1')) journal.push(e)
    expect(journal.some((e) => e.type === 'signal.received')).toBe(false)
    await engine.signal('g1', 'approve', { ok: true })
    expect((await run.result).status).toBe('succeeded')
    pollutionFree()
  })
})

describe('exec allowlist', () => {
  it('runs only listed programs; others fail at once with ExecNotAllowedError, not retried', async () => {
    const exec = createExecTemplate({ allow: [process.execPath] })
    const wf = workflow('exec-allow', { version: '1' })
      .step('ok', useStep(exec, { command: process.execPath, args: ['-e', 'process.stdout.write("hi")'] }))
      .step('refused', { retry: { attempts: 3, backoff: 'constant', base: 1 }, ...useStep(exec, { command: 'sh', args: ['-c', 'touch /tmp/weft-should-not-exist'] }) })
      .build()
    const result = await createEngine().run(wf, undefined, { failurePolicy: 'continue' })
    expect(result.steps.ok).toMatchObject({ status: 'succeeded', output: { stdout: 'hi' } })
    expect(result.steps.refused).toMatchObject({ status: 'failed', attempts: 1, error: { code: ExecNotAllowedError.code, data: { command: 'sh', stepId: 'refused' } } })
  })

  it('exec acts on the world: a dry run does not start the program', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'weft-dry-')), 'ran')
    const wf = workflow('exec-dry', { version: '1' })
      .step('touch', useStep(createExecTemplate(), { command: process.execPath, args: ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`] }))
      .build()
    const dry = await createEngine().run(wf, undefined, { dryRun: true })
    expect(dry.steps.touch).toMatchObject({ status: 'succeeded', simulated: true })
    expect(existsSync(marker)).toBe(false)
    await createEngine().run(wf)
    expect(existsSync(marker)).toBe(true)
  })
})
