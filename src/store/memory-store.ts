import type { JournalEvent, RunStatus } from '../journal/index.js'
import type { RunFilter, RunHeader, RunStore, RunSummary } from './port.js'
import { JournalSequenceError, RunExistsError, RunNotFoundError } from './store-errors.js'
import { statusAfter } from './run-summary.js'

interface MemoryRun {
  readonly header: RunHeader
  readonly events: JournalEvent[]
  status: RunStatus
  updatedAt: number
  order: number
}

/**
 * A {@link RunStore} kept in memory: fast, lost with the process. The engine's default.
 * Appends complete synchronously.
 * @public
 */
export class MemoryStore implements RunStore {
  private readonly runs = new Map<string, MemoryRun>()
  private counter = 0

  async create(header: RunHeader): Promise<void> {
    if (this.runs.has(header.runId)) throw new RunExistsError(header.runId)
    this.runs.set(header.runId, { header: { ...header }, events: [], status: 'running', updatedAt: header.createdAt, order: this.counter++ })
  }

  append(runId: string, events: readonly JournalEvent[]): void {
    const run = this.runs.get(runId)
    if (run === undefined) throw new RunNotFoundError(runId)
    let next = run.events.length + 1
    for (const event of events) {
      if (event.seq !== next) throw new JournalSequenceError(runId, next, event.seq)
      next++
    }
    for (const event of events) {
      run.events.push(event)
      const status = statusAfter(event)
      if (status !== undefined) run.status = status
    }
    if (events.length > 0) run.updatedAt = events[events.length - 1]!.at
  }

  async *read(runId: string): AsyncIterable<JournalEvent> {
    const run = this.runs.get(runId)
    if (run === undefined) throw new RunNotFoundError(runId)
    const snapshot = run.events.length
    for (let i = 0; i < snapshot; i++) yield run.events[i]!
  }

  async get(runId: string): Promise<RunSummary | undefined> {
    const run = this.runs.get(runId)
    return run === undefined ? undefined : summarize(run)
  }

  async *list(filter: RunFilter = {}): AsyncIterable<RunSummary> {
    const all = [...this.runs.values()].sort((a, b) => b.order - a.order)
    let count = 0
    for (const run of all) {
      if (filter.limit !== undefined && count >= filter.limit) return
      if (filter.status !== undefined && run.status !== filter.status) continue
      if (filter.workflowId !== undefined && run.header.workflowId !== filter.workflowId) continue
      count++
      yield summarize(run)
    }
  }
}

function summarize(run: MemoryRun): RunSummary {
  return { ...run.header, status: run.status, updatedAt: run.updatedAt, events: run.events.length }
}

/**
 * Creates an in-memory {@link RunStore}.
 * @public
 */
export function memoryStore(): MemoryStore {
  return new MemoryStore()
}
