import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { nodeHost, type JournalEvent, type RunStore, type StoreHost } from '../../src/index.js'

const made: string[] = []

/** A fresh temporary directory, removed after the current test. */
export function tempDir(prefix = 'weft-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Every event of a run. */
export async function readAll(store: RunStore, runId: string): Promise<JournalEvent[]> {
  const out: JournalEvent[] = []
  for await (const e of store.read(runId)) out.push(e)
  return out
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(work: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof work === 'function' ? Promise.resolve().then(work) : work)
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** This machine after a restart: another boot id. */
export function rebootedHost(tag = 'after-reboot'): StoreHost {
  return { pid: nodeHost.pid, hostname: nodeHost.hostname, bootId: () => tag, isAlive: nodeHost.isAlive }
}

/** Waits (in event-loop turns, never on a timer) until `predicate` holds. */
export async function eventually(predicate: () => boolean, turns = 10_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (predicate()) return
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  throw new Error('condition not reached')
}
