import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { WorkflowDefinitionError } from '../../src/index.js'
import { loaderProblemsOf, loadWorkflowFile } from '../../src/loader/index.js'
import { builtinTemplates } from '../../src/templates/index.js'

const dir = fileURLToPath(new URL('../fixtures/workflows/invalid/', import.meta.url))
const files = readdirSync(dir).filter((f) => /\.(json|ya?ml)$/.test(f)).sort()

/** Every problem of an invalid file, one line each: `line:column path [kind/code] message`. */
async function report(file: string): Promise<string> {
  try {
    await loadWorkflowFile(`${dir}${file}`, { registry: builtinTemplates(), file })
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowDefinitionError)
    const e = error as WorkflowDefinitionError
    const lines = loaderProblemsOf(e).map((p) => {
      const at = p.line === undefined ? '-' : `${p.line}:${p.column}`
      return `  ${at} ${p.path || '/'} [${p.kind}/${p.code}${p.stepId === undefined ? '' : ` step ${p.stepId}`}] ${p.message}`
    })
    return `## ${file}\n${e.message.split('\n')[0]}\n${lines.join('\n')}\n`
  }
  throw new Error(`${file} loaded without problems`)
}

describe('invalid workflow files', () => {
  it('has fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(15)
  })

  it('reports every problem, with its pointer, position and kind (snapshot of the messages)', async () => {
    const reports: string[] = []
    for (const file of files) reports.push(await report(file))
    await expect(reports.join('\n')).toMatchFileSnapshot('./__snapshots__/invalid-files.txt')
  })
})
