import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Static, TSchema } from 'typebox'
import { createEngine, SimulatedClock, workflow, type Duration } from '../../src/index.js'
import { loadWorkflow } from '../../src/loader/index.js'
import { builtinTemplates, ExecOutput, execTemplate, ExecFailedError, noopTemplate, simulateTemplate, sleepTemplate, useStep, type TemplateStep } from '../../src/templates/index.js'

const HOUR = 3_600_000
const node = process.execPath
const scratch = mkdtempSync(join(tmpdir(), 'weft-exec-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** Runs one template step on an engine and returns the run result. */
async function runOne(step: TemplateStep<TSchema>, options: { clock?: SimulatedClock; timeout?: Duration } = {}) {
  const wf = workflow('one')
    .step('t', { ...step, ...(options.timeout === undefined ? {} : { timeout: options.timeout }) })
    .build()
  return createEngine(options.clock === undefined ? {} : { clock: options.clock }).run(wf, undefined, { runId: 'r1' })
}

type ExecOut = Static<typeof ExecOutput>

/** The exec output of a succeeded single-step run. */
function execOut(result: Awaited<ReturnType<typeof runOne>>): ExecOut {
  if (result.status !== 'succeeded') throw new Error(`run ${result.status}: ${result.error.message}`)
  return result.output.t as ExecOut
}

/** Polls (real time, short) until `check` holds; for waiting on a real child process. */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 20))
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('noop', () => {
  it('outputs null and takes no parameters', async () => {
    expect(await runOne(useStep(noopTemplate, {}))).toMatchObject({ status: 'succeeded', output: { t: null } })
    expect(() => useStep(noopTemplate, { x: 1 } as never)).toThrow(/template "noop"/)
  })
})

describe('sleep', () => {
  it('waits its duration on the engine clock', async () => {
    const clock = new SimulatedClock()
    const result = await runOne(useStep(sleepTemplate, { duration: '5h' }), { clock })
    expect(result).toMatchObject({ status: 'succeeded', output: { t: null } })
    expect(result.endedAt - result.startedAt).toBe(5 * HOUR)
  })

  it('is cancellable: the wait ends when the run is cancelled', async () => {
    const clock = new SimulatedClock({ autoAdvance: false })
    const wf = workflow('nap').step('t', { ...useStep(sleepTemplate, { duration: '1d' }) }).build()
    const run = createEngine({ clock }).start(wf)
    await until(() => clock.pending === 1)
    run.cancel('enough')
    const result = await run.result
    expect(result.status).toBe('cancelled')
    expect(result.steps.t!.status).toBe('cancelled')
    expect(clock.pending).toBe(0)
    expect(clock.now()).toBe(0)
  })

  it('rejects durations that are not durations', () => {
    expect(() => useStep(sleepTemplate, { duration: '5 hours' } as never)).toThrow(/template "sleep"/)
    expect(() => useStep(sleepTemplate, { duration: -1 })).toThrow(/template "sleep"/)
  })
})

describe('simulate', () => {
  it('waits its duration and reports when it ran', async () => {
    const clock = new SimulatedClock({ start: 1000 })
    const result = await runOne(useStep(simulateTemplate, { duration: '2h' }), { clock })
    expect(result).toMatchObject({ status: 'succeeded', output: { t: { durationMs: 2 * HOUR, startedAt: 1000, finishedAt: 1000 + 2 * HOUR } } })
  })

  it('waits nothing without a duration', async () => {
    const result = await runOne(useStep(simulateTemplate, {}), { clock: new SimulatedClock() })
    expect(result).toMatchObject({ status: 'succeeded', output: { t: { durationMs: 0 } } })
  })

  it("takes its duration from the step's estimate in a file, unless `with` says otherwise", async () => {
    const wf = loadWorkflow(
      { id: 'plan', steps: [{ id: 'a', uses: 'simulate', estimate: '3h' }, { id: 'b', needs: ['a'], uses: 'simulate', estimate: '3h', with: { duration: '1h' } }] },
      { registry: builtinTemplates() },
    )
    const result = await createEngine({ clock: new SimulatedClock() }).run(wf)
    expect(result).toMatchObject({ status: 'succeeded', output: { a: { durationMs: 3 * HOUR }, b: { durationMs: HOUR, finishedAt: 4 * HOUR } } })
  })
})

