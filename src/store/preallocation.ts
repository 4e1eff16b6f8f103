import { writeAll, writeZeros } from './atomic-file.js'
import type { StoreFileSystem } from './file-system.js'
import type { RunState } from './run-state.js'

/** Zero bytes a preallocated journal starts with (header included). */
const FIRST_EXTENT = 16 * 1024
/** Largest single extension of a preallocated journal. */
const MAX_EXTENT = 1024 * 1024

/**
 * New size of a preallocated journal that must hold `needed` bytes: it grows by its own size
 * (at least {@link FIRST_EXTENT}, at most {@link MAX_EXTENT}), to a whole 4 KiB page.
 * @internal
 */
export function extentFor(allocated: number, needed: number): number {
  const grown = Math.max(needed, allocated + Math.min(MAX_EXTENT, Math.max(FIRST_EXTENT, allocated)))
  return Math.ceil(grown / 4096) * 4096
}

/**
 * Writes a batch of records at the end of a writer's journal: appended, or in place in a
 * preallocated one.
 * @internal
 */
export function writeRecords(fs: StoreFileSystem, state: RunState, data: Uint8Array): void {
  if (state.allocated < 0) writeAll(fs, state.fd!, data)
  else writeInPlace(fs, state, data)
}

/**
 * Writes a batch at the end of a preallocated journal's records, in place, then extends the
 * padding when the batch reached it: an fdatasync after an overwrite inside allocated blocks
 * flushes the data only, where one after an append must also commit the file's new size.
 */
function writeInPlace(fs: StoreFileSystem, state: RunState, data: Uint8Array): void {
  const at = state.written
  const end = at + data.length
  writeAll(fs, state.fd!, data, at)
  if (end > state.allocated) {
    const size = extentFor(state.allocated, end)
    writeZeros(fs, state.fd!, end, size - end)
    state.allocated = size
  }
}
