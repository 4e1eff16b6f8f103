import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkResources, indexGraph, Scheduler, schedulePlan, type GraphNode, type SchedulePlan } from '../../src/index.js'
import { prng, randomScenario, type ResourceScenario } from './helpers.js'

const EPS = 1e-9

function planOf(s: ResourceScenario): SchedulePlan {
  return schedulePlan(indexGraph(s.nodes).graph, {
    priority: (i) => s.priority[i]!,
    estimate: (i) => s.estimate[i]!,
    resources: (i) => s.demand[i],
    concurrencyKey: (i) => s.key[i],
  })
}

interface Trace {
  readonly starts: number[]
  /** Times each node was passed over while it was the best-ranked ready node. */
  readonly passes: number[]
}

/**
 * Drives a scheduler to the end, finishing a pseudo-random running node at each step, and checks
 * every invariant on the way: dependencies, concurrency, pools, key limits, the backfill rule
 * and the absence of deadlock.
 */
function drive(s: ResourceScenario, plan: SchedulePlan, options: { concurrency: number; backfillLimit: number }, completionSeed: number): Trace {
  const sched = new Scheduler(plan, { concurrency: options.concurrency, pools: s.pools, limits: s.limits, backfillLimit: options.backfillLimit })
  const n = s.nodes.length
  const rank = plan.rank
  const pick = prng(completionSeed)
  const done = new Set<number>()
  const ready = new Set<number>()
  const running: number[] = []
  const starts: number[] = []
  const passes = new Array<number>(n).fill(0)
  const needsOf = s.nodes.map((node) => node.needs.map((id) => Number(id.slice(1))))
  const isReady = (i: number): boolean => !done.has(i) && !running.includes(i) && !starts.includes(i) && needsOf[i]!.every((j) => done.has(j))
  for (let i = 0; i < n; i++) if (isReady(i)) ready.add(i)
  const best = (): number => {
    let b = -1
    for (const x of ready) if (b < 0 || rank[x]! < rank[b]!) b = x
    return b
  }
  while (!sched.done) {
    for (;;) {
      const head = best()
      const i = sched.take()
      if (i < 0) break
      // The started node was ready; every need had ended.
      expect(ready.has(i)).toBe(true)
      // The backfill rule: a node passed over backfillLimit times blocks everything ranked below it.
      for (const x of ready) if (x !== i && passes[x]! >= options.backfillLimit) expect(rank[i]!).toBeLessThan(rank[x]!)
      if (head !== i) passes[head]!++
      ready.delete(i)
      running.push(i)
      starts.push(i)
      // Limits hold at every instant.
      expect(running.length).toBeLessThanOrEqual(options.concurrency)
      for (const [pool, cap] of Object.entries(s.pools)) {
        const used = running.reduce((sum, r) => sum + (s.demand[r]?.[pool] ?? 0), 0)
        expect(used).toBeLessThanOrEqual(cap + EPS * Math.max(1, cap))
      }
      for (const [key, limit] of Object.entries(s.limits)) expect(running.filter((r) => s.key[r] === key).length).toBeLessThanOrEqual(limit)
    }
    // No deadlock: something is running whenever the scheduler is not done.
    expect(running.length).toBeGreaterThan(0)
    const [finished] = running.splice(Math.floor(pick() * running.length), 1)
    done.add(finished!)
    sched.settle(finished!, true)
    for (let j = 0; j < n; j++) if (isReady(j)) ready.add(j)
  }
  for (const p of passes) expect(p).toBeLessThanOrEqual(options.backfillLimit)
  return { starts, passes }
}

