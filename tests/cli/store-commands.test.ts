import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import Type from 'typebox'
import { builtinTemplates, createEngine, fileStore, loadWorkflowFile, workflow } from '../../src/index.js'
import { bundle, finished, journal, moduleImports, spawnWeft, tempDir, waitForStderr, weft, type Bundles } from './harness.js'

let bundles: Bundles
beforeAll(async () => {
  bundles = await bundle('store')
}, 60_000)

const one = '{"id":"one","steps":[{"id":"only","uses":"noop"}]}'
const failing = 'id: failing\nsteps:\n  - { id: boom, uses: exec, with: { command: node, args: ["-e", "process.exit(1)"] } }\n'
const conditional = 'id: cond\nsteps:\n  - { id: a, uses: noop }\n  - { id: b, uses: noop, needs: [a], when: { step: a, equals: null } }\n'

/** A module workflow with a gate waiting for the signal `approve` ({ by: string }). */
function gated(bundles: Bundles): string {
  return `${moduleImports(bundles)}export default builder('gated')
  .step('prepare', { output: Type.String(), run: () => 'ready' })
  .gate('approval', { needs: ['prepare'], signal: 'approve', payload: Type.Object({ by: Type.String() }) })
  .step('ship', { needs: ['approval'], output: Type.String(), run: ({ deps }) => 'shipped, approved by ' + deps.approval.by })
  .build()
`
}

/** Starts `weft run gated.mjs` and resolves once the gate waits. */
async function startGated(cwd: string, runId: string) {
  const child = spawnWeft(bundles, ['run', 'gated.mjs', '--run-id', runId], { cwd })
  const done = finished(child)
  await waitForStderr(child, 'approval started')
  return { child, done }
}

/** Runs the gated workflow and interrupts it at the gate. */
async function interruptedGated(cwd: string, runId: string): Promise<void> {
  const { child, done } = await startGated(cwd, runId)
  child.kill('SIGINT')
  expect((await done).code).toBe(130)
}

describe('weft history', () => {
  it('lists runs newest first as a table, filters by workflow, status and limit, and prints JSON', async () => {
    const cwd = tempDir({ 'one.json': one, 'failing.yaml': failing })
    const empty = await weft(bundles, ['history'], { cwd })
    expect(empty.code).toBe(0)
    expect(empty.stdout).toContain('no runs in')
    const noStore = await weft(bundles, ['status', 'x'], { cwd })
    expect(noStore.code).toBe(4)
    expect(noStore.stderr).toContain('no journal directory at')
    expect(existsSync(join(cwd, '.weft'))).toBe(false) // reading never creates the store
    for (const [file, id] of [['one.json', 'h1'], ['failing.yaml', 'h2'], ['one.json', 'h3']] as const) await weft(bundles, ['run', file, '--run-id', id, '-q'], { cwd })
    const all = await weft(bundles, ['history'], { cwd })
    expect(all.code).toBe(0)
    const lines = all.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^RUN\s+WORKFLOW\s+STATE\s+STARTED\s+DURATION\s+EVENTS$/)
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['h3', 'one@1', 'succeeded'],
      ['h2', 'failing@1', 'failed'],
      ['h1', 'one@1', 'succeeded'],
    ])
    const filtered = await weft(bundles, ['history', '--workflow', 'one', '--limit', '1', '--json'], { cwd })
    expect((JSON.parse(filtered.stdout) as { runId: string }[]).map((r) => r.runId)).toEqual(['h3'])
    const failed = await weft(bundles, ['history', '--status', 'failed', '--json'], { cwd })
    expect(JSON.parse(failed.stdout)).toMatchObject([{ runId: 'h2', workflowId: 'failing', status: 'failed', metadata: { source: join(cwd, 'failing.yaml') } }])
    const bad = await weft(bundles, ['history', '--status', 'done'], { cwd })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('Expected `--status` to be one of running, succeeded, failed')
  })
})

describe('weft status', () => {
  it('shows one run step by step, lists unfinished runs, and exits 4 for an unknown run', async () => {
    const cwd = tempDir({ 'failing.yaml': failing, 'gated.mjs': gated(bundles) })
    await weft(bundles, ['run', 'failing.yaml', '--run-id', 'f1', '-q'], { cwd })
    const one = await weft(bundles, ['status', 'f1'], { cwd })
    expect(one.code).toBe(0)
    expect(one.stdout).toMatch(/^state\s+failed$/m)
    expect(one.stdout).toMatch(/^file\s+.*failing\.yaml$/m)
    expect(one.stdout).toMatch(/^boom\s+failed\s+1\s+\S+\s+.*exit/m)
    const none = await weft(bundles, ['status'], { cwd })
    expect(none.stdout).toContain('no run in progress')
    await interruptedGated(cwd, 'g1')
    const open = await weft(bundles, ['status', '--json'], { cwd })
    expect(JSON.parse(open.stdout)).toMatchObject([{ runId: 'g1', state: 'interrupted' }])
    const unknown = await weft(bundles, ['status', 'nope'], { cwd })
    expect(unknown.code).toBe(4)
    expect(unknown.stderr).toContain('no run nope in')
  })
})

