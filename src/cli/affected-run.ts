import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { affected } from '../git/index.js'
import { recordedOutputs, type RunStore } from '../store/index.js'
import { reuseOutputs, type Workflow } from '../workflow/index.js'
import { CliError, ExitCode } from './exit-codes.js'

/** What `weft run --affected` decided. */
export interface AffectedPlan {
  /** The workflow to run: unaffected steps return the recorded outputs of `from`. */
  readonly workflow: Workflow
  /** The run whose outputs are reused. */
  readonly from: string
  /** Affected steps, in declaration order, with why. */
  readonly lines: readonly string[]
  /** Steps whose recorded outputs are reused. */
  readonly reused: readonly string[]
}

/** The git working tree holding `start` (the nearest directory with `.git`). */
function repositoryOf(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir
    if (dirname(dir) === dir) throw new CliError(`--affected: ${start} is not inside a git repository`, ExitCode.usage)
  }
}

/**
 * Selects the steps whose `inputs` changed between `base` and `head` (or the working tree), plus
 * their descendants, and prepares the workflow so that every other step takes its output from
 * the newest successful run of the same definition in the store. Refuses (exit 2) when there is
 * no such run.
 */
export async function planAffected(workflow: Workflow, store: RunStore, cwd: string, base: string, head: string | undefined): Promise<AffectedPlan> {
  const dir = repositoryOf(cwd)
  const found = await affected(workflow, { dir, base, ...(head === undefined ? {} : { head }) }).catch((error: unknown) => {
    // A ref that names no commit (isomorphic-git takes names and ids, not `HEAD~1` expressions).
    throw new CliError(`--affected: ${(error as Error).message} (give a branch, tag or commit id)`, ExitCode.usage)
  })
  let from: string | undefined
  for await (const run of store.list({ workflowId: workflow.id, status: 'succeeded' })) {
    if (run.fingerprint === workflow.fingerprint) {
      from = run.runId
      break
    }
  }
  if (from === undefined) {
    throw new CliError(
      `--affected: no successful run of workflow ${workflow.id} with this definition (fingerprint ${workflow.fingerprint}) in the store to take the unaffected steps' outputs from; run it in full first (weft run without --affected)`,
      ExitCode.usage,
    )
  }
  const outputs = await recordedOutputs(store, from)
  const chosen = new Set(found.steps.map((s) => s.id))
  const reuse: Record<string, unknown> = {}
  for (const step of workflow.steps) if (!chosen.has(step.id) && Object.prototype.hasOwnProperty.call(outputs, step.id)) reuse[step.id] = outputs[step.id]
  const lines = found.steps.map((s) => `${s.id}: ${'files' in s.reason ? `inputs changed (${s.reason.files.slice(0, 3).join(', ')}${s.reason.files.length > 3 ? ', …' : ''})` : `depends on ${s.reason.dependsOn}`}`)
  return { workflow: reuseOutputs(workflow, reuse, { from }), from, lines, reused: Object.keys(reuse) }
}
