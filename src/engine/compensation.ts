import { serializeError } from '../errors/index.js'
import { CompensationInterruptedError } from './engine-errors.js'
import type { JournalEvent } from '../journal/index.js'
import type { Clock } from '../runtime/index.js'
import type { StepDefinition } from '../workflow/index.js'
import { retryDelay } from './retry-decision.js'

/** What compensation needs from its run. @internal */
export interface CompensationHost {
  readonly runId: string
  readonly seed: number
  readonly clock: Clock
  time(): number
  nextSeq(): number
  record(event: JournalEvent): void
  /** Runs `action` once the events recorded so far are journaled. */
  afterCommit(action: () => void): void
  flush(): void
  /** Runs the compensation of step `index` through the executor. */
  execute(index: number, attempt: number): Promise<unknown>
}

/** Per-step compensation progress, rebuilt from the journal on resume. @internal */
export interface CompensationState {
  readonly attempts: Map<number, number>
  readonly compensated: Set<number>
  readonly failed: Set<number>
  /** Compensations the journal shows started without an end (the process stopped meanwhile). */
  readonly interrupted: Set<number>
}

/** @internal */
export function emptyCompensationState(): CompensationState {
  return { attempts: new Map(), compensated: new Set(), failed: new Set(), interrupted: new Set() }
}

/**
 * Runs the compensations of succeeded steps one at a time, in reverse completion order. Each
 * start and end is journaled, and each compensation runs at most once: after a crash, one that
 * had started without a recorded end is not run again (it may have done its work) but recorded
 * as failed with a `CompensationInterruptedError`, so the run ends `compensation-failed` for a
 * person to check — an undo done twice (a double refund) is worse than one reported as unknown.
 * Failed compensations retry by the step's compensation retry policy; a final failure is
 * recorded and the others still run.
 * @internal
 */
export class Compensation {
  private position = 0
  private readonly lastDelay = new Map<number, number>()

  constructor(
    private readonly host: CompensationHost,
    private readonly steps: readonly StepDefinition[],
    /** Step indices in reverse completion order, only steps that have a compensation. */
    private readonly order: readonly number[],
    private readonly state: CompensationState,
    private readonly done: (compensated: string[], failed: string[]) => void,
  ) {}

  start(): void {
    this.next()
  }

  private next(): void {
    while (this.position < this.order.length) {
      const i = this.order[this.position]!
      if (this.state.compensated.has(i) || this.state.failed.has(i)) {
        this.position++
        continue
      }
      if (this.state.interrupted.has(i)) {
        // At most once: it may have run, so it is not run again; it is reported for a person to check.
        this.state.interrupted.delete(i)
        this.state.failed.add(i)
        const host = this.host
        host.record({
          seq: host.nextSeq(),
          at: host.time(),
          runId: host.runId,
          type: 'compensation.failed',
          stepId: this.steps[i]!.id,
          attempt: this.state.attempts.get(i) ?? 1,
          error: serializeError(new CompensationInterruptedError(host.runId, this.steps[i]!.id)),
          willRetry: false,
        })
        this.position++
        continue
      }
      this.attempt(i)
      return
    }
    const ids = (set: Set<number>) => this.order.filter((i) => set.has(i)).map((i) => this.steps[i]!.id)
    this.done(ids(this.state.compensated), ids(this.state.failed))
  }

  private attempt(i: number): void {
    const host = this.host
    const step = this.steps[i]!
    const attempt = (this.state.attempts.get(i) ?? 0) + 1
    this.state.attempts.set(i, attempt)
    host.record({ seq: host.nextSeq(), at: host.time(), runId: host.runId, type: 'compensation.started', stepId: step.id, attempt })
    host.afterCommit(() => {
      host.execute(i, attempt).then(
        () => {
          this.state.compensated.add(i)
          host.record({ seq: host.nextSeq(), at: host.time(), runId: host.runId, type: 'compensation.succeeded', stepId: step.id, attempt })
          this.position++
          this.next()
          host.flush()
        },
        (error: unknown) => {
          const retry = compensationOf(step)!.retry
          const delay = retry === undefined ? undefined : retryDelay(retry, attempt, error, host.seed, `${step.id}#compensate`, this.lastDelay.get(i))
          if (delay !== undefined) this.lastDelay.set(i, delay)
          host.record({
            seq: host.nextSeq(),
            at: host.time(),
            runId: host.runId,
            type: 'compensation.failed',
            stepId: step.id,
            attempt,
            error: serializeError(error),
            willRetry: delay !== undefined,
            ...(delay === undefined ? {} : { delayMs: delay }),
          })
          if (delay === undefined) {
            this.state.failed.add(i)
            this.position++
            this.next()
            host.flush()
            return
          }
          host.flush()
          host.clock.sleep(delay).then(() => {
            this.attempt(i)
            host.flush()
          })
        },
      )
    })
    host.flush()
  }
}

/** The compensation of a step in its object form. @internal */
export function compensationOf(step: StepDefinition): { run: NonNullable<StepDefinition['compensate']>; retry: StepDefinition['retry'] } | undefined {
  if (step.compensate === undefined) return undefined
  return { run: step.compensate, retry: step.compensateRetry }
}
