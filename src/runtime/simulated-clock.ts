import type { Clock } from './clock.js'
import { unnamed } from './unnamed.js'

interface Timer {
  cancelled: boolean
  readonly at: number
  readonly seq: number
  readonly resolve: () => void
  readonly reject: (reason: unknown) => void
  readonly signal: AbortSignal | undefined
  readonly onAbort: (() => void) | undefined
}

/**
 * Options of {@link SimulatedClock}.
 * @public
 */
export interface SimulatedClockOptions {
  /**
   * Time at which the clock starts.
   * @defaultValue 0
   */
  readonly start?: number
  /**
   * When true, the clock jumps to the next timer whenever the process has nothing else to do
   * (checked with `setImmediate`, after every pending promise callback has run), so a
   * workflow that sleeps for hours finishes in milliseconds, in a deterministic order.
   * When false, time moves only through {@link SimulatedClock.advance}.
   * @defaultValue true
   */
  readonly autoAdvance?: boolean
}

/**
 * A deterministic clock for tests and simulations. Timers due at the same instant fire in the
 * order they were set.
 * @example
 * ```ts
 * const clock = new SimulatedClock()
 * const engine = createEngine({ clock })
 * await engine.run(wf, input) // sleeps of hours take no real time
 * ```
 * @public
 */
export class SimulatedClock implements Clock {
  private current: number
  private seq = 0
  private readonly timers: Timer[] = [] // binary min-heap on (at, seq)
  private live = 0
  private readonly autoAdvance: boolean
  private tickScheduled = false

  constructor(options: SimulatedClockOptions = {}) {
    this.current = options.start ?? 0
    this.autoAdvance = options.autoAdvance ?? true
  }

  /** Current simulated time in ms. */
  now(): number {
    return this.current
  }

  /** Number of timers waiting. */
  get pending(): number {
    return this.live
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const at = this.current + Math.max(0, Number.isFinite(ms) ? ms : 0)
      let timer: Timer
      const onAbort =
        signal === undefined
          ? undefined
          : unnamed((): void => {
              this.remove(timer)
              reject(signal.reason)
            })
      timer = { cancelled: false, at, seq: this.seq++, resolve, reject, signal, onAbort }
      this.insert(timer)
      if (signal !== undefined && onAbort !== undefined) signal.addEventListener('abort', onAbort, { once: true })
      this.scheduleTick()
    })
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, in order; lets promise
   * callbacks run between distinct instants.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms
    for (let head = this.peek(); head !== undefined && head.at <= target; head = this.peek()) {
      this.fireNext()
      await flushMicrotasks()
    }
    this.current = Math.max(this.current, target)
  }

  /** Fires timers until none is left (or `limit` instants were fired). */
  async runAll(limit = 1_000_000): Promise<void> {
    for (let i = 0; i < limit && this.peek() !== undefined; i++) {
      this.fireNext()
      await flushMicrotasks()
    }
  }

  private peek(): Timer | undefined {
    while (this.timers.length > 0 && this.timers[0]!.cancelled) this.pop()
    return this.timers[0]
  }

  private fireNext(): void {
    const first = this.peek()
    if (first === undefined) return
    const at = first.at
    this.current = Math.max(this.current, at)
    for (let t = this.peek(); t !== undefined && t.at === at; t = this.peek()) {
      this.pop()
      this.live--
      if (t.signal !== undefined && t.onAbort !== undefined) t.signal.removeEventListener('abort', t.onAbort)
      t.resolve()
    }
  }

  private insert(timer: Timer): void {
    const heap = this.timers
    heap.push(timer)
    this.live++
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  private pop(): void {
    const heap = this.timers
    const last = heap.pop()!
    if (heap.length === 0) return
    heap[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r
      if (m === i) break
      ;[heap[i], heap[m]] = [heap[m]!, heap[i]!]
      i = m
    }
  }

  private remove(timer: Timer): void {
    if (timer.cancelled) return
    timer.cancelled = true
    this.live--
  }

  private scheduleTick(): void {
    if (!this.autoAdvance || this.tickScheduled) return
    this.tickScheduled = true
    setImmediate(() => {
      this.tickScheduled = false
      if (this.peek() === undefined) return
      this.fireNext()
      if (this.peek() !== undefined) this.scheduleTick()
    })
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}

function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
