import { performance } from 'node:perf_hooks'
import type { RunHandle, RunResult } from '../engine/index.js'
import type { JournalEvent } from '../journal/index.js'
import type { Workflow } from '../workflow/index.js'
import { ExitCode, type ExitCodeValue } from './exit-codes.js'
import { formatDuration, oneLine, type Output } from './output.js'
import type { OpenedEngine } from './open-engine.js'
import { Progress } from './progress.js'
import { watchInbox } from './signal-inbox.js'

/** How {@link RunSession} shows a run. */
export interface RunSessionOptions {
  /** Print the result as one JSON object on stdout (progress still goes to stderr). */
  readonly json: boolean
  /** Show progress on stderr. */
  readonly progress: boolean
  /** Journal directory (for the signal inbox). */
  readonly storeDir: string
}

/**
 * Drives one run in this process for `weft run` and `weft resume`: progress, Ctrl-C, signals
 * from other `weft` processes, and the final report. Create it before starting the run, so no
 * event is missed.
 */
export class RunSession {
  private readonly progress: Progress
  private readonly unsubscribe: () => void
  private readonly started = performance.now()

  constructor(
    private readonly out: Output,
    private readonly opened: OpenedEngine,
    workflow: Workflow,
    private readonly runId: string,
    private readonly options: RunSessionOptions,
  ) {
    this.progress = new Progress(out, workflow, runId, options.progress)
    this.unsubscribe = opened.engine.on('*', (event) => this.progress.event(event))
  }

  /** Feeds the events of the journal before a resume into the progress counts. */
  restore(journal: readonly JournalEvent[]): void {
    this.progress.restore(journal)
  }

  /** A message on stderr that does not garble the live status line. */
  note(text: string): void {
    if (this.options.progress) this.progress.line(text)
  }

  /**
   * Starts the run with `start` (a refused start ends the session and is rethrown), prints
   * `note`, then waits for the run to end and reports it (see {@link RunSession.finish}).
   */
  async launch(start: () => RunHandle | Promise<RunHandle>, note: string, onInterrupt: (listener: () => void) => () => void): Promise<ExitCodeValue> {
    let handle: RunHandle
    try {
      handle = await start()
    } catch (error) {
      this.unsubscribe()
      this.progress.stop()
      throw error
    }
    this.note(note)
    return this.finish(handle, onInterrupt)
  }

  /**
   * Waits for the run to end and reports it. The first interrupt (Ctrl-C, SIGTERM) cancels the
   * run as resumable and waits for the steps to stop; a second stops waiting at once. Resolves
   * the exit code: 0 succeeded, 1 failed/cancelled/compensated, 130 interrupted.
   */
  private async finish(handle: RunHandle, onInterrupt: (listener: () => void) => () => void): Promise<ExitCodeValue> {
    let interrupts = 0
    let force: (() => void) | undefined
    const forced = new Promise<'forced'>((resolve) => (force = () => resolve('forced')))
    const off = onInterrupt(() => {
      interrupts++
      if (interrupts === 1) {
        this.progress.line(this.out.paint('yellow', 'interrupted: cancelling the run (Ctrl-C again to stop without waiting)'))
        handle.cancel('interrupted', { resumable: true })
      } else force?.()
    })
    let cancelledFromOutside = false
    const stopInbox = watchInbox(this.options.storeDir, this.runId, async (message) => {
      if (message.kind === 'signal') return this.opened.engine.signal(this.runId, message.name, message.payload)
      cancelledFromOutside = true
      this.progress.line(this.out.paint('yellow', `cancel requested by \`weft cancel\`: ${oneLine(message.reason)}`))
      handle.cancel(message.reason)
    })
    let outcome: RunResult | 'forced'
    try {
      outcome = await Promise.race([handle.result, forced])
    } finally {
      off()
      this.unsubscribe()
      this.progress.stop()
      await stopInbox()
    }
    if (outcome === 'forced') {
      this.out.err(`stopped without waiting for the steps; continue with: weft resume ${this.runId}`)
      return ExitCode.interrupted
    }
    return this.report(outcome, interrupts > 0 && !cancelledFromOutside)
  }

  private report(result: RunResult, interrupted: boolean): ExitCodeValue {
    const { done, total } = this.progress.counts()
    const elapsed = formatDuration(performance.now() - this.started)
    const code = result.status === 'succeeded' ? ExitCode.ok : result.status === 'cancelled' && interrupted ? ExitCode.interrupted : ExitCode.failed
    if (this.options.json) {
      this.out.json(result)
    } else if (result.status === 'succeeded') {
      if (result.output !== undefined) this.out.json(result.output)
    }
    if (result.status === 'succeeded') {
      this.out.err(`${this.out.paint('green', '✓')} run ${this.runId} succeeded in ${elapsed} (${done}/${total} steps)`)
    } else if (code === ExitCode.interrupted) {
      this.out.err(`${this.out.paint('yellow', '■')} run ${this.runId} interrupted after ${elapsed} (${done}/${total} steps done); continue with: weft resume ${this.runId}`)
    } else {
      this.out.err(`${this.out.paint('red', '✗')} run ${this.runId} ${result.status}: ${oneLine(result.error.message, 300)}`)
      for (const [id, step] of Object.entries(result.steps)) {
        if (step.status === 'failed') this.out.err(`  step ${id} failed after ${step.attempts} attempt${step.attempts === 1 ? '' : 's'}: ${oneLine(step.error?.message ?? '', 300)}`)
      }
    }
    return code
  }
}
