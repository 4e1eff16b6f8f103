import { serializeError, type SerializedError } from '../errors/index.js'
import type { JournalEvent } from '../journal/index.js'
import { createRedactor, SecretLeakError, secretAccessor, type Redactor, type SecretProvider } from '../secrets/index.js'
import type { WeftEvent } from '../telemetry/index.js'
import type { StepDefinition } from '../workflow/index.js'

/**
 * What a run does with a step output that contains a secret value: `'fail'` fails the step
 * with a {@link SecretLeakError} naming each JSON pointer (nothing is stored); `'redact'`
 * replaces the values with `[REDACTED:NAME]` and stores (and passes on) the redacted output.
 * @public
 */
export type SecretLeakPolicy = 'fail' | 'redact'

/** The engine-wide secret settings. @internal */
export interface SecretSettings {
  readonly provider: SecretProvider | undefined
  readonly leaks: SecretLeakPolicy
  readonly minLength: number | undefined
}

/** Without a provider every declared secret is missing (`SecretNotFoundError`). */
const noProvider: SecretProvider = {
  get: async () => undefined,
}

/**
 * One run's secrets: the redactor every value read in the run is registered with, the
 * per-step `ctx.secret` accessors, and the redaction of whatever the run writes or reports.
 * Created only for workflows whose steps declare secrets; a run without any costs nothing.
 * @internal
 */
export class RunSecrets {
  readonly redactor: Redactor
  private readonly accessors = new Map<number, (name: string) => Promise<string>>()

  constructor(
    private readonly settings: SecretSettings,
    private readonly steps: readonly StepDefinition[],
  ) {
    this.redactor = createRedactor(settings.minLength === undefined ? {} : { minLength: settings.minLength })
  }

  /** True once a value is registered: only then is there anything to redact. */
  get active(): boolean {
    return this.redactor.size > 0
  }

  /**
   * Reads every secret a step of the workflow declares and registers it, so that values read
   * before a restart (by steps that will not run again) are still redacted. Secrets the provider
   * does not have are skipped here; the step that asks for one gets `SecretNotFoundError`.
   */
  async preload(): Promise<void> {
    const provider = this.settings.provider
    if (provider === undefined) return
    const names = new Set<string>()
    for (const step of this.steps) for (const name of step.secrets ?? []) names.add(name)
    await Promise.all(
      [...names].map(async (name) => {
        const value = await provider.get(name)
        if (typeof value === 'string' && value !== '') this.redactor.add(name, value)
      }),
    )
  }

  /** The `ctx.secret` of step `i`. */
  accessor(i: number): (name: string) => Promise<string> {
    let get = this.accessors.get(i)
    if (get === undefined) {
      const step = this.steps[i]!
      const provider = this.settings.provider ?? noProvider
      get = secretAccessor({ provider, redactor: this.redactor, declared: step.secrets ?? [], stepId: step.id })
      this.accessors.set(i, get)
    }
    return get
  }

  /**
   * Checks a step output: resolves the output to store (the same object when it holds no
   * secret, a redacted copy under the `'redact'` policy) or throws a {@link SecretLeakError}.
   */
  checkOutput(stepId: string, output: unknown): unknown {
    const leaks = this.redactor.findLeaks(output)
    if (leaks.length === 0) return output
    if (this.settings.leaks === 'redact') return this.redactor.redactValue(output)
    throw new SecretLeakError({ stepId, leaks })
  }

  /** Throws a {@link SecretLeakError} when the workflow input holds a registered secret value. */
  checkInput(input: unknown): void {
    const leaks = this.redactor.findLeaks(input)
    if (leaks.length > 0) throw new SecretLeakError({ leaks })
  }

  /** `event` with every registered secret redacted (the event itself when it holds none). */
  event<E extends JournalEvent | WeftEvent>(event: E): E {
    return this.redactor.redactValue(event) as E
  }

  /** A thrown value serialized with its message, stack, data and causes redacted. */
  error(error: unknown): SerializedError {
    return this.active ? this.redactor.redactError(error) : serializeError(error)
  }
}
