import { beforeAll, describe, expect, it } from 'vitest'
import { bundle, tempDir, weft, type Bundles } from './harness.js'

let bundles: Bundles
beforeAll(async () => {
  bundles = await bundle('plan')
}, 60_000)

// a(10) → b(20), c(30) → d(5): a diamond.
const diamond = JSON.stringify({
  id: 'diamond',
  steps: [
    { id: 'a', uses: 'noop', estimate: '10ms' },
    { id: 'b', uses: 'noop', needs: ['a'], estimate: '20ms' },
    { id: 'c', uses: 'noop', needs: ['a'], estimate: '30ms' },
    { id: 'd', uses: 'noop', needs: ['b', 'c'], estimate: '5ms' },
  ],
})

// x(100) → y(50) and, independent, z(70) → w(10).
const twoChains = `id: two-chains
steps:
  - { id: x, uses: noop, estimate: 100ms }
  - { id: y, uses: noop, needs: [x], estimate: 50ms }
  - { id: z, uses: noop, estimate: 70ms }
  - { id: w, uses: noop, needs: [z], estimate: 10ms }
`

// s(1s) → p1(4s), p2(3s), p3(2s), p4(1s) → t(1s): a fan-out that needs workers.
const fan = `id: fan
steps:
  - { id: s, uses: noop, estimate: 1s }
  - { id: p1, uses: noop, needs: [s], estimate: 4s }
  - { id: p2, uses: noop, needs: [s], estimate: 3s }
  - { id: p3, uses: noop, needs: [s], estimate: 2s }
  - { id: p4, uses: noop, needs: [s], estimate: 1s }
  - { id: t, uses: noop, needs: [p1, p2, p3, p4], estimate: 1s }
`

async function planJson(file: string, args: string[] = [], files: Record<string, string> = {}, env: Record<string, string> = {}): Promise<unknown> {
  const cwd = tempDir({ 'diamond.json': diamond, 'two-chains.yaml': twoChains, 'fan.yaml': fan, 'one.json': '{"id":"one","steps":[{"id":"only","uses":"noop"}]}', ...files })
  const r = await weft(bundles, ['plan', file, '--json', ...args], { cwd, env })
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  expect(r.stdout.trim().split('\n')).toHaveLength(1) // exactly one JSON object
  return JSON.parse(r.stdout)
}