describe('Scheduler with resources and limits', () => {
  it('never exceeds a pool, a key limit or the concurrency; runs every node once; never deadlocks (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.constantFrom(1, 2, 3, 5, 8, Infinity), fc.constantFrom(0, 1, 2, 8, Infinity), (seed, completions, concurrency, backfillLimit) => {
        const s = randomScenario(seed)
        const plan = planOf(s)
        expect(checkResources(plan, s.pools, s.limits)).toEqual([])
        const { starts } = drive(s, plan, { concurrency, backfillLimit }, completions)
        expect([...starts].sort((a, b) => a - b)).toEqual(s.nodes.map((_, i) => i))
      }),
      { numRuns: 300 },
    )
  })

  it('same inputs and outcomes give the same start order (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.constantFrom(1, 3, Infinity), (seed, completions, concurrency) => {
        const s = randomScenario(seed)
        const a = drive(s, planOf(s), { concurrency, backfillLimit: 4 }, completions)
        const b = drive(s, planOf(randomScenario(seed)), { concurrency, backfillLimit: 4 }, completions)
        expect(b.starts).toEqual(a.starts)
      }),
      { numRuns: 100 },
    )
  })

  it('orders exactly like the unconstrained scheduler when everything fits', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const s = randomScenario(seed)
        const roomy = Object.fromEntries(Object.keys(s.pools).map((p) => [p, 1e6]))
        const withResources = new Scheduler(planOf(s), { concurrency: 1, pools: roomy })
        const plain = new Scheduler(schedulePlan(indexGraph(s.nodes).graph, { priority: (i) => s.priority[i]!, estimate: (i) => s.estimate[i]! }), { concurrency: 1 })
        const order = (sched: Scheduler): number[] => {
          const out: number[] = []
          for (let i = sched.take(); i >= 0; i = sched.take()) {
            out.push(i)
            sched.settle(i, true)
          }
          return out
        }
        expect(order(withResources)).toEqual(order(plain))
      }),
      { numRuns: 100 },
    )
  })

  it('starts a node only when all its resources are free and its key is under its limit', () => {
    const nodes: GraphNode[] = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, needs: [] }))
    const demand: Record<string, Record<string, number>> = { a: { cpu: 2 }, b: { cpu: 1, gpu: 1 }, c: { gpu: 1 }, d: { cpu: 1 }, e: {} }
    const key: Record<string, string> = { d: 'db', e: 'db' }
    const plan = schedulePlan(indexGraph(nodes).graph, { resources: (i) => demand[nodes[i]!.id], concurrencyKey: (i) => key[nodes[i]!.id] })
    const s = new Scheduler(plan, { pools: { cpu: 3, gpu: 1 }, limits: { db: 1 } })
    const started: string[] = []
    for (let i = s.take(); i >= 0; i = s.take()) started.push(nodes[i]!.id)
    // a (cpu 2) and b (cpu 1, gpu 1) fill cpu and gpu; c waits for gpu, d for cpu; e (no resources, key db) starts.
    expect(started).toEqual(['a', 'b', 'e'])
    s.settle(plan.graph.indexOf.get('e')!, true)
    expect(s.take()).toBe(-1) // d has its key free now but no cpu
    s.settle(plan.graph.indexOf.get('b')!, true)
    expect([s.take(), s.take(), s.take()].map((i) => (i < 0 ? null : nodes[i]!.id))).toEqual(['c', 'd', null])
  })

  it('fractional amounts fill a pool exactly', () => {
    const nodes: GraphNode[] = Array.from({ length: 10 }, (_, i) => ({ id: `n${i}`, needs: [] }))
    const plan = schedulePlan(indexGraph(nodes).graph, { resources: () => ({ gpu: 0.1 }) })
    const s = new Scheduler(plan, { pools: { gpu: 0.3 } })
    const first = [s.take(), s.take(), s.take(), s.take()]
    expect(first).toEqual([0, 1, 2, -1])
    for (const i of [0, 1, 2]) s.settle(i, true)
    expect([s.take(), s.take(), s.take(), s.take()]).toEqual([3, 4, 5, -1])
  })

  it('frees what a node holds when it fails, is skipped or never ran', () => {
    const nodes: GraphNode[] = [
      { id: 'a', needs: [] },
      { id: 'b', needs: [] },
      { id: 'c', needs: ['a'] },
    ]
    const plan = schedulePlan(indexGraph(nodes).graph, { resources: () => ({ slot: 1 }) })
    const s = new Scheduler(plan, { pools: { slot: 1 } })
    expect(s.take()).toBe(0)
    expect(s.take()).toBe(-1)
    s.settle(0, false) // failed: c is blocked, b may start
    expect(s.takeBlocked()).toBe(2)
    s.settle(2, false)
    expect(s.take()).toBe(1)
    s.settle(1, true)
    expect(s.done).toBe(true)
  })

  it('restored (settled while queued) nodes are dropped from the demand classes', () => {
    const nodes: GraphNode[] = [
      { id: 'a', needs: [] },
      { id: 'b', needs: [] },
      { id: 'c', needs: [] },
    ]
    const plan = schedulePlan(indexGraph(nodes).graph, { resources: (i) => (i === 2 ? { cpu: 2 } : { cpu: 1 }) })
    const s = new Scheduler(plan, { pools: { cpu: 2 } })
    expect(s.queued).toBe(3)
    s.settle(0, true) // restored from a journal before anything ran
    s.settle(2, true)
    expect(s.queued).toBe(1)
    expect(s.take()).toBe(1)
    expect(s.take()).toBe(-1)
    s.settle(1, true)
    expect(s.done).toBe(true)
  })
})

describe('Scheduler with resources and failures', () => {
  it('with failing nodes: dependents are blocked, nothing runs twice, capacity is freed, no deadlock (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.constantFrom(1, 4, Infinity), (seed, outcomes, concurrency) => {
        const s = randomScenario(seed)
        const plan = planOf(s)
        const sched = new Scheduler(plan, { concurrency, pools: s.pools, limits: s.limits, backfillLimit: 2 })
        const rnd = prng(outcomes)
        const n = s.nodes.length
        const ok = new Map<number, boolean>()
        const ran = new Set<number>()
        const running: number[] = []
        while (!sched.done) {
          for (let b = sched.takeBlocked(); b >= 0; b = sched.takeBlocked()) {
            // blocked: some need ended without success, and the blocker is one of its needs
            const blocker = sched.blocker(b)
            expect(s.nodes[b]!.needs).toContain(`n${blocker}`)
            expect(ok.get(blocker)).toBe(false)
            ok.set(b, false)
            sched.settle(b, false)
          }
          for (let i = sched.take(); i >= 0; i = sched.take()) {
            expect(ran.has(i)).toBe(false)
            for (const need of s.nodes[i]!.needs) expect(ok.get(Number(need.slice(1)))).toBe(true)
            ran.add(i)
            running.push(i)
          }
          if (sched.done) break
          if (running.length === 0) {
            expect(sched.takeBlocked()).toBe(-1)
            throw new Error('deadlock')
          }
          const [finished] = running.splice(Math.floor(rnd() * running.length), 1)
          const success = rnd() > 0.2
          ok.set(finished!, success)
          sched.settle(finished!, success)
        }
        expect(ok.size).toBe(n)
        expect(sched.running).toBe(0)
      }),
      { numRuns: 200 },
    )
  })
})