describe('exec', () => {
  it('runs a program with an argument array (no shell) and captures its output', async () => {
    const script = 'console.log(JSON.stringify(process.argv.slice(1))); console.error("to stderr")'
    const args = ['-e', script, '$(echo pwned)', 'a b', '*', '"quoted"']
    const result = await runOne(useStep(execTemplate, { command: node, args }))
    expect(result.status).toBe('succeeded')
    const out = execOut(result)
    expect(JSON.parse(out.stdout)).toEqual(['$(echo pwned)', 'a b', '*', '"quoted"'])
    expect(out).toMatchObject({ exitCode: 0, signal: null, stderr: 'to stderr\n', truncated: false })
    expect(out.durationMs).toBeGreaterThanOrEqual(0)
  })

  it('passes only the allowlisted environment variables (default: PATH)', async () => {
    process.env.WEFT_TEST_SECRET = 's3cret'
    process.env.WEFT_TEST_OK = 'ok'
    try {
      const script = 'console.log(JSON.stringify(Object.keys(process.env).filter((k) => k.startsWith("WEFT_TEST") || k === "PATH").sort()))'
      const chosen = await runOne(useStep(execTemplate, { command: node, args: ['-e', script], env: ['WEFT_TEST_OK', 'PATH', 'WEFT_TEST_UNSET'] }))
      expect(JSON.parse(execOut(chosen).stdout)).toEqual(['PATH', 'WEFT_TEST_OK'])
      const defaults = await runOne(useStep(execTemplate, { command: node, args: ['-e', script] }))
      expect(JSON.parse(execOut(defaults).stdout)).toEqual(['PATH'])
    } finally {
      delete process.env.WEFT_TEST_SECRET
      delete process.env.WEFT_TEST_OK
    }
  })

  it('runs in `cwd`', async () => {
    const result = await runOne(useStep(execTemplate, { command: node, args: ['-e', 'console.log(process.cwd())'], cwd: scratch }))
    expect(execOut(result).stdout.trim()).toBe(scratch)
  })

  it('bounds stdout and stderr to maxOutputBytes and says so', async () => {
    const script = 'process.stdout.write("x".repeat(100000)); process.stderr.write("y".repeat(10))'
    const result = await runOne(useStep(execTemplate, { command: node, args: ['-e', script], maxOutputBytes: 100 }))
    const out = execOut(result)
    expect(out.stdout).toBe('x'.repeat(100))
    expect(out.stderr).toBe('y'.repeat(10))
    expect(out.truncated).toBe(true)
  })

  it('fails the step with ExecFailedError on a non-zero exit, unless allowFailure', async () => {
    const args = ['-e', 'console.error("broken pipe\\nreally broken"); process.exit(3)']
    const failed = await runOne(useStep(execTemplate, { command: node, args }))
    expect(failed.status).toBe('failed')
    expect(failed.steps.t!.error).toMatchObject({
      name: 'ExecFailedError',
      code: ExecFailedError.code,
      message: `command ${JSON.stringify(node)} exited with code 3: really broken`,
      data: { reason: 'exit', exitCode: 3, signal: null, stderr: 'broken pipe\nreally broken\n' },
    })
    const allowed = await runOne(useStep(execTemplate, { command: node, args, allowFailure: true }))
    expect(allowed).toMatchObject({ status: 'succeeded', output: { t: { exitCode: 3, stderr: 'broken pipe\nreally broken\n' } } })
  })

  it('reports a program killed by a signal', async () => {
    const result = await runOne(useStep(execTemplate, { command: node, args: ['-e', 'process.kill(process.pid, "SIGKILL")'] }))
    expect(result.steps.t!.error).toMatchObject({ code: ExecFailedError.code, data: { reason: 'signal', exitCode: null, signal: 'SIGKILL' } })
  })

  it('fails when the program cannot be started', async () => {
    const result = await runOne(useStep(execTemplate, { command: join(scratch, 'no-such-program') }))
    expect(result.steps.t!.error).toMatchObject({ code: ExecFailedError.code, data: { reason: 'spawn' }, cause: { code: 'ENOENT' } })
  })

  it('kills the program when its own timeout expires', async () => {
    const pidFile = join(scratch, 'timeout.pid')
    const script = `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`
    const result = await runOne(useStep(execTemplate, { command: node, args: ['-e', script], timeout: 300 }))
    expect(result.steps.t!.error).toMatchObject({ code: ExecFailedError.code, data: { reason: 'timeout', signal: 'SIGTERM' } })
    const pid = Number(readFileSync(pidFile, 'utf8'))
    await until(() => !alive(pid))
  })

  it("kills the program when the step's signal aborts (step timeout): the step fails", async () => {
    const pidFile = join(scratch, 'step-timeout.pid')
    const script = `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`
    const result = await runOne(useStep(execTemplate, { command: node, args: ['-e', script] }), { timeout: '1s' })
    expect(result.status).toBe('failed')
    expect(result.steps.t).toMatchObject({ status: 'failed', error: { code: 'WEFT_STEP_TIMEOUT' } })
    const pid = Number(readFileSync(pidFile, 'utf8'))
    await until(() => !alive(pid))
  })

  it('kills the program when the run is cancelled', async () => {
    const pidFile = join(scratch, 'cancel.pid')
    const script = `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`
    const wf = workflow('cancel').step('t', { ...useStep(execTemplate, { command: node, args: ['-e', script] }) }).build()
    const run = createEngine().start(wf)
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0)
    const pid = Number(readFileSync(pidFile, 'utf8'))
    expect(alive(pid)).toBe(true)
    run.cancel('stop')
    const result = await run.result
    expect(result.status).toBe('cancelled')
    expect(result.steps.t!.status).toBe('cancelled')
    await until(() => !alive(pid))
  })

  it('rejects parameters of the wrong shape', () => {
    expect(() => useStep(execTemplate, { command: '' })).toThrow(/template "exec"/)
    expect(() => useStep(execTemplate, { command: 'x', env: ['NOT VALID'] })).toThrow(/template "exec"/)
    expect(() => useStep(execTemplate, { command: 'x', shell: true } as never)).toThrow(/template "exec"/)
  })
})
