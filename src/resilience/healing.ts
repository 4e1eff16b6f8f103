import { serializeError, type SerializedError } from '../errors/index.js'
import { functionOption, integerOption, invalid, objectOption } from './arguments.js'
import { matchesError, type ErrorMatcher } from './error-matcher.js'
import { fallbackValueOf, type FallbackValue } from './fallback.js'
import { invoke, Listeners, resolveContext, type Policy, type PolicyContext, type PolicyFunction, type Unsubscribe } from './policy.js'
import { RemedyFailedError } from './resilience-errors.js'

/**
 * What happens after a remedy's action ran:
 * - `retry`: run the function once more;
 * - `skip`: resolve with a {@link Skipped} marker (the engine records the step as skipped);
 * - `fail`: rethrow the original error (the action was only a side effect, e.g. an alert);
 * - `fallback`: resolve with the rule's (or the remediation's) fallback value.
 * @public
 */
export type RemedyOutcome = 'retry' | 'skip' | 'fail' | 'fallback'

/**
 * A remedy's action: repairs what the error points at (frees disk space, refreshes a token,
 * restarts a service…). Receives the error and the context of the failed call; may be async.
 * @public
 */
export type RemedyAction = (error: unknown, ctx: PolicyContext) => void | PromiseLike<void>

/**
 * One self-healing rule: when an error matches `when`, run `do`, then apply `then`.
 * Plain data plus functions, so a step option can carry it.
 * @public
 */
export interface RemedyRule<F = unknown> {
  /**
   * Name for events, journals and errors.
   * @defaultValue `undefined` (the rule is named by its index)
   */
  readonly name?: string
  /** Which errors this rule heals. Required. */
  readonly when: ErrorMatcher
  /**
   * The repair to run before `then`. If it throws, the call fails with `RemedyFailedError`.
   * @defaultValue no action
   */
  readonly do?: RemedyAction
  /** What to do once the action succeeded. Required. */
  readonly then: RemedyOutcome
  /**
   * The value for `then: 'fallback'`.
   * @defaultValue the remediation's `fallback`
   */
  readonly fallback?: FallbackValue<F>
}

/**
 * Options of {@link heal} and {@link healing}.
 * @public
 */
export interface HealOptions<F = unknown> {
  /**
   * Most remedies applied within one `execute` (each `retry` remedy runs the function once
   * more, so this also bounds the extra runs).
   * @defaultValue 1
   */
  readonly maxHeals?: number
  /**
   * Fallback value of `then: 'fallback'` rules that have none of their own.
   * @defaultValue `undefined`
   */
  readonly fallback?: FallbackValue<F>
}

/**
 * A validated set of remedies: what {@link heal} returns and {@link healing} runs. The engine
 * can take it as a step option, pick a rule with {@link selectRemedy}, journal it and apply
 * `then` with its own semantics.
 * @public
 */
export interface Remediation<F = unknown> {
  /** The rules, tried in order; the first match wins. */
  readonly rules: readonly RemedyRule<F>[]
  /** Most remedies applied per execution. */
  readonly maxHeals: number
  /** Fallback of `then: 'fallback'` rules without their own. */
  readonly fallback?: FallbackValue<F>
}

/**
 * The rule chosen for an error, by {@link selectRemedy}.
 * @public
 */
export interface RemedySelection<F = unknown> {
  /** Position of the rule in its list (stable, so it can be journaled). */
  readonly index: number
  /** The rule. */
  readonly rule: RemedyRule<F>
}

/**
 * Emitted after a remedy's action succeeded, before its `then` is applied.
 * @public
 */
export interface RemedyEvent {
  readonly type: 'remedy.applied'
  /** The call's `ctx.key`, when given. */
  readonly key?: string
  /** Index of the rule. */
  readonly rule: number
  /** Name of the rule, when it has one. */
  readonly name?: string
  /** The outcome about to be applied. */
  readonly then: RemedyOutcome
  /** The error that was healed. */
  readonly error: unknown
  /** How many remedies this execution has applied, this one included. */
  readonly heal: number
}

/**
 * What a `skip` remedy resolves with: says the work was skipped on purpose, by which rule,
 * after which error. Test for it with {@link isSkipped}.
 * @public
 */
export class Skipped {
  /** Index of the rule that skipped. */
  readonly rule: number
  /** Name of that rule, when it has one. */
  readonly name: string | undefined
  /** The error that led to the skip. */
  readonly error: unknown

  constructor(rule: number, name: string | undefined, error: unknown) {
    this.rule = rule
    this.name = name
    this.error = error
  }

  /** A JSON form: `{ skipped: true, rule, name?, error }` with the error serialized. */
  toJSON(): { readonly skipped: true; readonly rule: number; readonly name?: string; readonly error: SerializedError } {
    return this.name === undefined ? { skipped: true, rule: this.rule, error: serializeError(this.error) } : { skipped: true, rule: this.rule, name: this.name, error: serializeError(this.error) }
  }
}

/**
 * True when `value` is the {@link Skipped} marker of a `skip` remedy.
 * @example
 * ```ts
 * const out = await policy.execute(run)
 * if (isSkipped(out)) console.log(`skipped by rule ${out.name ?? out.rule}`)
 * ```
 * @public
 */
export function isSkipped(value: unknown): value is Skipped {
  return value instanceof Skipped
}

/**
 * The first rule whose `when` matches `error`, with its index; `undefined` when none does.
 * Pure as long as the rules' predicates are.
 * @example
 * ```ts
 * const remedy = selectRemedy(rules, error)
 * if (remedy?.rule.then === 'retry') journal({ type: 'remedy', rule: remedy.index })
 * ```
 * @public
 */