describe('backfill limit (starvation rule)', () => {
  /**
   * A big node (all 4 cpus, high priority) becomes ready while small nodes (1 cpu each) keep the
   * pool busy. Nodes finish in start order.
   */
  function bigBehindSmalls(backfillLimit: number): { smallsBeforeBig: number; order: string[] } {
    const nodes: GraphNode[] = [{ id: 'gate', needs: [] }, { id: 'big', needs: ['gate'] }, ...Array.from({ length: 50 }, (_, i) => ({ id: `s${i}`, needs: [] }))]
    const plan = schedulePlan(indexGraph(nodes).graph, {
      priority: (i) => (i < 2 ? 10 : 0),
      resources: (i) => (i === 1 ? { cpu: 4 } : { cpu: 1 }),
    })
    const s = new Scheduler(plan, { pools: { cpu: 4 }, backfillLimit })
    const running: number[] = []
    const order: string[] = []
    let bigReady = -1
    while (!s.done) {
      for (let i = s.take(); i >= 0; i = s.take()) {
        running.push(i)
        order.push(nodes[i]!.id)
      }
      const finished = running.shift()!
      s.settle(finished, true)
      if (finished === 0) bigReady = order.length
    }
    return { smallsBeforeBig: order.indexOf('big') - bigReady, order }
  }

  it('a large node is passed over at most backfillLimit times, then starts once the running nodes end', () => {
    for (const limit of [0, 1, 3, 8]) expect(bigBehindSmalls(limit).smallsBeforeBig).toBe(limit)
  })

  it('without the rule (Infinity) the large node waits for the whole stream of small ones', () => {
    const { order } = bigBehindSmalls(Infinity)
    expect(order.indexOf('big')).toBe(order.length - 1)
  })

  it('holds on random scenarios: nobody is passed over more than the limit (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.constantFrom(0, 1, 2, 5), (seed, completions, backfillLimit) => {
        const s = randomScenario(seed, 40)
        const { passes } = drive(s, planOf(s), { concurrency: Infinity, backfillLimit }, completions)
        expect(Math.max(0, ...passes)).toBeLessThanOrEqual(backfillLimit)
      }),
      { numRuns: 200 },
    )
  })
})

describe('checkResources', () => {
  const nodes: GraphNode[] = [
    { id: 'train', needs: [] },
    { id: 'infer', needs: [] },
    { id: 'odd', needs: [] },
  ]
  const demands: Record<string, number>[] = [{ gpu: 4, cpu: 1 }, { tpu: 1 }, { cpu: -1 }]
  const plan = schedulePlan(indexGraph(nodes).graph, { resources: (i) => demands[i] })

  it('lists every problem: over-asking, unknown pools, invalid amounts, invalid pools and limits', () => {
    const problems = checkResources(plan, { cpu: 8, gpu: 2, bad: -1 }, { db: 0 })
    expect(problems.map((p) => [p.kind, p.node, p.pool ?? p.key])).toEqual([
      ['invalid-pool', -1, 'bad'],
      ['invalid-limit', -1, 'db'],
      ['exceeds-pool', 0, 'gpu'],
      ['unknown-pool', 1, 'tpu'],
      ['invalid-amount', 2, 'cpu'],
    ])
    expect(problems[2]).toMatchObject({ id: 'train', requested: 4, capacity: 2, message: 'step "train" asks 4 of pool "gpu", which holds 2' })
    expect(problems[3]!.message).toBe('step "infer" asks for pool "tpu", which is not configured (pools: cpu, gpu, bad)')
  })

  it('is empty for a plan that fits, and for a plan without resources', () => {
    expect(checkResources(plan, { cpu: 1, gpu: 4, tpu: 1 }).filter((p) => p.kind !== 'invalid-amount')).toEqual([])
    expect(checkResources(schedulePlan(indexGraph(nodes).graph))).toEqual([])
  })

  it('the Scheduler refuses a plan that could deadlock', () => {
    expect(() => new Scheduler(plan, { pools: { cpu: 8, gpu: 2 } })).toThrow(RangeError)
    expect(() => new Scheduler(plan, { pools: { cpu: 8, gpu: 2 } })).toThrow(/step "train" asks 4 of pool "gpu", which holds 2/)
  })
})
