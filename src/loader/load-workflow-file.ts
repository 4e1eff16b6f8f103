import { readFile, stat } from 'node:fs/promises'
import type { Workflow } from '../workflow/index.js'
import { checkOptions, loadWorkflow, type LoadWorkflowOptions } from './load-workflow.js'
import { tooLargeSource } from './read-source.js'
import { WorkflowDefinitionError } from '../workflow/index.js'

/**
 * Reads a workflow file (`.json`, `.yaml` or `.yml`; see `format` otherwise) and loads it with
 * {@link loadWorkflow}. A file larger than `limits.maxBytes` is refused before it is read.
 * Problems name the file (`options.file` defaults to `path`).
 * @throws {@link WorkflowDefinitionError} listing every problem of the file.
 * @throws the file system's error (e.g. `ENOENT`) when the file cannot be read.
 * @example
 * ```ts
 * const wf = await loadWorkflowFile('workflows/release.yaml', { registry: builtinTemplates() })
 * ```
 * @public
 */
export async function loadWorkflowFile(path: string, options: LoadWorkflowOptions): Promise<Workflow> {
  const named: LoadWorkflowOptions = { ...options, file: options.file ?? path }
  const limits = checkOptions(named)
  const { size } = await stat(path)
  if (size > limits.maxBytes) throw new WorkflowDefinitionError(named.file!, tooLargeSource(size, limits).problems)
  const text = await readFile(path, 'utf8')
  return loadWorkflow(text, named)
}
