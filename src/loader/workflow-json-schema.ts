import { WorkflowFileSchema } from './workflow-file-schema.js'

/**
 * The workflow file format as a plain JSON Schema document (draft 2020-12), as committed in
 * `schema/workflow.schema.json`: point a file's `$schema` at it and editors validate and
 * complete it. `errorMessage` keywords carry the messages editors such as VS Code show.
 * @public
 */
export function workflowJsonSchema(): Record<string, unknown> {
  const { $schema, title, description, ...rest } = JSON.parse(JSON.stringify(WorkflowFileSchema)) as Record<string, unknown>
  return { $schema, title, description, ...rest }
}
