import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Compile } from 'typebox/compile'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { workflowJsonSchema, WorkflowFileSchema } from '../../src/loader/index.js'
import { workflowSchemaText } from '../../src/loader/write-schema.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const fixtures = `${root}tests/fixtures/workflows/`

describe('schema/workflow.schema.json', () => {
  it('is the JSON Schema generated from WorkflowFileSchema (regenerate: npx tsx src/loader/write-schema.ts)', () => {
    expect(readFileSync(`${root}schema/workflow.schema.json`, 'utf8')).toBe(workflowSchemaText())
  })

  it('is a draft 2020-12 document with the condition in $defs', () => {
    const schema = workflowJsonSchema()
    expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'Weft workflow file', additionalProperties: false })
    expect(Object.keys((schema.$defs as object) ?? {})).toEqual(['Condition'])
  })

  it('accepts the valid fixtures and the plan, and rejects files with schema problems', () => {
    const check = Compile(WorkflowFileSchema)
    for (const file of readdirSync(`${fixtures}valid`)) expect(check.Check(parse(readFileSync(`${fixtures}valid/${file}`, 'utf8'))), file).toBe(true)
    expect(check.Check(JSON.parse(readFileSync(`${root}examples/workstreams/plan.json`, 'utf8')))).toBe(true)
    for (const file of ['unknown-keys.yaml', 'schema-types.json', 'bad-when.yaml', 'no-steps.yaml']) {
      expect(check.Check(parse(readFileSync(`${fixtures}invalid/${file}`, 'utf8'))), file).toBe(false)
    }
  })
})
