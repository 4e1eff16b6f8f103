import {
  breakerRegistry,
  bulkhead,
  rateLimitRegistry,
  wrap,
  type BulkheadPolicy,
  type Policy,
} from '../resilience/index.js'
import type { Clock } from '../runtime/index.js'
import type { EventBus } from '../telemetry/index.js'
import type { StepDefinition } from '../workflow/index.js'

/**
 * The engine-wide resilience state of steps: circuit breakers, bulkheads and rate limiters
 * shared by key across every run of one engine. `guard(step)` composes the step's policies
 * (rate limit, then bulkhead, then breaker, outermost first) once per step definition.
 * @internal
 */
export class StepGuards {
  private readonly breakers
  private readonly limiters
  private readonly bulkheads = new Map<string, BulkheadPolicy>()
  private readonly guards = new WeakMap<StepDefinition, Policy | null>()

  constructor(clock: Clock, bus: EventBus) {
    this.breakers = breakerRegistry({ clock })
    this.limiters = rateLimitRegistry({ clock })
    this.breakers.onStateChange((event) => bus.emit({ type: event.type, key: event.key ?? '', at: event.at }))
  }

  /** The composed policy of a step, or undefined when it declares none. */
  guard(step: StepDefinition): Policy | undefined {
    let guard = this.guards.get(step)
    if (guard === undefined) {
      const layers: Policy[] = []
      if (step.rateLimit !== undefined) layers.push(this.limiters.get(step.rateLimit.key, { tokens: step.rateLimit.tokens, per: step.rateLimit.per }))
      if (step.bulkhead !== undefined) {
        const { key, limit, queue } = step.bulkhead
        let shared = this.bulkheads.get(key)
        if (shared === undefined) {
          shared = bulkhead({ limit, ...(queue === undefined ? {} : { queue }) })
          this.bulkheads.set(key, shared)
        }
        layers.push(shared)
      }
      if (step.breaker !== undefined) {
        const { key, halfOpenAfter, breaker, breakOn } = step.breaker
        layers.push(this.breakers.get(key, { halfOpenAfter, breaker, ...(breakOn === undefined ? {} : { breakOn }) }))
      }
      guard = layers.length === 0 ? null : layers.length === 1 ? layers[0]! : (wrap(...layers) as unknown as Policy)
      this.guards.set(step, guard)
    }
    return guard ?? undefined
  }
}
