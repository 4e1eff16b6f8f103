import { hash32, mulberry32, type Random } from '../runtime/index.js'
import type { StepContext, StepLogger } from '../workflow/index.js'
import type { StepLogEvent } from '../telemetry/index.js'

/**
 * What a step context needs from its run.
 * @internal
 */
export interface StepHost {
  readonly runId: string
  readonly workflowId: string
  readonly seed: number
  now(): number
  sleep(ms: number, signal: AbortSignal): Promise<void>
  signalFor(index: number, attempt: number): AbortSignal
  log(event: StepLogEvent): void
  secretFor(index: number): (name: string) => Promise<string>
}

/**
 * The `ctx` a step body receives. Allocation is one object per attempt; the abort signal, the
 * PRNG and the logger are created only when a body first touches them.
 * @internal
 */
export class StepRuntime implements StepContext<unknown, Readonly<Record<string, unknown>>> {
  // Declared, then assigned once in the constructor: no field-initializer pass (one per step of
  // every run, and the fields would be defined twice before the JIT optimizes the constructor).
  private declare readonly host: StepHost
  declare readonly index: number
  declare readonly stepId: string
  declare readonly attempt: number
  declare readonly input: unknown
  declare readonly deps: Readonly<Record<string, unknown>>
  private declare readonly keySuffix: string | undefined
  private declare randomFn: Random | undefined
  private declare nowFn: (() => number) | undefined
  private declare sleepFn: ((ms: number) => Promise<void>) | undefined
  private declare logger: StepLogger | undefined

  constructor(host: StepHost, index: number, stepId: string, attempt: number, input: unknown, deps: Readonly<Record<string, unknown>>, keySuffix?: string) {
    this.host = host
    this.index = index
    this.stepId = stepId
    this.attempt = attempt
    this.input = input
    this.deps = deps
    this.keySuffix = keySuffix
    this.randomFn = undefined
    this.nowFn = undefined
    this.sleepFn = undefined
    this.logger = undefined
  }

  get runId(): string {
    return this.host.runId
  }

  get workflowId(): string {
    return this.host.workflowId
  }

  get signal(): AbortSignal {
    return this.host.signalFor(this.index, this.attempt)
  }

  get idempotencyKey(): string {
    return this.keySuffix === undefined ? `${this.host.runId}/${this.stepId}` : `${this.host.runId}/${this.stepId}/${this.keySuffix}`
  }

  // now/random/sleep are getters returning closures made on first use, so bodies may
  // destructure them (`({ sleep }) => sleep(10)`) without losing `this`, at no cost otherwise.
  get now(): () => number {
    return (this.nowFn ??= () => this.host.now())
  }

  get random(): () => number {
    return (this.randomFn ??= mulberry32(hash32(this.stepId, this.host.seed)))
  }

  get sleep(): (ms: number) => Promise<void> {
    return (this.sleepFn ??= (ms: number) => this.host.sleep(ms, this.signal))
  }

  get secret(): (name: string) => Promise<string> {
    return this.host.secretFor(this.index)
  }

  get log(): StepLogger {
    if (this.logger === undefined) {
      const write =
        (level: StepLogEvent['level']) =>
        (message: string, data?: Record<string, unknown>): void =>
          this.host.log({
            type: 'step.log',
            runId: this.host.runId,
            stepId: this.stepId,
            at: this.host.now(),
            level,
            message,
            ...(data === undefined ? {} : { data }),
          })
      this.logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
    }
    return this.logger
  }
}
