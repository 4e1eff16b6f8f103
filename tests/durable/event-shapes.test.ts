import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// What the engine's stand-ins (src/engine/stand-in.ts) are for: with a store that drops a run's
// events, a full GC between runs freed the maps of the journal events, and V8 deoptimized every
// function that handles events ("reason: weak objects"), about 60 times in 10 runs. A real
// process under V8's own tracing, built once with esbuild (function names kept).
const root = fileURLToPath(new URL('../../', import.meta.url))
const bundle = join(root, 'node_modules', '.cache', 'weft-tests', 'gc-between-runs.mjs')
const scratch = mkdtempSync(join(tmpdir(), 'weft-shapes-'))
const EVENT_FUNCTIONS = /<SharedFunctionInfo (isPlainStepEvent|plainStepEventJson|serializeBatch|statusAfter|sequenceError|StepStarted|StepSucceeded)\d*>/

beforeAll(async () => {
  mkdirSync(join(bundle, '..'), { recursive: true })
  await build({ entryPoints: [join(root, 'tests/durable/gc-between-runs.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, external: ['typebox', 'eventemitter3', 'ts-pattern'], logLevel: 'error' })
}, 60_000)

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('journal event maps across full GCs (file store)', () => {
  it('no event-handling function is deoptimized for a freed map after a GC between runs', () => {
    const child = spawnSync(process.execPath, ['--expose-gc', '--trace-opt', '--trace-deopt', bundle, scratch], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 })
    expect(child.status, child.stderr).toBe(0)
    const [warmUp = '', measured = ''] = child.stdout.split('\nmeasured\n')
    expect(measured).toContain('done')
    // The check means something only if the warm-up optimized those functions.
    const optimized = warmUp.split('\n').filter((line) => line.includes('completed optimizing') && /<JSFunction (isPlainStepEvent|serializeBatch|StepStarted)\d* /.test(line))
    expect(optimized.length).toBeGreaterThanOrEqual(3)
    const freed = measured.split('\n').filter((line) => line.includes('reason: weak objects') && EVENT_FUNCTIONS.test(line))
    expect(freed).toEqual([])
  }, 90_000)
})
