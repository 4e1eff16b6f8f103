/**
 * The journal store port ({@link RunStore}) with its in-memory and file implementations,
 * leases, and the store error family.
 * @packageDocumentation
 */
export type { RunStore, RunHeader, RunSummary, RunFilter, AppendOptions, Lease, HealthCheck, HealthReport, PruneOptions } from './port.js'
export { MemoryStore, memoryStore, type MemoryStoreOptions } from './memory-store.js'
export { FileStore, fileStore } from './file-store.js'
export { recordedOutputs } from './recorded-outputs.js'
export type { Durability, FileStoreOptions } from './file-store-options.js'
export { nodeFileSystem, nodeHost, type StoreFileSystem, type StoreHost } from './file-system.js'
export {
  StoreError,
  RunNotFoundError,
  RunExistsError,
  JournalSequenceError,
  InvalidRunIdError,
  JournalCorruptError,
  JournalCodecError,
  JournalVersionError,
  LeaseLostError,
  StoreIOError,
  InvalidEventError,
  StoreClosedError,
} from './store-errors.js'