export function selectRemedy<F>(rules: readonly RemedyRule<F>[], error: unknown): RemedySelection<F> | undefined {
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index]!
    if (matchesError(rule.when, error)) return { index, rule }
  }
  return undefined
}

const outcomes: ReadonlySet<unknown> = new Set<RemedyOutcome>(['retry', 'skip', 'fail', 'fallback'])

/**
 * Validates remedies into a {@link Remediation} (frozen plain data). Every problem is
 * reported with the rule's position, e.g. "Expected `heal.rules[1].then` to be …".
 * @example
 * ```ts
 * const remediation = heal([
 *   { name: 'disk-full', when: { code: 'ENOSPC' }, do: () => cleanTmp(), then: 'retry' },
 *   { name: 'optional-feed', when: P.instanceOf(FeedGoneError), then: 'skip' },
 * ])
 * ```
 * @public
 */
export function heal<F = never>(rules: readonly RemedyRule<F>[], options?: HealOptions<F>): Remediation<F> {
  if (!Array.isArray(rules)) invalid('heal.rules', 'an array of rules', rules)
  const o = objectOption('heal.options', options)
  const maxHeals = integerOption('heal.maxHeals', o.maxHeals, 1, 1)
  const checked = rules.map((rule, i) => {
    const at = `heal.rules[${i}]`
    if (typeof rule !== 'object' || rule === null) invalid(at, 'a rule like { when, do, then }', rule)
    if (rule.when === undefined) invalid(`${at}.when`, 'a predicate, an Error class or a ts-pattern pattern', undefined)
    if (!outcomes.has(rule.then)) invalid(`${at}.then`, "'retry', 'skip', 'fail' or 'fallback'", rule.then)
    functionOption(`${at}.do`, rule.do)
    if (rule.name !== undefined && typeof rule.name !== 'string') invalid(`${at}.name`, 'a string', rule.name)
    if (rule.then === 'fallback' && !('fallback' in rule) && !('fallback' in o)) {
      invalid(`${at}.fallback`, "a fallback value (or a `fallback` in the options) for then: 'fallback'", undefined)
    }
    return Object.freeze({ ...rule })
  })
  return Object.freeze({ rules: Object.freeze(checked), maxHeals, ...('fallback' in o ? { fallback: o.fallback } : {}) })
}

/**
 * The policy returned by {@link healing}: resolves with the function's result, a fallback
 * value `F`, or a {@link Skipped} marker.
 * @public
 */
export interface HealingPolicy<F = never> extends Policy<F | Skipped> {
  /** The remedies it applies. */
  readonly remediation: Remediation<F>
  /** Calls `listener` after each remedy's action succeeded. */
  onRemedy(listener: (event: RemedyEvent) => void): Unsubscribe
}

function isRemediation<F>(value: unknown): value is Remediation<F> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Array.isArray((value as Remediation<F>).rules)
}

class HealingPolicyImpl<F> implements HealingPolicy<F> {
  private readonly applied = new Listeners<RemedyEvent>()

  constructor(readonly remediation: Remediation<F>) {}

  onRemedy(listener: (event: RemedyEvent) => void): Unsubscribe {
    return this.applied.add(listener)
  }

  async execute<T>(fn: PolicyFunction<T>, partial?: Partial<PolicyContext>): Promise<T | F | Skipped> {
    const ctx = resolveContext(partial)
    const { rules, maxHeals } = this.remediation
    for (let heals = 0; ; ) {
      let error: unknown
      try {
        return await invoke(fn, ctx)
      } catch (e) {
        error = e
      }
      if (ctx.signal.aborted || heals >= maxHeals) throw error
      const selected = selectRemedy(rules, error)
      if (selected === undefined) throw error
      heals++
      const { index, rule } = selected
      if (rule.do !== undefined) {
        const action = rule.do
        try {
          await invoke(() => action(error, ctx), ctx)
        } catch (actionError) {
          throw new RemedyFailedError(index, rule.name, error, actionError)
        }
      }
      this.applied.emit({
        type: 'remedy.applied',
        ...(ctx.key === undefined ? {} : { key: ctx.key }),
        rule: index,
        ...(rule.name === undefined ? {} : { name: rule.name }),
        then: rule.then,
        error,
        heal: heals,
      })
      switch (rule.then) {
        case 'retry':
          continue
        case 'skip':
          return new Skipped(index, rule.name, error)
        case 'fail':
          throw error
        case 'fallback':
          return fallbackValueOf('fallback' in rule ? rule.fallback : this.remediation.fallback, error, ctx)
      }
    }
  }
}

/**
 * A self-healing policy: when the function fails with an error matching a rule, it runs the
 * rule's action (`do`) and then retries once more, skips (resolving with {@link Skipped}),
 * fails with the original error, or falls back — see {@link RemedyOutcome}. At most
 * `maxHeals` remedies per execution; an error no rule matches, or one after the last heal,
 * is rethrown. A failing action rejects with `RemedyFailedError`.
 * @example
 * ```ts
 * const selfHealing = healing([
 *   { name: 'expired-token', when: { status: 401 }, do: () => auth.refresh(), then: 'retry' },
 *   { name: 'no-such-report', when: { status: 404 }, then: 'skip' },
 * ])
 * const report = await selfHealing.execute(() => api.getReport(id))
 * if (isSkipped(report)) console.log('no report today')
 * ```
 * @public
 */
export function healing<F = never>(rules: readonly RemedyRule<F>[] | Remediation<F>, options?: HealOptions<F>): HealingPolicy<F> {
  return new HealingPolicyImpl(isRemediation<F>(rules) ? heal(rules.rules, { maxHeals: rules.maxHeals, ...('fallback' in rules ? { fallback: rules.fallback } : {}), ...options }) : heal(rules, options))
}