describe('weft replay', () => {
  it('exit 0 when the journal matches, 1 at a divergence, 2 for a changed definition, 4 for an unknown run', async () => {
    const cwd = tempDir({ 'cond.yaml': conditional })
    expect((await weft(bundles, ['run', 'cond.yaml', '--run-id', 'c1', '-q'], { cwd })).code).toBe(0)
    const ok = await weft(bundles, ['replay', 'c1'], { cwd })
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain('replay of run c1 matches')
    // Same structure, another condition: the recorded decision to run b is no longer taken.
    writeFileSync(join(cwd, 'cond.yaml'), conditional.replace('equals: null', 'equals: 1'))
    const diverged = await weft(bundles, ['replay', 'c1', '--json'], { cwd })
    expect(diverged.code).toBe(1)
    expect(JSON.parse(diverged.stdout)).toMatchObject({ ok: false, index: 4, expected: { type: 'step.started', stepId: 'b' }, found: { type: 'step.skipped', stepId: 'b', reason: 'condition' } })
    writeFileSync(join(cwd, 'cond.yaml'), conditional.replace('needs: [a], when: { step: a, equals: null }', 'estimate: 5s'))
    const changed = await weft(bundles, ['replay', 'c1'], { cwd })
    expect(changed.code).toBe(2)
    expect(changed.stderr).toContain('step "b" needs [] instead of [a]')
    const unknown = await weft(bundles, ['replay', 'nope'], { cwd })
    expect(unknown.code).toBe(4)
  })

  it('needs --file for a run not started by `weft run` (exit 2 without it)', async () => {
    const cwd = tempDir({ 'one.json': one })
    const engine = createEngine({ store: fileStore(join(cwd, '.weft')) })
    await engine.run(await loadWorkflowFile(join(cwd, 'one.json'), { registry: builtinTemplates() }), undefined, { runId: 'lib-1' })
    await engine.close()
    const without = await weft(bundles, ['replay', 'lib-1'], { cwd })
    expect(without.code).toBe(2)
    expect(without.stderr).toContain('pass --file <path>')
    const withFile = await weft(bundles, ['replay', 'lib-1', '--file', 'one.json'], { cwd })
    expect(withFile.code).toBe(0)
  })
})

describe('weft cancel', () => {
  it('ends an interrupted run for good; a later resume reports the cancel (exit 1)', async () => {
    const cwd = tempDir({ 'gated.mjs': gated(bundles), 'one.json': one })
    await interruptedGated(cwd, 'g1')
    const r = await weft(bundles, ['cancel', 'g1', '--reason', 'not today'], { cwd })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('run g1 cancelled')
    const events = await journal(join(cwd, '.weft'), 'g1')
    expect(events.at(-1)).toMatchObject({ type: 'run.cancelled', reason: 'not today' })
    expect(events.at(-1)).not.toHaveProperty('resumable')
    expect((await weft(bundles, ['cancel', 'g1'], { cwd })).code).toBe(0) // already cancelled
    const resumed = await weft(bundles, ['resume', 'g1'], { cwd })
    expect(resumed.code).toBe(1)
    expect(resumed.stderr).toContain('had already ended')
    await weft(bundles, ['run', 'one.json', '--run-id', 'done', '-q'], { cwd })
    const ended = await weft(bundles, ['cancel', 'done'], { cwd })
    expect(ended.code).toBe(4)
    expect(ended.stdout).toContain('already ended: succeeded')
    expect((await weft(bundles, ['cancel', 'nope'], { cwd })).code).toBe(4)
  })

  it('asks the weft process running the run to cancel it', async () => {
    const cwd = tempDir({ 'gated.mjs': gated(bundles) })
    const { done } = await startGated(cwd, 'live')
    const r = await weft(bundles, ['cancel', 'live', '--reason', 'superseded', '--json'], { cwd })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ runId: 'live', status: 'cancelled', how: 'delivered' })
    const running = await done
    expect(running.code).toBe(1)
    expect(running.stderr).toContain('cancel requested by `weft cancel`: superseded')
    expect((await journal(join(cwd, '.weft'), 'live')).at(-1)).toMatchObject({ type: 'run.cancelled', reason: 'superseded' })
  })
})

