import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { bundle, moduleImports, root, tempDir, weft, type Bundles } from './harness.js'

let bundles: Bundles
beforeAll(async () => {
  bundles = await bundle('graph-validate')
}, 60_000)

const diamond = `id: diamond
steps:
  - { id: a, uses: noop, estimate: 10ms }
  - { id: b, uses: noop, needs: [a], estimate: 20ms }
  - { id: c, uses: noop, needs: [a], estimate: 30ms }
  - { id: d, uses: noop, needs: [b, c] }
`

describe('weft graph', () => {
  it('prints a Mermaid flowchart: one node per step, one edge per need, the critical path marked', async () => {
    const cwd = tempDir({ 'diamond.yaml': diamond })
    const r = await weft(bundles, ['graph', 'diamond.yaml'], { cwd })
    expect(r.code).toBe(0)
    expect(r.stdout.trim().split('\n')).toEqual([
      'flowchart LR',
      '  s0["a<br/>10ms"]',
      '  s1["b<br/>20ms"]',
      '  s2["c<br/>30ms"]',
      '  s3["d"]',
      '  s0 --> s1',
      '  s0 --> s2',
      '  s1 --> s3',
      '  s2 --> s3',
      '  classDef critical stroke-width:3px',
      '  class s0,s2,s3 critical',
    ])
  })

  it('prints Graphviz DOT with --format dot', async () => {
    const cwd = tempDir({ 'diamond.yaml': diamond })
    const r = await weft(bundles, ['graph', 'diamond.yaml', '--format', 'dot'], { cwd })
    expect(r.code).toBe(0)
    expect(r.stdout.trim().split('\n')).toEqual([
      'digraph "diamond" {',
      '  rankdir=LR;',
      '  node [shape=box];',
      '  "a" [label="a\\n10ms", style=bold];',
      '  "b" [label="b\\n20ms"];',
      '  "c" [label="c\\n30ms", style=bold];',
      '  "d" [label="d", style=bold];',
      '  "a" -> "b";',
      '  "a" -> "c" [style=bold];',
      '  "b" -> "d";',
      '  "c" -> "d" [style=bold];',
      '}',
    ])
  })

  it('rejects an unknown format (exit 2)', async () => {
    const cwd = tempDir({ 'diamond.yaml': diamond })
    const r = await weft(bundles, ['graph', 'diamond.yaml', '-f', 'svg'], { cwd })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Expected `--format` to be `mermaid` or `dot`, got `svg`')
  })
})

describe('weft validate', () => {
  const fixtures = join(root, 'tests/fixtures/workflows')

  it('reports every problem of every file with file:line:column and pointer; exit 2 when any is invalid', async () => {
    const r = await weft(bundles, ['validate', 'valid/minimal.json', 'valid/release.yaml', 'invalid/unknown-templates.yaml', 'invalid/graph.json', 'invalid/syntax-trailing-comma.json', 'missing.yaml'], { cwd: fixtures })
    expect(r.code).toBe(2)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toContain('✓ valid/minimal.json: workflow minimal (1 step)')
    expect(lines).toContain('✓ valid/release.yaml: workflow release (4 steps)')
    expect(lines).toContain('✗ invalid/unknown-templates.yaml: 3 problems')
    expect(lines).toContain('  invalid/unknown-templates.yaml:4:11: unknown template "exe" (did you mean "exec"?) (/steps/0/uses)')
    expect(lines).toContain('✗ invalid/graph.json: 4 problems')
    expect(lines).toContain('  invalid/graph.json:4:5: dependency cycle: a -> b -> c -> a (/steps/0)')
    expect(lines).toContain('  invalid/graph.json:6:49: step "c" needs unknown step "ghost" (/steps/2/needs/1)')
    expect(lines).toContain('  invalid/graph.json:7:13: duplicate step id "a" (first declared at /steps/0) (/steps/3/id)')
    expect(lines).toContain('  invalid/syntax-trailing-comma.json:5:3: invalid JSON: trailing comma before "]"')
    expect(lines).toContain('✗ missing.yaml: 1 problem')
    expect(lines).toContain('  cannot read missing.yaml: no such file')
    expect(lines.at(-1)).toBe('2 of 6 files valid')
  })

  it('exit 0 when every file is valid; --json gives the problems as data', async () => {
    const ok = await weft(bundles, ['validate', 'valid/minimal.json', 'valid/release.yaml'], { cwd: fixtures })
    expect(ok.code).toBe(0)
    const r = await weft(bundles, ['validate', 'invalid/graph.json', 'valid/minimal.json', '--json'], { cwd: fixtures })
    expect(r.code).toBe(2)
    const reports = JSON.parse(r.stdout) as { file: string; ok: boolean; problems: { pointer: string; code: string; line: number; column: number }[] }[]
    expect(reports.map((x) => [x.file, x.ok])).toEqual([
      ['invalid/graph.json', false],
      ['valid/minimal.json', true],
    ])
    expect(reports[0]!.problems.map((p) => [p.code, p.pointer, p.line, p.column])).toEqual([
      ['cycle', '/steps/0', 4, 5],
      ['self-dependency', '/steps/1/needs/1', 5, 49],
      ['unknown-need', '/steps/2/needs/1', 6, 49],
      ['duplicate-step', '/steps/3/id', 7, 13],
    ])
  })

  it('validates JS modules too: a definition error thrown by build() is listed with its pointers', async () => {
    const imports = moduleImports(bundles)
    const cwd = tempDir({
      'good.mjs': `${imports}export default builder('good').step('a', { output: Type.Null(), run: () => null }).build()\n`,
      'bad.mjs': `${imports}export default builder('bad').step('a', { needs: ['zz'], output: Type.Null(), run: () => null }).build()\n`,
    })
    const r = await weft(bundles, ['validate', 'good.mjs', 'bad.mjs'], { cwd })
    expect(r.code).toBe(2)
    expect(r.stdout).toContain('✓ good.mjs: workflow good (1 step)')
    expect(r.stdout).toContain('✗ bad.mjs: 1 problem')
    expect(r.stdout).toMatch(/bad\.mjs: step "a" needs unknown step "zz" \(\/steps\/0\/needs\/0\)/)
  })
})