describe('weft plan --json', () => {
  it('a diamond: levels, critical path, total work and makespan for 1, 2 and unlimited workers', async () => {
    const base = { workflow: 'diamond', steps: 4, levels: [['a'], ['b', 'c'], ['d']], criticalPath: { steps: ['a', 'c', 'd'], estimateMs: 45 }, totalEstimateMs: 65 }
    expect(await planJson('diamond.json', ['--concurrency', '1'])).toEqual({ ...base, concurrency: 1, makespanMs: 65 })
    expect(await planJson('diamond.json', ['-c', '2'])).toEqual({ ...base, concurrency: 2, makespanMs: 45 })
    // Unlimited workers are reported as the number of steps (the same thing).
    expect(await planJson('diamond.json')).toEqual({ ...base, concurrency: 4, makespanMs: 45 })
  })

  it('two independent chains: phases mix them, one worker serializes everything', async () => {
    const base = { workflow: 'two-chains', steps: 4, levels: [['x', 'z'], ['y', 'w']], criticalPath: { steps: ['x', 'y'], estimateMs: 150 }, totalEstimateMs: 230 }
    expect(await planJson('two-chains.yaml', ['-c', '1'])).toEqual({ ...base, concurrency: 1, makespanMs: 230 })
    // x 0-100 and z 0-70, w 70-80, y 100-150.
    expect(await planJson('two-chains.yaml', ['-c', '2'])).toEqual({ ...base, concurrency: 2, makespanMs: 150 })
  })

  it('a fan-out: the makespan depends on the workers (longest first)', async () => {
    const base = { workflow: 'fan', steps: 6, levels: [['s'], ['p1', 'p2', 'p3', 'p4'], ['t']], criticalPath: { steps: ['s', 'p1', 't'], estimateMs: 6000 }, totalEstimateMs: 12000 }
    expect(await planJson('fan.yaml', ['-c', '1'])).toMatchObject({ ...base, concurrency: 1, makespanMs: 12000 })
    // s 0-1; p1 1-5, p2 1-4; p3 4-6; p4 5-6; t 6-7.
    expect(await planJson('fan.yaml', ['-c', '2'])).toEqual({ ...base, concurrency: 2, makespanMs: 7000 })
    // s 0-1; p1 1-5, p2 1-4, p3 1-3; p4 3-4; t 5-6: the critical path.
    expect(await planJson('fan.yaml', ['-c', '3'])).toEqual({ ...base, concurrency: 3, makespanMs: 6000 })
  })

  it('counts 1 ms for a step without an estimate', async () => {
    expect(await planJson('one.json')).toEqual({ workflow: 'one', steps: 1, levels: [['only']], criticalPath: { steps: ['only'], estimateMs: 1 }, totalEstimateMs: 1, concurrency: 1, makespanMs: 1 })
  })

  it('takes the workers from the config file, then WEFT_CONCURRENCY, then --concurrency', async () => {
    const config = { 'weft.config.json': JSON.stringify({ concurrency: 1 }) }
    expect(await planJson('fan.yaml', [], config)).toMatchObject({ concurrency: 1, makespanMs: 12000 })
    expect(await planJson('fan.yaml', [], config, { WEFT_CONCURRENCY: '2' })).toMatchObject({ concurrency: 2, makespanMs: 7000 })
    expect(await planJson('fan.yaml', ['-c', '3'], config, { WEFT_CONCURRENCY: '2' })).toMatchObject({ concurrency: 3, makespanMs: 6000 })
    const dotWeft = { '.weft/config.json': JSON.stringify({ concurrency: 2 }) }
    expect(await planJson('fan.yaml', [], dotWeft)).toMatchObject({ concurrency: 2, makespanMs: 7000 })
  })
})

describe('weft plan', () => {
  it('prints phases, critical path, total work and makespan for people', async () => {
    const cwd = tempDir({ 'fan.yaml': fan })
    const r = await weft(bundles, ['plan', 'fan.yaml', '-c', '2'], { cwd })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Workflow fan (version 1): 6 steps')
    expect(r.stdout).toMatch(/1\. s\b/)
    expect(r.stdout).toMatch(/2\. p1, p2, p3, p4\b/)
    expect(r.stdout).toMatch(/Critical path\s+6s: s → p1 → t/)
    expect(r.stdout).toMatch(/Total work\s+12s/)
    expect(r.stdout).toMatch(/Makespan\s+7s with 2 workers/)
  })

  it('rejects a bad --concurrency with exit 2 and the exact expectation', async () => {
    const cwd = tempDir({ 'fan.yaml': fan })
    const r = await weft(bundles, ['plan', 'fan.yaml', '-c', '0'], { cwd })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Expected `--concurrency` to be an integer from 1 and up, got `0`')
  })

  it('reports an invalid config with every problem (exit 2)', async () => {
    const cwd = tempDir({ 'fan.yaml': fan, 'weft.config.json': JSON.stringify({ concurrency: 0, store: { durabilty: 'x' } }) })
    const r = await weft(bundles, ['plan', 'fan.yaml'], { cwd, env: { WEFT_STORE_DURABILITY: 'sometimes' } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('invalid configuration')
    expect(r.stderr).toMatch(/weft\.config\.json \/concurrency/)
    expect(r.stderr).toMatch(/weft\.config\.json \/store/)
    expect(r.stderr).toContain('env WEFT_STORE_DURABILITY')
  })
})
