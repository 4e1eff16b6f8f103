import type { StepDefinition } from '../workflow/index.js'

/**
 * A run waiting for shared capacity: the gate calls it back when one of its steps may start.
 * @internal
 */
export interface GateMember {
  /** The slot of attempt `attempt` of node `node` is now held: start the body (or release). */
  launchGranted(node: number, attempt: number): void
}

interface Request {
  readonly node: number
  readonly attempt: number
  readonly step: StepDefinition
  /** Grants given to other requests while this one headed its queue and did not fit. */
  passes: number
}

interface Member {
  readonly queue: Request[]
  head: number
  /** node → the attempt holding a slot, and its step (for its demands). */
  readonly held: Map<number, { readonly attempt: number; readonly step: StepDefinition }>
}

/**
 * Capacity shared by every run of an engine — a global step concurrency, resource pools and
 * per-key limits — handed out **round-robin across runs**, so one huge run cannot hold back a
 * small one. Runs decide and journal their steps' starts with their own deterministic
 * scheduler (so replay is unaffected by other runs); the gate only decides when each started
 * step's body gets to execute. Within a run, bodies start in the run's order.
 *
 * Starvation bound: a run whose next step does not fit is passed over; once it has been passed
 * over `backfillLimit` times, no other step starts until it fits (as soon as enough is released).
 * @internal
 */
export class LaunchGate {
  private readonly members = new Map<GateMember, Member>()
  private ring: GateMember[] = []
  private cursor = 0
  private running = 0
  private readonly used = new Map<string, number>()
  private readonly keyRunning = new Map<string, number>()
  private dispatching = false
  private again = false

  constructor(
    private readonly concurrency: number,
    private readonly pools: Readonly<Record<string, number>>,
    private readonly limits: Readonly<Record<string, number>>,
    private readonly backfillLimit = 8,
  ) {}

  /** Steps whose bodies currently hold a slot, across runs. */
  get active(): number {
    return this.running
  }

  /** Asks for a slot for attempt `attempt` of node `node` of `member`'s run. */
  request(member: GateMember, node: number, attempt: number, step: StepDefinition): void {
    let m = this.members.get(member)
    if (m === undefined) {
      m = { queue: [], head: 0, held: new Map() }
      this.members.set(member, m)
      this.ring.push(member)
    }
    m.queue.push({ node, attempt, step, passes: 0 })
    this.dispatch()
  }

  /** The body of that attempt ended (or was abandoned): its slot is free. */
  release(member: GateMember, node: number, attempt: number): void {
    const m = this.members.get(member)
    const holding = m?.held.get(node)
    if (m === undefined || holding === undefined || holding.attempt !== attempt) return
    m.held.delete(node)
    this.free(holding.step)
    this.dispatch()
  }

  /** The run ended: drops its waiting requests and frees every slot it holds. */
  leave(member: GateMember): void {
    const m = this.members.get(member)
    if (m === undefined) return
    this.members.delete(member)
    const at = this.ring.indexOf(member)
    this.ring.splice(at, 1)
    if (at < this.cursor) this.cursor--
    for (const holding of m.held.values()) this.free(holding.step)
    this.dispatch()
  }

  private fits(step: StepDefinition): boolean {
    if (this.running + 1 > this.concurrency) return false
    const resources = step.resources
    if (resources !== undefined) {
      for (const name in resources) {
        const cap = this.pools[name]
        if (cap !== undefined && (this.used.get(name) ?? 0) + resources[name]! > cap + 1e-9) return false
      }
    }
    const key = step.concurrencyKey
    if (key !== undefined) {
      const limit = this.limits[key]
      if (limit !== undefined && (this.keyRunning.get(key) ?? 0) + 1 > limit) return false
    }
    return true
  }

  private hold(step: StepDefinition): void {
    this.running++
    const resources = step.resources
    if (resources !== undefined) for (const name in resources) if (this.pools[name] !== undefined) this.used.set(name, (this.used.get(name) ?? 0) + resources[name]!)
    const key = step.concurrencyKey
    if (key !== undefined && this.limits[key] !== undefined) this.keyRunning.set(key, (this.keyRunning.get(key) ?? 0) + 1)
  }

  private free(step: StepDefinition): void {
    this.running--
    const resources = step.resources
    if (resources !== undefined) {
      for (const name in resources) {
        if (this.pools[name] === undefined) continue
        const left = (this.used.get(name) ?? 0) - resources[name]!
        this.used.set(name, left < 1e-9 ? 0 : left)
      }
    }
    const key = step.concurrencyKey
    if (key !== undefined && this.limits[key] !== undefined) this.keyRunning.set(key, (this.keyRunning.get(key) ?? 1) - 1)
  }

  /** Grants slots round-robin until nothing waiting fits. Re-entrant calls only ask for another pass. */
  private dispatch(): void {
    if (this.dispatching) {
      this.again = true
      return
    }
    this.dispatching = true
    try {
      do {
        this.again = false
        while (this.grantOne()) {}
      } while (this.again)
    } finally {
      this.dispatching = false
    }
  }

  /** One round-robin turn: grants the first member head that fits, starting after the last one served. */
  private grantOne(): boolean {
    const n = this.ring.length
    if (n === 0) return false
    // A head passed over too often is due: nothing else starts until it fits.
    let due: GateMember | undefined
    for (const member of this.ring) {
      const m = this.members.get(member)!
      const head = m.queue[m.head]
      if (head !== undefined && head.passes >= this.backfillLimit) {
        due = member
        break
      }
    }
    for (let k = 0; k < n; k++) {
      const member = due ?? this.ring[(this.cursor + k) % n]!
      const m = this.members.get(member)!
      const head = m.queue[m.head]
      if (head === undefined || !this.fits(head.step)) {
        if (due !== undefined) return false
        continue
      }
      // Every other waiting head that does not fit is passed over by this grant.
      for (const other of this.ring) {
        if (other === member) continue
        const o = this.members.get(other)!
        const waiting = o.queue[o.head]
        if (waiting !== undefined && !this.fits(waiting.step)) waiting.passes++
      }
      m.head++
      if (m.head > 1024 && m.head * 2 > m.queue.length) {
        m.queue.splice(0, m.head)
        m.head = 0
      }
      this.cursor = (this.ring.indexOf(member) + 1) % n
      this.hold(head.step)
      m.held.set(head.node, { attempt: head.attempt, step: head.step })
      member.launchGranted(head.node, head.attempt)
      return true
    }
    return false
  }
}
