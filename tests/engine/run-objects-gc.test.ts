import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { beforeAll, describe, expect, it } from 'vitest'

// RunExecution.keep and buildRunResult: a run's own objects (its handle, the options and records
// it builds once) live as long as the last ended run, so that a full GC between two runs does not
// free their hidden classes; run results share one hidden class instead of each being a
// dictionary. A real process, built once with esbuild, with V8's test intrinsics.
const root = fileURLToPath(new URL('../../', import.meta.url))
const bundle = join(root, 'node_modules', '.cache', 'weft-tests', 'run-objects-gc.mjs')

beforeAll(async () => {
  mkdirSync(join(bundle, '..'), { recursive: true })
  await build({
    entryPoints: [join(root, 'tests/engine/run-objects-gc.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    external: ['typebox', 'eventemitter3', 'ts-pattern', 'yaml'],
    logLevel: 'error',
    // As tsup builds the package (and tsx runs it): functions named by Object.defineProperty.
    keepNames: true,
    // Before esbuild's helpers take Object.defineProperty: records the names set while asked to.
    banner: {
      js: "{ const define = Object.defineProperty; Object.defineProperty = function (o, k, d) { if (k === 'name' && typeof o === 'function' && globalThis.__names) globalThis.__names.push(String(d.value)); return define(o, k, d) } }",
    },
  })
}, 60_000)

describe('run objects across full GCs', () => {
  const run = () => {
    const child = spawnSync(process.execPath, ['--expose-gc', '--allow-natives-syntax', bundle], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(child.status, child.stderr).toBe(0)
    return JSON.parse(child.stdout) as Record<string, unknown>
  }

  it("keeps the last ended run's handle through a GC, and only the last run's", () => {
    const seen = run()
    expect(seen.firstKeptAlone).toBe(true)
    expect(seen.secondKept).toBe(true)
    expect(seen.firstKeptAfterSecond).toBe(false)
  }, 90_000)

  it('keeps the lease object the store made for the last run, and only for that run', () => {
    const seen = run()
    expect(seen.secondLeaseKept).toBe(true)
    expect(seen.firstLeaseKept).toBe(false)
  }, 90_000)

  it('names no function during a run (no closure per run or per step named through keepNames), guarded steps included', () => {
    const seen = run()
    expect(seen.named).toEqual({ memory: [], timeouts: [], guarded: [], fileStore: [] })
  }, 90_000)

  it("stores every run's seed alike: a seed outside V8's small integers after one inside keeps the run.started map", () => {
    const seen = run()
    expect(seen.seedSameMap).toEqual([true, true])
  }, 90_000)

  it('gives every result one hidden class with fast properties, and keeps steps enumerable and serialized', () => {
    const seen = run()
    expect(seen.fast).toBe(true)
    expect(seen.sameMap).toBe(true)
    expect(seen.keys).toEqual(['runId', 'workflowId', 'startedAt', 'endedAt', 'status', 'output', 'steps'])
    expect(seen.json).toMatchObject({ status: 'succeeded', output: 4, steps: { a: { status: 'succeeded', attempts: 1, output: 4 } } })
  }, 90_000)
})
