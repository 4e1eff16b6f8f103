import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Type from 'typebox'
import { afterAll, describe, expect, it } from 'vitest'
import { ContractViolation, createEngine, InvalidArgumentError, SimulatedClock, WorkflowDefinitionError } from '../../src/index.js'
import { isLoaderProblem, loaderProblemsOf, loadWorkflow, loadWorkflowFile, type LoaderProblem, type LoadWorkflowOptions } from '../../src/loader/index.js'
import { builtinTemplates, defineStep, templateRegistry } from '../../src/templates/index.js'

const fixtures = fileURLToPath(new URL('../fixtures/workflows/', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'weft-loader-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
const registry = builtinTemplates()

/** The problems of a source that must not load. */
function problemsOf(source: string | object, options: Partial<LoadWorkflowOptions> = {}): LoaderProblem[] {
  try {
    loadWorkflow(source, { registry, ...options })
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowDefinitionError)
    return [...loaderProblemsOf(error as WorkflowDefinitionError)]
  }
  throw new Error('loaded without problems')
}

describe('loading a valid file', () => {
  it('maps every field of the format onto the workflow', async () => {
    const wf = await loadWorkflowFile(join(fixtures, 'valid/release.yaml'), { registry })
    expect(wf).toMatchObject({ id: 'release', version: '3' })
    expect(wf.steps.map((s) => s.id)).toEqual(['build', 'test', 'publish', 'announce'])
    const [build, test, publish, announce] = wf.steps
    expect(build).toMatchObject({ estimate: 600_000, priority: 2, resources: { cpu: 2 }, description: 'compile everything', meta: { uses: 'simulate' } })
    expect(test).toMatchObject({ needs: ['build'], retry: { attempts: 3, backoff: 'exponential', base: '1s', max: '1m' }, timeout: 3_600_000, concurrencyKey: 'tests' })
    expect(publish!.compensate).toBeTypeOf('function')
    expect(publish!.compensateRetry).toEqual({ attempts: 2 })
    expect(publish!.when).toBeTypeOf('function')
    expect(announce!.needs).toEqual(['publish', 'test'])
    expect(test!.output).toBe(registry.get('simulate')!.output)

    const engine = createEngine({ clock: new SimulatedClock() })
    const result = await engine.run(wf, { tag: 'v1.0.0' })
    expect(result.status).toBe('succeeded')
    expect(result.steps.publish!.status).toBe('succeeded')
    expect(result.steps.announce!.status).toBe('succeeded')
    expect(result.endedAt - result.startedAt).toBe(30 * 60_000)
    // The input is checked against the file's JSON Schema.
    await expect(engine.run(wf, { tag: '' })).rejects.toBeInstanceOf(ContractViolation)
  })

  it('gives JSON, YAML and object sources of one definition the same fingerprint', () => {
    const data = { id: 'same', steps: [{ id: 'a', uses: 'noop' }, { id: 'b', needs: ['a'], uses: 'sleep', with: { duration: '1m' }, retry: { attempts: 2 } }] }
    const fromObject = loadWorkflow(data, { registry })
    const fromJson = loadWorkflow(JSON.stringify(data), { registry })
    const fromYaml = loadWorkflow('id: same\nsteps:\n  - { id: a, uses: noop }\n  - id: b\n    needs: [a]\n    uses: sleep\n    with: { duration: 1m }\n    retry: { attempts: 2 }\n', { registry })
    const fromBytes = loadWorkflow(new TextEncoder().encode(JSON.stringify(data)), { registry })
    expect(new Set([fromObject, fromJson, fromYaml, fromBytes].map((w) => w.fingerprint)).size).toBe(1)
  })

  it('chooses the format from `format`, then the file extension, then the first character', () => {
    const yaml = 'id: y\nsteps: [{ id: a, uses: noop }]'
    expect(loadWorkflow(yaml, { registry }).id).toBe('y')
    expect(loadWorkflow(yaml, { registry, file: 'x.yml' }).id).toBe('y')
    expect(problemsOf(yaml, { file: 'x.json' })[0]).toMatchObject({ kind: 'syntax', line: 1, column: 1 })
    expect(loadWorkflow('{"id": "j", "steps": [{"id": "a", "uses": "noop"}]}', { registry, format: 'yaml' }).id).toBe('j')
  })

  it('expands YAML anchors and aliases', () => {
    const wf = loadWorkflow('id: anchors\nsteps:\n  - { id: a, uses: noop, retry: &r { attempts: 3 } }\n  - { id: b, uses: noop, retry: *r }\n', { registry })
    expect(wf.steps.map((s) => s.retry)).toEqual([{ attempts: 3 }, { attempts: 3 }])
  })

  it('copies and freezes what it reads: later changes to an object source do not reach the workflow', () => {
    const data = { id: 'frozen', input: { type: 'object' }, steps: [{ id: 'a', uses: 'sleep', with: { duration: '1s' } }] }
    const wf = loadWorkflow(data, { registry })
    data.input.type = 'string'
    expect(wf.input).toEqual({ type: 'object' })
    expect(Object.isFrozen(wf.input)).toBe(true)
  })
})

describe('conditions', () => {
  const probe = defineStep({ with: Type.Object({}), output: Type.Unknown(), run: () => ({ ok: true, n: 3, tags: ['a', 'b'], 'a/b': { c: null }, deep: { x: [1, { y: 2 }] } }) })
  const conditions: [string, unknown, boolean][] = [
    ['equals (scalar)', { step: 'probe', path: '/ok', equals: true }, true],
    ['equals (deep)', { step: 'probe', path: '/deep', equals: { x: [1, { y: 2 }] } }, true],
    ['equals (whole output, default path)', { step: 'probe', equals: { ok: true } }, false],
    ['equals (missing path)', { step: 'probe', path: '/nope', equals: null }, false],
    ['equals (escaped pointer)', { step: 'probe', path: '/a~1b/c', equals: null }, true],
    ['equals (array index)', { step: 'probe', path: '/tags/1', equals: 'b' }, true],
    ['notEquals', { step: 'probe', path: '/n', notEquals: 3 }, false],
    ['notEquals (missing path)', { step: 'probe', path: '/nope', notEquals: 3 }, true],
    ['in', { step: 'probe', path: '/n', in: [1, 2, 3] }, true],
    ['in (no match)', { step: 'probe', path: '/n', in: ['3'] }, false],
    ['exists', { step: 'probe', path: '/deep/x/1/y', exists: true }, true],
    ['exists: false', { step: 'probe', path: '/tags/2', exists: false }, true],
    ['prototype keys are not there', { step: 'probe', path: '/constructor', exists: true }, false],
    ['not', { not: { step: 'probe', path: '/ok', equals: true } }, false],
    ['all', { all: [{ step: 'probe', path: '/ok', equals: true }, { step: 'probe', path: '/n', in: [3] }] }, true],
    ['all (one false)', { all: [{ step: 'probe', path: '/ok', equals: true }, { step: 'probe', path: '/n', equals: 4 }] }, false],
    ['any', { any: [{ step: 'probe', path: '/ok', equals: false }, { step: 'probe', path: '/n', equals: 3 }] }, true],
  ]
  it.each(conditions)('%s', async (_name, when, runs) => {
    const wf = loadWorkflow({ id: 'cond', steps: [{ id: 'probe', uses: 'probe' }, { id: 'gated', needs: ['probe'], uses: 'noop', when }] }, { registry: templateRegistry(registry).register('probe', probe) })
    const result = await createEngine({ clock: new SimulatedClock() }).run(wf)
    expect(result.steps.gated!.status).toBe(runs ? 'succeeded' : 'skipped')
  })
})

describe('compensation in files', () => {
  it('runs the compensating template, with its `with` and retry policy, when the run fails later', async () => {
    const undone: string[] = []
    let flaky = 1
    const templates = templateRegistry(registry)
      .register('undo', defineStep({
        with: Type.Object({ what: Type.String() }, { additionalProperties: false }),
        output: Type.Null(),
        run: (ctx, { what }) => {
          if (flaky-- > 0) throw new Error('undo failed once')
          undone.push(`${ctx.stepId}:${what}`)
          return null
        },
      }))
      .register('fail', defineStep({ with: Type.Object({}), output: Type.Null(), run: () => { throw new Error('boom') } }))
    const wf = loadWorkflow(
      'id: saga\nsteps:\n  - id: reserve\n    uses: noop\n    compensate: { uses: undo, with: { what: reservation }, retry: { attempts: 2, backoff: constant, base: 1s } }\n  - id: pay\n    needs: [reserve]\n    uses: fail\n',
      { registry: templates },
    )
    const result = await createEngine({ clock: new SimulatedClock() }).run(wf)
    expect(result.status).toBe('compensated')
    expect(undone).toEqual(['reserve:reservation'])
    expect(result.steps.reserve).toMatchObject({ status: 'succeeded', compensation: 'compensated' })
  })
})

describe('problems', () => {
  it('are LoaderProblems with kind, pointer, step id, line and column', () => {
    const [p] = problemsOf('id: w\nsteps:\n  - id: a\n    uses: noop\n    priorty: 1\n')
    expect(p).toEqual({ path: '/steps/0/priorty', code: 'invalid-option', kind: 'unknown-key', stepId: 'a', message: 'unknown key "priorty" (did you mean "priority"?)', line: 5, column: 5 })
    expect(isLoaderProblem(p!)).toBe(true)
  })

  it('are all reported at once, schema and definition problems together', () => {
    const problems = problemsOf({ id: 'w', steps: [{ id: 'a', uses: 'nope' }, { id: 'b', needs: ['ghost'], uses: 'noop', estimate: 'soon' }] })
    expect(problems.map((p) => `${p.kind} ${p.path}`).sort()).toEqual(['definition /steps/1/needs/0', 'schema /steps/1/estimate', 'unknown-template /steps/0/uses'])
  })

  it('report a template whose `defaults` throws', () => {
    const bad = defineStep({ with: Type.Object({}), output: Type.Null(), run: () => null, defaults: () => { throw new Error('no defaults today') } })
    const problems = problemsOf({ id: 'w', steps: [{ id: 'a', uses: 'bad' }] }, { registry: templateRegistry({ bad }) })
    expect(problems).toMatchObject([{ kind: 'invalid-with', path: '/steps/0/with', message: 'the defaults of template "anonymous" failed: no defaults today' }])
  })

  it('say when the registry is empty', () => {
    expect(problemsOf({ id: 'w', steps: [{ id: 'a', uses: 'noop' }] }, { registry: templateRegistry() })[0]!.message).toBe('unknown template "noop" (the registry is empty)')
  })

  it('name the file in the error', async () => {
    const file = join(scratch, 'bad.yaml')
    writeFileSync(file, 'steps: []\n')
    await expect(loadWorkflowFile(file, { registry })).rejects.toThrow(`workflow "${file}" has 2 problems`)
  })
})

describe('hardening', () => {
  it('reports ids that are objects with a toString that is not a function, without calling it', () => {
    // Found by tests/loader/fuzz.test.ts: String() on such an id threw a TypeError past the loader.
    const odd = { '': null, toString: {} }
    for (const source of [
      JSON.stringify({ id: odd, steps: [{ id: 'a', uses: 'noop' }] }),
      JSON.stringify({ id: 'w', steps: [{ id: odd, uses: 'noop' }] }),
      JSON.stringify({ id: 'w', steps: [{ id: odd, uses: 'sleep', with: { duration: '1s' } }] }),
    ]) {
      const problems = problemsOf(source)
      expect(problems.length).toBeGreaterThan(0)
      expect(problems.every((p) => p.message.length > 0)).toBe(true)
    }
    expect(problemsOf(JSON.stringify({ id: odd, steps: [{ id: 'a', uses: 'noop' }] })).map((p) => p.path)).toContain('/id')
  })

  it('refuses sources larger than maxBytes (files before reading them)', async () => {
    const text = JSON.stringify({ id: 'big', description: 'x'.repeat(2000), steps: [{ id: 'a', uses: 'noop' }] })
    expect(problemsOf(text, { limits: { maxBytes: 1000 } })).toMatchObject([{ kind: 'too-large', message: `the source is ${text.length} bytes, more than the limit of 1000` }])
    expect(problemsOf(new TextEncoder().encode(text), { limits: { maxBytes: 1000 } })[0]!.kind).toBe('too-large')
    expect(problemsOf(JSON.parse(text), { limits: { maxBytes: 1000 } })[0]!.kind).toBe('too-large')
    const file = join(scratch, 'big.json')
    writeFileSync(file, text)
    await expect(loadWorkflowFile(file, { registry, limits: { maxBytes: 1000 } })).rejects.toThrow(/more than the limit of 1000/)
    expect(loadWorkflow(text, { registry }).id).toBe('big')
  })

  it('refuses nesting deeper than maxDepth, in every format, without deep recursion', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`
    const json = `{"id": "d", "steps": [{"id": "a", "uses": "noop", "with": {"x": ${deep(100_000)}}}]}`
    expect(problemsOf(json, { limits: { maxBytes: 10_000_000 } })).toMatchObject([{ kind: 'too-deep' }])
    expect(problemsOf(json, { format: 'yaml', limits: { maxBytes: 10_000_000 } })).toMatchObject([{ kind: 'too-deep' }])
    expect(problemsOf(`id: d\nsteps:\n  - ${'- '.repeat(100_000)}x\n`, { limits: { maxBytes: 10_000_000 } })).toMatchObject([{ kind: 'too-deep' }])
    let nested: unknown = 0
    for (let i = 0; i < 100_000; i++) nested = [nested]
    expect(problemsOf({ id: 'd', steps: [{ id: 'a', uses: 'noop', with: { x: nested } }] })).toMatchObject([{ kind: 'too-deep' }])
    expect(problemsOf(`{"id": "d", "steps": [{"id": "a", "uses": "noop", "with": {"x": ${deep(5)}}}]}`, { limits: { maxDepth: 6 } })).toMatchObject([{ kind: 'too-deep', line: 1 }])
  })

  it('rejects __proto__, constructor and prototype keys anywhere, and never pollutes Object.prototype', () => {
    const sources = [
      readFileSync(join(fixtures, 'invalid/forbidden-keys.json'), 'utf8'),
      'id: p\n__proto__: { polluted: true }\nsteps: [{ id: a, uses: noop, with: { constructor: { prototype: { polluted: true } } } }]\n',
      JSON.parse('{"id": "p", "steps": [{"id": "a", "uses": "noop", "__proto__": {"polluted": true}}]}'),
    ]
    for (const source of sources) {
      const problems = problemsOf(source)
      expect(problems.some((p) => p.kind === 'forbidden-key')).toBe(true)
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
      expect(Object.keys(Object.prototype)).toEqual([])
    }
  })

  it('refuses object sources that are not JSON data', () => {
    const cyclic: Record<string, unknown> = { id: 'c', steps: [] }
    ;(cyclic.steps as unknown[]).push({ id: 'a', uses: 'noop', with: { self: cyclic } })
    expect(problemsOf(cyclic)).toMatchObject([{ kind: 'not-json', path: '/steps/0/with/self' }])
    expect(problemsOf({ id: 'f', steps: [{ id: 'a', uses: 'noop', run: () => 1 }] })).toMatchObject([{ kind: 'not-json', path: '/steps/0/run' }])
    expect(problemsOf({ id: 'd', steps: [{ id: 'a', uses: 'noop', with: { when: new Date(0) } }] })).toMatchObject([{ kind: 'not-json', message: 'a Date object is not JSON data' }])
    expect(problemsOf({ id: 'n', steps: [{ id: 'a', uses: 'noop', priority: Number.NaN }] })).toMatchObject([{ kind: 'not-json' }])
    const hostile = { id: 'h', get steps(): never { throw new Error('gotcha') } }
    expect(problemsOf(hostile)).toMatchObject([{ kind: 'not-json', message: 'the source could not be read: gotcha' }])
  })

  it('bounds alias expansion (billion laughs)', () => {
    expect(problemsOf(readFileSync(join(fixtures, 'invalid/alias-bomb.yaml'), 'utf8'))).toMatchObject([{ kind: 'too-large' }])
  })

  it('throws InvalidArgumentError for invalid options', () => {
    expect(() => loadWorkflow('{}', {} as LoadWorkflowOptions)).toThrow(InvalidArgumentError)
    expect(() => loadWorkflow('{}', { registry, format: 'toml' as 'json' })).toThrow("Expected `format` to be 'json' or 'yaml', got `\"toml\" (string)`")
    expect(() => loadWorkflow('{}', { registry, limits: { maxDepth: 0 } })).toThrow('Expected `limits.maxDepth` to be an integer from 1 and up, got `0 (number)`')
  })

  it('lets the file system error through when the file cannot be read', async () => {
    await expect(loadWorkflowFile(join(scratch, 'missing.yaml'), { registry })).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
