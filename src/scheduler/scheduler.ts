import { ReadyQueue } from './ready-queue.js'
import type { SchedulePlan } from './schedule-plan.js'

const WAITING = 0
const QUEUED = 1
const RUNNING = 2
const SETTLED = 3

/**
 * Options of {@link Scheduler}.
 * @public
 */
export interface SchedulerOptions {
  /**
   * Most nodes running at once.
   * @defaultValue Infinity
   */
  readonly concurrency?: number
}

/**
 * The deterministic ready queue of one run. Pure: no timers, no I/O, no randomness. The caller
 * takes nodes to run, and reports each node's end; nodes whose needs all succeeded become
 * ready, nodes with a need that did not succeed become *blocked* (to be skipped).
 *
 * Cost: O(log V) per take, O(out-degree) per settle — O((V+E) log V) per run.
 * @public
 */
export class Scheduler {
  private readonly state: Uint8Array
  private readonly remaining: Int32Array
  private readonly blockedBy: Int32Array
  private readonly ready: ReadyQueue
  private readonly blocked: number[] = []
  private blockedHead = 0
  private runningCount = 0
  private settledCount = 0
  /** Most nodes running at once. */
  concurrency: number

  constructor(
    private readonly plan: SchedulePlan,
    options: SchedulerOptions = {},
  ) {
    const n = plan.graph.size
    this.state = new Uint8Array(n)
    this.remaining = plan.indegree.slice()
    this.blockedBy = new Int32Array(n).fill(-1)
    this.ready = new ReadyQueue(plan.rank)
    this.concurrency = options.concurrency ?? Infinity
    for (let i = 0; i < n; i++) {
      if (this.remaining[i] === 0) {
        this.state[i] = QUEUED
        this.ready.push(i)
      }
    }
  }

  /** Nodes currently running. */
  get running(): number {
    return this.runningCount
  }

  /** Nodes that have ended (succeeded, failed, skipped). */
  get settled(): number {
    return this.settledCount
  }

  /** True when every node has ended. */
  get done(): boolean {
    return this.settledCount === this.plan.graph.size
  }

  /** Ready nodes waiting for a slot. */
  get queued(): number {
    return this.ready.size
  }

  /**
   * The next node to run (now counted as running), or -1 when none is ready or the
   * concurrency limit is reached.
   */
  take(): number {
    if (this.runningCount >= this.concurrency) return -1
    let node = this.ready.pop()
    while (node >= 0 && this.state[node] !== QUEUED) node = this.ready.pop() // settled while queued (restored)
    if (node < 0) return -1
    this.state[node] = RUNNING
    this.runningCount++
    return node
  }

  /** The next blocked node (a need did not succeed), or -1. The caller must {@link Scheduler.settle} it. */
  takeBlocked(): number {
    while (this.blockedHead < this.blocked.length) {
      const node = this.blocked[this.blockedHead++]!
      if (this.state[node] === QUEUED) return node
    }
    return -1
  }

  /** The first need of `node` that did not succeed, or -1. */
  blocker(node: number): number {
    return this.blockedBy[node]!
  }

  /**
   * Records that `node` ended. `ok` false (failed or skipped) blocks every node that needs it.
   * Works for running nodes and for nodes that never ran (skipped, or restored from a journal).
   */
  settle(node: number, ok: boolean): void {
    const state = this.state[node]
    if (state === SETTLED) return
    if (state === RUNNING) this.runningCount--
    this.state[node] = SETTLED
    this.settledCount++
    const { succOffsets, succs } = this.plan.graph
    const remaining = this.remaining
    for (let k = succOffsets[node]!, end = succOffsets[node + 1]!; k < end; k++) {
      const next = succs[k]!
      if (!ok && this.blockedBy[next] === -1) this.blockedBy[next] = node
      if (--remaining[next] === 0 && this.state[next] === WAITING) {
        this.state[next] = QUEUED
        if (this.blockedBy[next] === -1) this.ready.push(next)
        else this.blocked.push(next)
      }
    }
  }

  /** True while `node` is running. */
  isRunning(node: number): boolean {
    return this.state[node] === RUNNING
  }

  /** True once `node` has ended. */
  isSettled(node: number): boolean {
    return this.state[node] === SETTLED
  }
}
