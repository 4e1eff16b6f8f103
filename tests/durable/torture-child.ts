/**
 * One "process lifetime" of the kill -9 torture test: starts or resumes run `runId` against a
 * file store, prints `ready`, then the output as JSON when the run ends.
 *   node torture-child.mjs <storeDir> <runId> <execLog> <ledger>
 */
import { createEngine, fileStore, LeaseConflictError } from '../../src/index.js'
import { tortureWorkflow } from './torture-workflow.js'

const [dir, runId, execLog, ledger] = process.argv.slice(2) as [string, string, string, string]
const store = fileStore(dir, { durability: 'always' })
const engine = createEngine({ store, owner: `child-${process.pid}`, leaseTtl: '150ms', concurrency: 8 })
const wf = tortureWorkflow(execLog, ledger)

async function open() {
  for (;;) {
    try {
      // Never started, or died before `run.started` was journaled: (re)start; otherwise resume.
      return ((await store.get(runId))?.events ?? 0) === 0 ? engine.start(wf, undefined, { runId, seed: 1 }) : await engine.resume(runId, wf)
    } catch (error) {
      // The killed process's lease is still live for up to its TTL: wait it out.
      if (!(error instanceof LeaseConflictError)) throw error
      await new Promise((r) => setTimeout(r, 30))
    }
  }
}

const handle = await open()
process.stdout.write('ready\n')
const result = await handle.result
process.stdout.write(`${JSON.stringify({ status: result.status, output: result.status === 'succeeded' ? result.output : null })}\n`)
await store.close?.()
