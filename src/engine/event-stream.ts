import type { WeftEvent } from '../telemetry/index.js'

/**
 * A push-to-pull queue: the engine pushes events, one consumer pulls them with `for await`.
 * @internal
 */
export class EventStream implements AsyncIterableIterator<WeftEvent> {
  private readonly buffer: WeftEvent[] = []
  private head = 0
  private waiting: ((result: IteratorResult<WeftEvent>) => void) | undefined
  private failWaiting: ((error: unknown) => void) | undefined
  private ended = false
  private failure: unknown

  constructor(
    /** Last journal sequence number already committed when the stream was opened. */
    readonly fromSeq: number,
    private readonly onClose: (stream: EventStream) => void,
  ) {}

  push(event: WeftEvent): void {
    if (this.ended) return
    if (this.waiting !== undefined) {
      const resolve = this.waiting
      this.waiting = this.failWaiting = undefined
      resolve({ value: event, done: false })
    } else {
      this.buffer.push(event)
    }
  }

  end(error?: unknown): void {
    if (this.ended) return
    this.ended = true
    this.failure = error
    if (this.waiting !== undefined) {
      const resolve = this.waiting
      const reject = this.failWaiting!
      this.waiting = this.failWaiting = undefined
      if (error === undefined) resolve({ value: undefined, done: true })
      else reject(error)
    }
  }

  next(): Promise<IteratorResult<WeftEvent>> {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head++]!
      if (this.head > 1024 && this.head * 2 > this.buffer.length) {
        this.buffer.splice(0, this.head)
        this.head = 0
      }
      return Promise.resolve({ value, done: false })
    }
    if (this.ended) {
      return this.failure === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(this.failure)
    }
    return new Promise((resolve, reject) => {
      this.waiting = resolve
      this.failWaiting = reject
    })
  }

  return(): Promise<IteratorResult<WeftEvent>> {
    this.ended = true
    this.buffer.length = 0
    this.onClose(this)
    return Promise.resolve({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WeftEvent> {
    return this
  }
}