describe('weft signal', () => {
  it('delivers a signal to the weft process running the run; a payload that breaks the gate contract exits 3', async () => {
    const cwd = tempDir({ 'gated.mjs': gated(bundles) })
    const { done } = await startGated(cwd, 's1')
    const bad = await weft(bundles, ['signal', 's1', 'approve', '--payload', '{"by":42}'], { cwd })
    expect(bad.code).toBe(3)
    expect(bad.stderr).toContain('the value does not match the contract of step "approval"')
    const ok = await weft(bundles, ['signal', 's1', 'approve', '--payload', '{"by":"ada"}'], { cwd })
    expect(ok.stdout).toContain('signal "approve" delivered to run s1')
    expect(ok.code).toBe(0)
    const run = await done
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({ prepare: 'ready', approval: { by: 'ada' }, ship: 'shipped, approved by ada' })
    const ended = await weft(bundles, ['signal', 's1', 'approve'], { cwd })
    expect(ended.code).toBe(4)
    expect(ended.stderr).toContain('already ended (succeeded)')
  })

  it('journals a signal for an interrupted run; `weft resume` then opens the gate', async () => {
    const cwd = tempDir({ 'gated.mjs': gated(bundles), 'payload.json': '{"by":"grace"}' })
    await interruptedGated(cwd, 's2')
    const r = await weft(bundles, ['signal', 's2', 'approve', '-p', '@payload.json', '--json'], { cwd })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ runId: 's2', name: 'approve', delivered: 'journaled' })
    const resumed = await weft(bundles, ['resume', 's2', '-q'], { cwd })
    expect(resumed.code).toBe(0)
    expect(JSON.parse(resumed.stdout)).toMatchObject({ ship: 'shipped, approved by grace' })
    expect((await weft(bundles, ['signal', 'nope', 'x'], { cwd })).code).toBe(4)
  })
})

describe('a run held by a process that is not weft', () => {
  it('signal and cancel exit 4 when the process holding the run does not answer', async () => {
    const cwd = tempDir()
    // This test process runs the workflow with the library: it holds the lease, it reads no inbox.
    const engine = createEngine({ store: fileStore(join(cwd, '.weft')) })
    const wf = workflow('held').gate('wait', { signal: 'go', payload: Type.Null() }).build()
    const handle = engine.start(wf, undefined, { runId: 'held', metadata: { source: join(cwd, 'nowhere.mjs') } })
    for await (const e of handle.events) if (e.type === 'step.started') break
    const elsewhere = { cwd: tempDir({ 'held.mjs': `${moduleImports(bundles)}export default builder('held').gate('wait', { signal: 'go', payload: Type.Null() }).build()\n` }), env: { WEFT_STORE_DIR: join(cwd, '.weft') } }
    const signal = await weft(bundles, ['signal', 'held', 'go', '--wait', '1', '--file', 'held.mjs'], elsewhere)
    expect(signal.code).toBe(4)
    expect(signal.stderr).toContain('held by another live process that did not answer within 1s')
    const cancel = await weft(bundles, ['cancel', 'held', '--wait', '1', '--file', 'held.mjs'], elsewhere)
    expect(cancel.code).toBe(4)
    expect(cancel.stderr).toContain('held by another live process that did not answer within 1s')
    handle.cancel('done')
    await handle.result
    await engine.close()
  })
})

describe('weft init', () => {
  it('writes a starter config and a sample workflow that validate, plan and run; refuses to overwrite without --force', async () => {
    const cwd = tempDir()
    const r = await weft(bundles, ['init'], { cwd })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('wrote weft.config.json')
    expect(r.stdout).toContain('wrote workflow.yaml')
    expect(JSON.parse(readFileSync(join(cwd, 'weft.config.json'), 'utf8'))).toMatchObject({ store: { dir: '.weft' }, concurrency: 4 })
    expect((await weft(bundles, ['validate', 'workflow.yaml'], { cwd })).code).toBe(0)
    const plan = JSON.parse((await weft(bundles, ['plan', 'workflow.yaml', '--json'], { cwd })).stdout) as { steps: number; levels: string[][] }
    expect(plan).toMatchObject({ steps: 5, levels: [['fetch'], ['build', 'lint'], ['test'], ['report']] })
    const run = await weft(bundles, ['run', 'workflow.yaml', '--input', '{"name":"Ada"}', '-q'], { cwd })
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ test: { stdout: 'tests passed\n' }, report: null })
    const again = await weft(bundles, ['init'], { cwd })
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('weft.config.json and workflow.yaml already exist; pass --force to overwrite')
    expect((await weft(bundles, ['init', '--force', '--format', 'json'], { cwd })).code).toBe(0)
    expect(existsSync(join(cwd, 'workflow.json'))).toBe(true)
    expect((await weft(bundles, ['validate', 'workflow.json'], { cwd })).code).toBe(0)
  })
})
