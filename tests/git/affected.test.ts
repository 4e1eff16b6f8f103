import fc from 'fast-check'
import Type from 'typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineWorkflow, descendants, InvalidArgumentError, type StepSpec, type Workflow } from '../../src/index.js'
import { affected, GitReadError } from '../../src/git/index.js'
import { git, removeDir, tempRepo, writeFiles } from './git-fixture.js'

const step = (id: string, needs: string[], inputs?: string[]): StepSpec => ({ id, needs, output: Type.Null(), run: () => null, ...(inputs === undefined ? {} : { meta: { inputs } }) })

/** A monorepo pipeline: shared code, two packages, an end-to-end test over both, docs. */
const pipeline: Workflow = defineWorkflow({
  id: 'monorepo',
  steps: [
    step('install', [], ['package.json', 'package-lock.json']),
    step('build-shared', ['install'], ['shared/**']),
    step('build-a', ['build-shared'], ['packages/a/**']),
    step('test-a', ['build-a'], ['packages/a/**']),
    step('build-b', ['build-shared'], ['packages/b/**']),
    step('test-b', ['build-b'], ['packages/b/**']),
    step('e2e', ['test-a', 'test-b']),
    step('docs', [], ['docs/**', '**/*.md']),
  ],
})

let dir: string
let main: string
beforeAll(() => {
  dir = tempRepo({
    'package.json': '{"workspaces":["packages/*"]}\n',
    'package-lock.json': '{}\n',
    '.gitignore': 'node_modules/\ndist/\n',
    'shared/util.ts': 'export const u = 1\n',
    'packages/a/package.json': '{"name":"a"}\n',
    'packages/a/src/index.ts': 'export const a = 1\n',
    'packages/b/package.json': '{"name":"b"}\n',
    'packages/b/src/index.ts': 'export const b = 1\n',
    'docs/guide.txt': 'guide\n',
  })
  main = git(dir, 'rev-parse', 'HEAD').trim()
  git(dir, 'checkout', '-q', '-b', 'change-a')
  writeFiles(dir, { 'packages/a/src/index.ts': 'export const a = 2\n', 'packages/a/src/extra.ts': 'export {}\n' })
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '-m', 'change a')
  git(dir, 'checkout', '-q', '-b', 'change-shared', 'main')
  writeFiles(dir, { 'shared/util.ts': null, 'shared/util2.ts': 'export const u = 2\n' })
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '-m', 'change shared')
  git(dir, 'tag', '-a', 'v-shared', '-m', 'annotated')
  git(dir, 'checkout', '-q', 'main')
})
afterAll(() => removeDir(dir))

