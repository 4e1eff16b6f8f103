import { performance } from 'node:perf_hooks'
import type { JournalEvent } from '../journal/index.js'
import type { WeftEvent } from '../telemetry/index.js'
import type { Workflow } from '../workflow/index.js'
import { formatDuration, oneLine, type Output } from './output.js'

type StepState = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled'

interface StepProgress {
  state: StepState
  attempt: number
  startedAt?: number
}

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/**
 * Shows a run's progress on stderr. On a terminal: a line per finished step and a status line
 * redrawn in place (running steps, done/total, retries, elapsed time). Elsewhere: one plain
 * line per step event, nothing redrawn.
 */
export class Progress {
  private readonly steps = new Map<string, StepProgress>()
  private readonly started = performance.now()
  private timer: NodeJS.Timeout | undefined
  private frame = 0
  private statusShown = false
  private readonly live: boolean

  constructor(
    private readonly out: Output,
    workflow: Workflow,
    private readonly runId: string,
    private readonly enabled: boolean,
  ) {
    for (const step of workflow.steps) this.steps.set(step.id, { state: 'pending', attempt: 0 })
    this.live = enabled && out.io.stderr.isTTY === true
    if (this.live) {
      this.timer = setInterval(() => this.drawStatus(), 100)
      this.timer.unref()
    }
  }

  /** Applies events recorded before this process (a resumed run) without printing them. */
  restore(journal: readonly JournalEvent[]): void {
    for (const event of journal) this.apply(event)
    for (const step of this.steps.values()) if (step.state === 'running' || step.state === 'waiting') step.state = 'pending'
  }

  /** Steps finished for good (succeeded, failed or skipped; a cancelled step may run again) and in total. */
  counts(): { readonly done: number; readonly total: number } {
    let done = 0
    for (const s of this.steps.values()) if (s.state === 'succeeded' || s.state === 'failed' || s.state === 'skipped') done++
    return { done, total: this.steps.size }
  }

  /** Reports one event of the engine (events of other runs are ignored). */
  event(event: WeftEvent): void {
    if (!('runId' in event) || event.runId !== this.runId) return
    const line = this.apply(event)
    if (line !== undefined && this.enabled) this.line(line)
  }

  /** A message between progress lines. */
  line(text: string): void {
    if (this.live) this.clearStatus()
    this.out.err(text)
    if (this.live) this.drawStatus()
  }

  /** Stops redrawing and clears the status line. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    if (this.live) this.clearStatus()
  }

  private tag(): string {
    const { done, total } = this.counts()
    return this.out.paint('dim', `[${done}/${total}]`)
  }

  /** Updates the state; returns the line to print for the event, if any. */
  private apply(event: WeftEvent): string | undefined {
    const stepId = 'stepId' in event && typeof event.stepId === 'string' ? event.stepId : undefined
    const step = stepId === undefined ? undefined : this.steps.get(stepId)
    switch (event.type) {
      case 'step.started': {
        if (step === undefined) return undefined
        step.state = 'running'
        step.attempt = event.attempt
        step.startedAt = event.at
        return this.live ? undefined : `${this.tag()} ${stepId} started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`
      }
      case 'step.succeeded': {
        if (step === undefined) return undefined
        step.state = 'succeeded'
        const took = step.startedAt === undefined ? '' : ` in ${formatDuration(event.at - step.startedAt)}`
        const note = event.simulated === true ? ' (dry run)' : event.fallback === true ? ' (fallback)' : ''
        return `${this.tag()} ${this.out.paint('green', '✓')} ${stepId} succeeded${took}${note}`
      }
      case 'step.failed': {
        if (step === undefined) return undefined
        step.state = event.willRetry ? 'waiting' : 'failed'
        const why = oneLine(event.error.message)
        if (event.willRetry) return `${this.tag()} ${this.out.paint('yellow', '↻')} ${stepId} failed (attempt ${event.attempt}): ${why}; retrying in ${formatDuration(event.delayMs ?? 0)}`
        return `${this.tag()} ${this.out.paint('red', '✗')} ${stepId} failed (attempt ${event.attempt}): ${why}`
      }
      case 'step.skipped': {
        if (step === undefined) return undefined
        step.state = 'skipped'
        return `${this.tag()} ${this.out.paint('dim', '-')} ${stepId} skipped (${event.reason}${event.dependency === undefined ? '' : `: ${event.dependency}`})`
      }
      case 'step.cancelled': {
        if (step === undefined) return undefined
        step.state = 'cancelled'
        return `${this.tag()} ${this.out.paint('yellow', '■')} ${stepId} cancelled: ${oneLine(event.reason)}`
      }
      case 'step.healed':
        return `${this.tag()} ${stepId} healed by rule ${event.name ?? event.rule} (then ${event.then})`
      case 'signal.received':
        return `signal "${event.name}" received`
      case 'step.log':
        return `  ${this.out.paint('dim', `${event.stepId} ${event.level}:`)} ${oneLine(event.message, 200)}`
      case 'compensation.started':
        return `compensating ${stepId}`
      case 'compensation.failed':
        return `compensation of ${stepId} failed: ${oneLine(event.error.message)}`
      case 'run.resumed':
        return event.restarted.length === 0 ? undefined : `restarting ${event.restarted.join(', ')}`
      default:
        return undefined
    }
  }

  private statusText(): string {
    const { done, total } = this.counts()
    const running: string[] = []
    for (const [id, s] of this.steps) {
      if (s.state === 'running') running.push(s.attempt > 1 ? `${id} (attempt ${s.attempt})` : id)
      else if (s.state === 'waiting') running.push(`${id} (retry ${s.attempt + 1} pending)`)
    }
    const elapsed = formatDuration(performance.now() - this.started)
    const now = running.length === 0 ? 'waiting' : `running: ${running.join(', ')}`
    return `${spinner[this.frame++ % spinner.length]} ${done}/${total} done · ${now} · ${elapsed}`
  }

  private drawStatus(): void {
    const columns = this.out.io.stderr.columns || 80 // 0 on some pseudo-terminals
    let text = this.statusText()
    if (text.length > columns - 1) text = `${text.slice(0, Math.max(0, columns - 2))}…`
    this.out.io.stderr.write(`\r\x1b[K${text}`)
    this.statusShown = true
  }

  private clearStatus(): void {
    if (this.statusShown) this.out.io.stderr.write('\r\x1b[K')
    this.statusShown = false
  }
}
