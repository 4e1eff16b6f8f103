/**
 * The journal: the typed, append-only events every run records, with their TypeBox schemas.
 * @packageDocumentation
 */
export {
  JournalEventSchemas,
  JournalEventSchema,
  terminalEventTypes,
  isTerminalEvent,
  isResumableEnd,
  RunMetadataSchema,
  type JournalEvent,
  type JournalEventMap,
  type JournalEventOf,
  type JournalEventType,
  type RunStatus,
} from './events.js'