describe('affected', () => {
  it("changing one package's files selects exactly that package's steps and their dependents, with reasons", async () => {
    const result = await affected(pipeline, { dir, base: 'main', head: 'change-a' })
    expect(result.files).toEqual(git(dir, 'diff', '--name-only', 'main', 'change-a').trim().split('\n'))
    expect(result.steps).toEqual([
      { id: 'build-a', reason: { files: ['packages/a/src/extra.ts', 'packages/a/src/index.ts'] } },
      { id: 'test-a', reason: { files: ['packages/a/src/extra.ts', 'packages/a/src/index.ts'] } },
      { id: 'e2e', reason: { dependsOn: 'test-a' } },
    ])
    expect(result.base).toBe(main)
    expect(result.head).toBe(git(dir, 'rev-parse', 'change-a').trim())
  })

  it('a change to shared code reaches every package through the graph; refs may be tags or abbreviated ids', async () => {
    const result = await affected(pipeline, { dir, base: main.slice(0, 8), head: 'v-shared' })
    expect(result.files).toEqual(['shared/util.ts', 'shared/util2.ts'])
    expect(result.steps).toEqual([
      { id: 'build-shared', reason: { files: ['shared/util.ts', 'shared/util2.ts'] } },
      { id: 'build-a', reason: { dependsOn: 'build-shared' } },
      { id: 'test-a', reason: { dependsOn: 'build-a' } },
      { id: 'build-b', reason: { dependsOn: 'build-shared' } },
      { id: 'test-b', reason: { dependsOn: 'build-b' } },
      { id: 'e2e', reason: { dependsOn: 'test-a' } },
    ])
    expect((await affected(pipeline, { dir, base: 'main', head: 'main' })).steps).toEqual([])
  })

  it('compares with the working tree when head is absent: edits and untracked files count, ignored files do not', async () => {
    writeFiles(dir, { 'packages/b/src/index.ts': 'export const b = 2\n', 'packages/b/src/new.ts': 'new\n', 'packages/a/node_modules/dep/x.js': 'ignored\n', 'packages/a/dist/out.js': 'ignored\n', 'docs/guide.txt': null })
    try {
      const result = await affected(pipeline, { dir, base: 'main' })
      const gitSays = [...git(dir, 'diff', '--name-only', 'main').trim().split('\n'), ...git(dir, 'ls-files', '--others', '--exclude-standard').trim().split('\n')].sort()
      expect(result.files).toEqual(gitSays)
      expect(result.steps.map((s) => s.id)).toEqual(['build-b', 'test-b', 'e2e', 'docs'])
      expect(result.steps.find((s) => s.id === 'docs')!.reason).toEqual({ files: ['docs/guide.txt'] })
      expect(result.head).toBeUndefined()
    } finally {
      git(dir, 'checkout', '-q', '--', '.')
      git(dir, 'clean', '-q', '-fdx')
    }
  })

  it('equals the steps matched directly plus their descendants, for random workflows (property)', async () => {
    const files = ['packages/a/src/extra.ts', 'packages/a/src/index.ts']
    const globs = ['packages/**', 'packages/a/**', 'packages/b/**', '**/*.ts', 'shared/**', '*.json', 'packages/*/src/index.ts', '**/extra.ts']
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ inputs: fc.option(fc.subarray(globs, { minLength: 1 }), { nil: undefined }), needs: fc.array(fc.nat(), { maxLength: 3 }) }), { minLength: 1, maxLength: 12 }),
        async (shape) => {
          const steps = shape.map((s, i) => step(`s${i}`, i === 0 ? [] : [...new Set(s.needs.map((n) => `s${n % i}`))], s.inputs))
          const wf = defineWorkflow({ id: 'random', steps })
          const result = await affected(wf, { dir, base: 'main', head: 'change-a' })
          const direct = shape.flatMap((s, i) => (s.inputs !== undefined && files.some((f) => s.inputs!.some((g) => matches(g, f))) ? [`s${i}`] : []))
          const expected = new Set([...direct, ...descendants(wf.graph, direct)])
          expect(result.steps.map((s) => s.id)).toEqual(wf.steps.map((s) => s.id).filter((id) => expected.has(id)))
          for (const s of result.steps) {
            if ('dependsOn' in s.reason) {
              expect(wf.stepById.get(s.id)!.needs).toContain(s.reason.dependsOn)
              expect(expected.has(s.reason.dependsOn)).toBe(true)
            } else {
              expect(direct).toContain(s.id)
            }
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  it('rejects unknown refs and malformed inputs', async () => {
    await expect(affected(pipeline, { dir, base: 'no-such-branch' })).rejects.toBeInstanceOf(GitReadError)
    await expect(affected(pipeline, { dir, base: 'main', head: 'nope' })).rejects.toMatchObject({ code: 'WEFT_GIT_READ', data: { reason: 'ref-not-found', ref: 'nope' } })
    const bad = defineWorkflow({ id: 'bad', steps: [{ id: 'x', output: Type.Null(), run: () => null, meta: { inputs: 'src/**' } }] })
    await expect(affected(bad, { dir, base: 'main' })).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(affected(bad, { dir, base: 'main' })).rejects.toThrow('Expected `workflow.steps[0].meta.inputs` to be a non-empty array of glob strings, got `"src/**" (string)`')
  })
})

/** The few glob shapes the property uses, matched by hand (an oracle independent of picomatch). */
function matches(glob: string, file: string): boolean {
  switch (glob) {
    case 'packages/**':
      return file.startsWith('packages/')
    case 'packages/a/**':
      return file.startsWith('packages/a/')
    case 'packages/b/**':
      return file.startsWith('packages/b/')
    case '**/*.ts':
      return file.endsWith('.ts')
    case 'shared/**':
      return file.startsWith('shared/')
    case '*.json':
      return !file.includes('/') && file.endsWith('.json')
    case 'packages/*/src/index.ts':
      return /^packages\/[^/]+\/src\/index\.ts$/.test(file)
    case '**/extra.ts':
      return file === 'extra.ts' || file.endsWith('/extra.ts')
    default:
      throw new Error(glob)
  }
}
