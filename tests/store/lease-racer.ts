/**
 * Child process of the cross-process lease test. Usage: `node --import tsx lease-racer.ts <dir> <runId> <owner>`.
 * Reads commands from stdin, one per line, and answers on stdout:
 *   `acquire <round>` → `result <round> won <token>` | `result <round> lost`
 *   `release <round>` → `released <round>`
 *   `exit`            → closes the store and exits
 */
import { createInterface } from 'node:readline'
import { fileStore, type Lease } from '../../src/store/index.js'

const [dir, runId, owner] = process.argv.slice(2) as [string, string, string]
const store = fileStore(dir)
let held: Lease | undefined

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  const [command, round] = line.trim().split(' ')
  if (command === 'acquire') {
    held = await store.acquireLease(runId, owner, 600_000)
    process.stdout.write(held === undefined ? `result ${round} lost\n` : `result ${round} won ${held.token}\n`)
  } else if (command === 'release') {
    if (held !== undefined) await store.releaseLease(held)
    held = undefined
    process.stdout.write(`released ${round}\n`)
  } else if (command === 'exit') {
    break
  }
}
await store.close()
process.exit(0)
