import { EventEmitter } from 'eventemitter3'
import type { WeftEvent, WeftEventMap, WeftEventType } from './events.js'

/**
 * A typed event bus over eventemitter3. `on` returns a function that unsubscribes.
 * Listener errors are isolated: they never break the engine or other listeners.
 * @public
 */
export class EventBus {
  private readonly emitter = new EventEmitter()
  private listeners = 0
  private readonly onListenerError: (error: unknown) => void

  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.onListenerError = onListenerError
  }

  /** Subscribes to one event type, or `'*'` for all. */
  on<K extends WeftEventType>(type: K, listener: (event: WeftEventMap[K]) => void): () => void
  on(type: '*', listener: (event: WeftEvent) => void): () => void
  on(type: string, listener: (event: never) => void): () => void {
    const safe = (event: unknown): void => {
      try {
        listener(event as never)
      } catch (error) {
        this.onListenerError(error)
      }
    }
    this.emitter.on(type, safe)
    this.listeners++
    let active = true
    return () => {
      if (!active) return
      active = false
      this.listeners--
      this.emitter.off(type, safe)
    }
  }

  /** Subscribes for one event only. */
  once<K extends WeftEventType>(type: K, listener: (event: WeftEventMap[K]) => void): () => void {
    const off = this.on(type, (event) => {
      off()
      listener(event)
    })
    return off
  }

  /** True when anybody listens. */
  get active(): boolean {
    return this.listeners > 0
  }

  /** Delivers an event to listeners of its type, then to `'*'` listeners. */
  emit(event: WeftEvent): void {
    if (this.listeners === 0) return
    this.emitter.emit(event.type, event)
    this.emitter.emit('*', event)
  }
}
