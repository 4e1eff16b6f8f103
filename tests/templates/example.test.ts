import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))

describe('examples/templates', () => {
  it('runs the typed, workflow-template and declarative uses of templates', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/templates/main.ts'], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(out).toContain('typed builder: hello -> 29049, compare -> true')
    expect(out).toContain('workflow template: build:core, build:cli, build:web, build:docs, report')
    for (const pkg of ['core', 'cli', 'web', 'docs']) expect(out).toContain(`build:${pkg}: built ${pkg}`)
    expect(out).toContain('declarative: sum -> 41813, announce -> succeeded')
  })
})
