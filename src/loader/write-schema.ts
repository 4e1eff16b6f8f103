/**
 * Writes `schema/workflow.schema.json` from {@link WorkflowFileSchema}:
 *   npx tsx src/loader/write-schema.ts
 * The test suite fails when the committed file differs from the generated one.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { workflowJsonSchema } from './workflow-json-schema.js'

/** The text of `schema/workflow.schema.json`. @internal */
export function workflowSchemaText(): string {
  return `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = fileURLToPath(new URL('../../schema/workflow.schema.json', import.meta.url))
  writeFileSync(target, workflowSchemaText())
  console.log(`wrote ${target}`)
}
