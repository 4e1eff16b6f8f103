/**
 * `weft/git`: git integration through isomorphic-git (pure JavaScript; no `git` binary needed).
 *
 * - {@link gitCheckpoints}: a plugin that snapshots the workspace into commits on
 *   `refs/weft/runs/<runId>` after each step, without touching `HEAD`, the index, the branch or
 *   the working tree;
 * - {@link rollback}: restores the workspace to one of those checkpoints;
 * - {@link affected}: the steps whose `meta.inputs` globs match files changed since a ref, and
 *   their dependents, with reasons;
 * - {@link loadWorkflowAt}: a declarative workflow file as it was at a ref;
 * - {@link exportRun} / {@link importRun}: a run's journal as a commit on
 *   `refs/weft/journal/<runId>`, shared with ordinary `git push` / `git fetch`, verified on import.
 *
 * Works on a plain repository whose root is `dir` (a `.git` directory; SHA-1 object format).
 * @packageDocumentation
 */
export { gitCheckpoints, gitCheckpointsPluginName, outputSha256, type GitCheckpointsOptions, type GitCheckpointRecord, type GitStartRecord } from './git-checkpoints.js'
export { rollback, type RollbackOptions, type RollbackResult } from './rollback.js'
export { affected, type AffectedOptions, type AffectedResult, type AffectedStep, type AffectedReason } from './affected.js'
export { loadWorkflowAt, type LoadWorkflowAtOptions, type WorkflowAtRef } from './load-workflow-at.js'
export { exportRun, importRun, journalFormat, type ExportRunOptions, type ExportRunResult, type ImportRunOptions, type ImportRunResult, type ExportedRunMeta } from './run-journal.js'
export { checkpointRef, journalRef, type GitIdentity } from './refs.js'
export type { GitFsClient } from './repository.js'
export type { WorkspaceScopeOptions } from './workspace-scope.js'
export {
  GitError,
  GitCheckpointError,
  GitJournalError,
  GitReadError,
  type GitCheckpointReason,
  type GitCheckpointErrorData,
  type GitJournalErrorData,
  type GitJournalProblem,
  type GitReadErrorData,
} from './git-errors.js'
