import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { Compile } from 'typebox/compile'
import { parse } from 'yaml'
import { afterEach, describe, expect, it } from 'vitest'
import { WorkflowDefinitionError } from '../../src/index.js'
import { loaderProblemsOf, loadWorkflow, WorkflowFileSchema, type LoadWorkflowOptions } from '../../src/loader/index.js'
import { schemaIssues } from '../../src/loader/schema-issues.js'
import { builtinTemplates } from '../../src/templates/index.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const texts = {
  release: readFileSync(`${root}tests/fixtures/workflows/valid/release.yaml`, 'utf8'),
  minimal: readFileSync(`${root}tests/fixtures/workflows/valid/minimal.json`, 'utf8'),
  plan: readFileSync(`${root}examples/workstreams/plan.json`, 'utf8'),
}
const bases = [parse(texts.release) as unknown, JSON.parse(texts.minimal) as unknown, JSON.parse(texts.plan) as unknown]
const registry = builtinTemplates()
const check = Compile(WorkflowFileSchema)
/** `WEFT_FUZZ_RUNS=5000 npx vitest run tests/loader/fuzz.test.ts` for a longer hunt. */
const runs = { numRuns: Number(process.env.WEFT_FUZZ_RUNS ?? 300) }

/** Loads `source`; fails the property when anything but a WorkflowDefinitionError escapes or a problem is malformed. */
function load(source: string | object, options: Partial<LoadWorkflowOptions> = {}): 'loaded' | 'rejected' {
  try {
    loadWorkflow(source, { registry, ...options })
    return 'loaded'
  } catch (error) {
    if (!(error instanceof WorkflowDefinitionError)) throw new Error(`escaped: ${String(error)}`, { cause: error })
    expect(error.data.problems.length).toBeGreaterThan(0)
    for (const p of loaderProblemsOf(error)) {
      expect(p.path === '' || p.path.startsWith('/')).toBe(true)
      expect(p.message.length).toBeGreaterThan(0)
      if (p.line !== undefined) expect(p.line >= 1 && p.column! >= 1).toBe(true)
    }
    return 'rejected'
  }
}

afterEach(() => {
  expect(Object.keys(Object.prototype)).toEqual([])
  expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
})

/** Every path (as key lists) of a JSON value. */
function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix)
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out))
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out)
  return out
}

const keys = fc.constantFrom('id', 'needs', 'uses', 'with', 'when', 'estimate', 'retry', 'steps', 'step', 'path', 'equals', 'not', 'all', 'any', 'in', 'exists', 'duration', 'command', 'attempts', 'x', '__proto__', 'constructor', 'prototype', 'toString', '')
const values = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('noop', 'sleep', 'simulate', 'exec', '5h', '-1s', 'WS-01', 'a b', '/ok', '', null, [], {}))

/** A random mutation of a JSON value: replace, delete or add at a random place. */
const mutation = fc.record({ at: fc.nat(), op: fc.constantFrom('replace', 'delete', 'add'), key: keys, value: values })
type Mutation = { at: number; op: 'replace' | 'delete' | 'add'; key: string; value: unknown }

function mutate(base: unknown, mutations: readonly Mutation[]): unknown {
  const doc = structuredClone(base) as { v: unknown }
  const holder = { v: doc }
  for (const m of mutations) {
    const value = structuredClone(m.value) // constants are shared between runs: never alias them
    const paths = pathsOf(holder.v)
    const path = paths[m.at % paths.length]!
    let parent: Record<string | number, unknown> = holder
    let key: string | number = 'v'
    for (const k of path) {
      parent = parent[key] as Record<string | number, unknown>
      key = k
    }
    const target = parent[key]
    if (m.op === 'replace') parent[key] = value
    else if (m.op === 'delete' && path.length > 0) {
      if (Array.isArray(parent)) parent.splice(key as number, 1)
      else delete parent[key]
    } else if (typeof target === 'object' && target !== null) {
      if (Array.isArray(target)) target.push(value)
      else Object.defineProperty(target, m.key, { value, enumerable: true, writable: true, configurable: true })
    }
  }
  return holder.v
}

/** A random edit of a text: insert, delete or replace a few characters. */
const textEdit = fc.record({ at: fc.nat(), del: fc.nat({ max: 4 }), insert: fc.string({ maxLength: 6 }) })
function edit(text: string, edits: readonly { at: number; del: number; insert: string }[]): string {
  let out = text
  for (const e of edits) {
    const at = e.at % (out.length + 1)
    out = out.slice(0, at) + e.insert + out.slice(at + e.del)
  }
  return out
}

const yamlPieces = fc.constantFrom('id: w\n', 'steps:\n', '  - ', 'id: a', 'uses: noop', 'needs: [a]', '\n', '    ', '[', ']', '{', '}', ': ', ', ', '&a ', '*a', '!!str ', '!!js/function ', '"', "'", '# c', '|\n', '>-\n', '- ', '---\n', '? ', '\t', '__proto__: ', '<<: ', 'x', '1e400', '.inf', '~', 'when: ', '{ step: a, equals: 1 }')

describe('loader fuzz (fast-check)', () => {
  it('random JSON values, as objects and as JSON text: only WorkflowDefinitionError escapes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        load(value as object)
        load(JSON.stringify(value) ?? 'null', { format: 'json' })
      }),
      runs,
    )
  })

  it('random mutations of valid files: only WorkflowDefinitionError escapes; what loads, the schema accepts', () => {
    const seen = new Set<string>()
    fc.assert(
      fc.property(fc.nat({ max: bases.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, mutations) => {
        const value = mutate(bases[which], mutations as Mutation[])
        const asObject = load(value as object)
        seen.add(asObject)
        if (asObject === 'loaded') expect(check.Check(value)).toBe(true)
        expect(load(JSON.stringify(value), { format: 'json' })).toBe(asObject)
      }),
      runs,
    )
    // The mutations reach both sides of the boundary (the property is not vacuous).
    expect([...seen].sort()).toEqual(['loaded', 'rejected'])
  })

  it('the friendly schema checker agrees with the compiled schema', () => {
    fc.assert(
      fc.property(fc.nat({ max: bases.length - 1 }), fc.array(mutation, { maxLength: 4 }), (which, mutations) => {
        const value = JSON.parse(JSON.stringify(mutate(bases[which], mutations as Mutation[])))
        expect(schemaIssues(WorkflowFileSchema, value).length === 0).toBe(check.Check(value))
      }),
      runs,
    )
  })

  it('random edits of valid texts and random YAML-ish text: only WorkflowDefinitionError escapes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(texts)), fc.array(textEdit, { minLength: 1, maxLength: 3 }), fc.constantFrom('json' as const, 'yaml' as const), (text, edits, format) => {
        load(edit(text, edits), { format })
      }),
      runs,
    )
    fc.assert(
      fc.property(fc.array(yamlPieces, { maxLength: 40 }), (pieces) => {
        load(pieces.join(''), { format: 'yaml' })
      }),
      runs,
    )
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.constantFrom('json' as const, 'yaml' as const), (text, format) => {
        load(text, { format })
      }),
      runs,
    )
  })
})
