import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { childProcessExecutor, ExecutorClosedError, isWeftError, WorkerCrashedError, type Executor, type StepTask } from '../../src/index.js'
import { hashChain } from './fixtures/worker-handlers.js'
import { plain, rejection, task } from './handler-tasks.js'

/** A task whose `ctx.log.info` reports the worker's pid (the `pidThenWait` handler logs it). */
function pidTask(options: { signal?: AbortSignal } = {}): { task: StepTask; pid: Promise<number> } {
  const t = task('pidThenWait', undefined, options)
  let report!: (pid: number) => void
  const pid = new Promise<number>((resolve) => (report = resolve))
  const info = (_message: string, data?: Record<string, unknown>): void => report(data?.['pid'] as number)
  return { task: { ...t, ctx: { ...t.ctx, log: { ...t.ctx.log, info } } }, pid }
}

/** True when no live process has this pid (gone, or a zombie nobody reaped yet). */
function dead(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return true
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}

describe('childProcessExecutor', () => {
  let executor: Executor | undefined
  afterEach(async () => {
    await executor?.close?.()
    executor = undefined
  })

  it('a worker that calls process.exit fails only its step with WorkerCrashedError naming the process; the pool keeps working', async () => {
    executor = childProcessExecutor({ size: 2 })
    const crash = executor.execute(task('exitHard'))
    const others = Array.from({ length: 4 }, (_, i) => executor!.execute(task('cpuHash', { seed: `s${i}`, rounds: 200 })))
    const error = await rejection(crash)
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect(isWeftError(error, 'WEFT_WORKER_CRASHED')).toBe(true)
    const data = (error as WorkerCrashedError).data
    expect(data).toMatchObject({ runId: 'run-w', exitCode: 3, reason: 'exit' })
    expect(data.pid).toEqual(expect.any(Number))
    expect(data.pid).not.toBe(process.pid)
    expect(data.threadId).toBeUndefined()
    expect((error as Error).message).toBe(`worker process ${String(data.pid)} crashed while running step "${data.stepId}" of run "run-w" (exit code 3)`)
    const results = (await Promise.all(others)) as { digest: string }[]
    results.forEach((r, i) => expect(r.digest).toBe(hashChain(`s${i}`, 200)))
    await expect(Promise.all([executor.execute(task('echo', 1)), executor.execute(task('echo', 2))])).resolves.toEqual([1, 2])
  })

  it('an error escaping the handler is a crash, with the error (sent before the process exits) as cause', async () => {
    executor = childProcessExecutor({ size: 1 })
    const error = await rejection(executor.execute(task('escapeError')))
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect((error as WorkerCrashedError).data).toMatchObject({ reason: 'uncaught', exitCode: null })
    expect((error as WorkerCrashedError).cause).toMatchObject({ name: 'Error', message: 'escaped the handler' })
    await expect(executor.execute(task('echo', 'after'))).resolves.toBe('after')
  })

  it('a process killed from outside (as by the OOM killer) fails its step with the signal', async () => {
    executor = childProcessExecutor({ size: 1 })
    const { task: t, pid } = pidTask()
    const running = rejection(executor.execute(t))
    process.kill(await pid, 'SIGKILL')
    const error = await running
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect((error as WorkerCrashedError).data).toMatchObject({ pid: await pid, exitCode: null, signal: 'SIGKILL', reason: 'exit' })
    expect((error as Error).message).toMatch(/\(killed by SIGKILL\)$/)
    await expect(executor.execute(task('echo', 'replaced'))).resolves.toBe('replaced')
  })

  it('a CPU-bound fan-out runs in separate processes, none of them the engine', async () => {
    executor = childProcessExecutor({ size: 2 })
    const results = (await Promise.all(Array.from({ length: 6 }, (_, i) => executor!.execute(task('cpuHash', { seed: `f${i}`, rounds: 2000 }))))) as { digest: string; pid: number }[]
    expect(results.map((r) => r.digest)).toEqual(Array.from({ length: 6 }, (_, i) => hashChain(`f${i}`, 2000)))
    const pids = new Set(results.map((r) => r.pid))
    expect(pids.size).toBe(2)
    expect(pids.has(process.pid)).toBe(false)
  })

  it('aborting a running attempt kills its process; the next task gets a new one', async () => {
    executor = childProcessExecutor({ size: 1 })
    const controller = new AbortController()
    const { task: t, pid } = pidTask({ signal: controller.signal })
    const running = executor.execute(t)
    const queued = executor.execute(task('cpuHash', { seed: 'q', rounds: 1 }))
    const first = await pid
    const reason = new Error('cancelled')
    controller.abort(reason)
    await expect(running).rejects.toBe(reason)
    const next = (await queued) as { pid: number }
    expect(next.pid).not.toBe(first)
    expect(dead(first)).toBe(true)
  })

  it('runs JavaScript handlers by file URL, including default exports', async () => {
    executor = childProcessExecutor({ size: 1 })
    await expect(executor.execute(task({ module: plain, export: 'triple' }, 5))).resolves.toBe(15)
  })

  it('inputs and outputs that cannot be serialized reject the attempt; Maps and bigints cross', async () => {
    executor = childProcessExecutor({ size: 1 })
    await expect(executor.execute(task('echo', { fn: () => 1 }))).rejects.toThrow(/could not be cloned/)
    await expect(executor.execute(task('returnsFunction'))).rejects.toThrow(/could not be cloned/)
    const value = { map: new Map([[1, { a: 2 }]]), big: 10n, when: new Date(0) }
    await expect(executor.execute(task('echo', value))).resolves.toEqual(value)
  })

  it('close() kills every process and rejects queued and running attempts with ExecutorClosedError', async () => {
    const ex = childProcessExecutor({ size: 2 })
    const a = pidTask()
    const b = pidTask()
    const running = [rejection(ex.execute(a.task)), rejection(ex.execute(b.task))]
    const queued = rejection(ex.execute(task('echo', 1)))
    const pids = await Promise.all([a.pid, b.pid])
    await ex.close!()
    for (const p of [...running, queued, rejection(ex.execute(task('echo', 2)))]) {
      const error = await p
      expect(error).toBeInstanceOf(ExecutorClosedError)
      expect((error as ExecutorClosedError).data.executor).toBe('child-process')
    }
    expect(pids.filter(dead)).toEqual(pids)
  })

  it('a process that cannot start (bad Node option) fails the attempt with its exit code', async () => {
    const ex = childProcessExecutor({ size: 1, execArgv: ['--no-such-node-flag'] })
    try {
      const error = await rejection(ex.execute(task('echo', 1)))
      expect(error).toBeInstanceOf(WorkerCrashedError)
      expect((error as WorkerCrashedError).data.exitCode).toBe(9)
    } finally {
      await ex.close!()
    }
  })

  it('passes env to the worker processes', async () => {
    executor = childProcessExecutor({ size: 1, env: { ...process.env, WEFT_CHILD_TEST: 'from the parent' } })
    await expect(executor.execute(task('readEnv', 'WEFT_CHILD_TEST'))).resolves.toBe('from the parent')
  })

  it('rejects invalid options with exact messages', () => {
    expect(() => childProcessExecutor({ size: 0 })).toThrow('Expected `size` to be an integer from 1 and up, got `0` (number)')
    expect(() => childProcessExecutor({ abort: 'kill' as never })).toThrow("Expected `abort` to be 'terminate' or 'signal', got `kill` (string)")
  })

  it.each(['processes', 'threads'])('a script that awaits close() on a %s pool exits normally', async (kind) => {
    const root = fileURLToPath(new URL('../../', import.meta.url))
    const script = spawn(process.execPath, ['--import', 'tsx', 'tests/executor/fixtures/close-then-exit.ts', kind], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    script.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    const code = await new Promise((resolve) => script.once('close', resolve))
    expect({ code, out }).toEqual({ code: 0, out: '6,9 closed\n' })
  }, 30_000)

  it('worker processes exit when the parent is killed with SIGKILL (no orphans)', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url))
    const parent = spawn(process.execPath, ['--import', 'tsx', 'tests/executor/fixtures/orphaning-parent.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = new Promise((resolve) => parent.once('exit', resolve))
    const worker = await new Promise<number>((resolve, reject) => {
      let out = ''
      parent.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const match = /worker (\d+)\n/.exec(out)
        if (match) resolve(Number(match[1]))
      })
      parent.once('exit', (code) => reject(new Error(`the parent exited (${String(code)}) before starting a worker`)))
    })
    try {
      expect(dead(worker)).toBe(false)
      parent.kill('SIGKILL')
      await exited
      // The worker sees its IPC channel close and exits; poll (bounded) instead of sleeping a fixed time.
      for (let i = 0; i < 200 && !dead(worker); i++) await new Promise((resolve) => setTimeout(resolve, 25))
      expect(dead(worker)).toBe(true)
    } finally {
      if (!dead(worker)) process.kill(worker, 'SIGKILL')
    }
  }, 30_000)
})
