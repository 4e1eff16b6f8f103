/**
 * The journal store port ({@link RunStore}) and the in-memory store.
 * @packageDocumentation
 */
export type { RunStore, RunHeader, RunSummary, RunFilter } from './port.js'
export { MemoryStore, memoryStore } from './memory-store.js'
export { StoreError, RunNotFoundError, RunExistsError, JournalSequenceError } from './store-errors.js'
