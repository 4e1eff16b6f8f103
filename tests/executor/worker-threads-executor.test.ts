import { afterEach, describe, expect, it } from 'vitest'
import {
  ExecutorClosedError,
  InvalidHandlerError,
  isWeftError,
  WorkerCrashedError,
  workerThreadsExecutor,
  type Executor,
  type StepTask,
} from '../../src/index.js'
import { hashChain } from './fixtures/worker-handlers.js'
import { handlers, plain, rejection, task } from './handler-tasks.js'

describe('workerThreadsExecutor', () => {
  let executor: Executor | undefined
  afterEach(async () => {
    await executor?.close?.()
    executor = undefined
  })

  it('a worker that calls process.exit fails only its step with WorkerCrashedError; the pool keeps working', async () => {
    executor = workerThreadsExecutor({ size: 2 })
    const crash = executor.execute(task('exitHard'))
    const others = Array.from({ length: 6 }, (_, i) => executor!.execute(task('cpuHash', { seed: `s${i}`, rounds: 200 })))
    const error = await rejection(crash)
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect(isWeftError(error, 'WEFT_WORKER_CRASHED')).toBe(true)
    expect((error as WorkerCrashedError).data).toMatchObject({ runId: 'run-w', exitCode: 3, reason: 'exit' })
    const results = (await Promise.all(others)) as { digest: string }[]
    results.forEach((r, i) => expect(r.digest).toBe(hashChain(`s${i}`, 200)))
    // still working after the crash, on both threads
    await expect(Promise.all([executor.execute(task('echo', 1)), executor.execute(task('echo', 2))])).resolves.toEqual([1, 2])
  })

  it('an error escaping the handler (thrown from a callback) is a crash too, with the error as cause', async () => {
    executor = workerThreadsExecutor({ size: 1 })
    const error = await rejection(executor.execute(task('escapeError')))
    expect(error).toBeInstanceOf(WorkerCrashedError)
    expect((error as WorkerCrashedError).data.reason).toBe('uncaught')
    expect((error as WorkerCrashedError).cause).toMatchObject({ message: 'escaped the handler' })
    await expect(executor.execute(task('echo', 'after'))).resolves.toBe('after')
  })

  it('CPU-bound tasks run in parallel on separate threads: all parties meet only when threads >= parties', async () => {
    const meet = async (size: number, parties: number, timeoutMs: number): Promise<{ met: boolean; threadId: number }[]> => {
      const ex = workerThreadsExecutor({ size })
      try {
        const counter = new SharedArrayBuffer(4)
        return (await Promise.all(Array.from({ length: parties }, () => ex.execute(task('rendezvous', { counter, parties, timeoutMs }))))) as { met: boolean; threadId: number }[]
      } finally {
        await ex.close!()
      }
    }
    const three = await meet(3, 3, 30_000) // a safety net only: they meet as soon as all three run
    expect(three.map((r) => r.met)).toEqual([true, true, true])
    expect(new Set(three.map((r) => r.threadId)).size).toBe(3)
    const one = await meet(1, 2, 200) // one thread: the first party waits alone and gives up
    expect(one.map((r) => r.met)).toEqual([false, true])
    expect(new Set(one.map((r) => r.threadId)).size).toBe(1)
  })

  it('a CPU-bound fan-out completes every task, spread over every thread', async () => {
    executor = workerThreadsExecutor({ size: 2 })
    const results = (await Promise.all(Array.from({ length: 8 }, (_, i) => executor!.execute(task('cpuHash', { seed: `f${i}`, rounds: 2000 }))))) as { digest: string; threadId: number }[]
    expect(results.map((r) => r.digest)).toEqual(Array.from({ length: 8 }, (_, i) => hashChain(`f${i}`, 2000)))
    expect(new Set(results.map((r) => r.threadId)).size).toBe(2)
  })

  it('aborting a CPU-bound handler that never yields terminates its thread; the next task gets a new one', async () => {
    executor = workerThreadsExecutor({ size: 1 })
    const controller = new AbortController()
    const spinning = executor.execute(task('spinForever', undefined, { signal: controller.signal }))
    const queued = executor.execute(task('echo', 'queued behind the spinner'))
    await new Promise((resolve) => setImmediate(resolve))
    const reason = new Error('cancelled')
    controller.abort(reason)
    await expect(spinning).rejects.toBe(reason)
    await expect(queued).resolves.toBe('queued behind the spinner')
  })

  it('runs JavaScript handlers by file URL, including default exports', async () => {
    executor = workerThreadsExecutor({ size: 1 })
    await expect(executor.execute(task({ module: plain, export: 'triple' }, 5))).resolves.toBe(15)
    const t = task({ module: plain, export: 'default' })
    await expect(executor.execute(t)).resolves.toBe(`default export ran ${t.step.id}`)
  })

  it('a step without a usable handler rejects with InvalidHandlerError', async () => {
    executor = workerThreadsExecutor({ size: 1 })
    const cases: [StepTask, RegExp][] = [
      [task(undefined), /set meta\.handler = \{ module, export \}/],
      [task({ module: './relative.js', export: 'x' }), /must be an absolute path or a file: URL, got "\.\/relative\.js"/],
      [task({ module: handlers }), /handler\.export must be a non-empty string/],
      [task('nothingHere'), /export "nothingHere" of .* is missing/],
      [task('notAFunction'), /export "notAFunction" of .* is not a function/],
      [task({ module: '/no/such/module.mjs', export: 'x' }), /Cannot find module/],
    ]
    for (const [t, message] of cases) {
      const error = await rejection(executor.execute(t))
      expect(error).toBeInstanceOf(InvalidHandlerError)
      expect(isWeftError(error, 'WEFT_INVALID_HANDLER')).toBe(true)
      expect((error as InvalidHandlerError).message).toMatch(message)
      expect((error as InvalidHandlerError).data.stepId).toBe(t.step.id)
    }
    await expect(executor.execute(task('echo', 'fine'))).resolves.toBe('fine')
  })

  it('uses a custom resolve', async () => {
    executor = workerThreadsExecutor({ size: 1, resolve: (step) => ({ module: plain, export: step.meta?.['fn'] as string }) })
    await expect(executor.execute(task(undefined, 2, { meta: { fn: 'triple' } }))).resolves.toBe(6)
  })

  it('inputs and outputs that cannot be cloned reject the attempt', async () => {
    executor = workerThreadsExecutor({ size: 1 })
    await expect(executor.execute(task('echo', { fn: () => 1 }))).rejects.toMatchObject({ name: 'DataCloneError' })
    await expect(executor.execute(task('returnsFunction'))).rejects.toMatchObject({ name: 'DataCloneError' })
    await expect(executor.execute(task('echo', new Map([[1, { a: 2 }]])))).resolves.toEqual(new Map([[1, { a: 2 }]]))
  })

  it('close() rejects queued and running attempts with ExecutorClosedError, and later ones too', async () => {
    const ex = workerThreadsExecutor({ size: 1 })
    const running = rejection(ex.execute(task('spinForever')))
    const queued = rejection(ex.execute(task('echo', 1)))
    await new Promise((resolve) => setImmediate(resolve))
    await ex.close!()
    for (const p of [running, queued, rejection(ex.execute(task('echo', 2)))]) {
      const error = await p
      expect(error).toBeInstanceOf(ExecutorClosedError)
      expect(isWeftError(error, 'WEFT_EXECUTOR_CLOSED')).toBe(true)
    }
  })

  it('withoutHandler runs the steps that have no handler; the others still run on threads', async () => {
    const delegated: string[] = []
    let delegateClosed = 0
    const ex = workerThreadsExecutor({
      size: 1,
      withoutHandler: {
        execute: (t) => {
          delegated.push(t.step.id)
          return Promise.resolve(`inline ${t.step.id}`)
        },
        close: async () => void delegateClosed++,
      },
    })
    const light = task(undefined)
    await expect(ex.execute(light)).resolves.toBe(`inline ${light.step.id}`)
    const heavy = (await ex.execute(task('cpuHash', { seed: 'w', rounds: 10 }))) as { digest: string; threadId: number }
    expect(heavy.digest).toBe(hashChain('w', 10))
    expect(heavy.threadId).toBeGreaterThan(0)
    // A reference that is there but malformed is a definition error, not a step to run elsewhere.
    await expect(ex.execute(task({ module: './relative.js', export: 'x' }))).rejects.toBeInstanceOf(InvalidHandlerError)
    expect(delegated).toEqual([light.step.id])
    await ex.close!()
    expect(delegateClosed).toBe(1)
    await expect(ex.execute(task(undefined))).rejects.toBeInstanceOf(ExecutorClosedError)
    expect(delegated).toHaveLength(1)
  })

  it('rejects invalid options with exact messages', () => {
    expect(() => workerThreadsExecutor({ withoutHandler: 'inline' as never })).toThrow('Expected `withoutHandler` to be an Executor (an object with execute()), got `inline` (string)')
    expect(() => workerThreadsExecutor({ size: 0 })).toThrow('Expected `size` to be an integer from 1 and up, got `0` (number)')
    expect(() => workerThreadsExecutor({ size: 1.5 })).toThrow(RangeError)
    expect(() => workerThreadsExecutor({ abort: 'kill' as never })).toThrow("Expected `abort` to be 'terminate' or 'signal', got `kill` (string)")
  })
})

describe('workerThreadsExecutor thread start failures', () => {
  it('a thread that cannot start fails the attempt instead of throwing', async () => {
    const ex = workerThreadsExecutor({ size: 1, execArgv: ['--no-such-node-flag'] })
    try {
      await expect(ex.execute(task('echo', 1))).rejects.toMatchObject({ code: 'ERR_WORKER_INVALID_EXEC_ARGV' })
    } finally {
      await ex.close!()
    }
  })
})
