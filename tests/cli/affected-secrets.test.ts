import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { bundle, journal, tempDir, weft, type Bundles } from './harness.js'

let bundles: Bundles
beforeAll(async () => {
  bundles = await bundle('affected')
}, 60_000)

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } })
}

/** Each step appends its id to ran.txt, so the test sees which steps really ran. */
const step = (id: string, extra: string) => `  - id: ${id}
${extra}    uses: exec
    with: { command: node, args: ["-e", "require('fs').appendFileSync('ran.txt', '${id}\\\\n'); console.log('${id}')"] }
`
const ci = `id: ci
steps:
${step('lint', '    inputs: ["src/**"]\n')}${step('docs', '    inputs: ["docs/**"]\n')}${step('build', '    needs: [lint]\n    inputs: ["src/**", "package.json"]\n')}${step('site', '    needs: [docs, build]\n')}`

function repo(): string {
  const cwd = tempDir({ 'ci.yaml': ci, 'src/a.ts': 'export const a = 1\n', 'docs/index.md': '# docs\n', 'package.json': '{}\n', '.gitignore': '.weft/\nran.txt\n' })
  git(cwd, 'init', '-q', '-b', 'main')
  git(cwd, 'add', '.')
  git(cwd, 'commit', '-q', '-m', 'base')
  return cwd
}

const ran = (cwd: string): string[] => readFileSync(join(cwd, 'ran.txt'), 'utf8').trim().split('\n')

describe('weft run --affected --base', () => {
  it('refuses without a successful run to reuse, then runs only the affected steps and their dependents', async () => {
    const cwd = repo()
    const refused = await weft(bundles, ['run', 'ci.yaml', '--affected', '--base', 'main'], { cwd })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/no successful run of workflow ci .*run it in full first/)

    const full = await weft(bundles, ['run', 'ci.yaml', '--run-id', 'full'], { cwd })
    expect(full.code, full.stderr).toBe(0)
    expect(ran(cwd).sort()).toEqual(['build', 'docs', 'lint', 'site'])

    writeFileSync(join(cwd, 'ran.txt'), '')
    appendFileSync(join(cwd, 'docs/index.md'), 'more\n')
    const partial = await weft(bundles, ['run', 'ci.yaml', '--affected', '--base', 'main', '--run-id', 'docs-only', '--json'], { cwd })
    expect(partial.code, partial.stderr).toBe(0)
    expect(partial.stderr).toMatch(/docs: inputs changed \(docs\/index\.md\)/)
    expect(partial.stderr).toMatch(/site: depends on docs/)
    expect(partial.stderr).toMatch(/reusing 2 recorded outputs of run full/)
    expect(ran(cwd).sort()).toEqual(['docs', 'site'])
    const result = JSON.parse(partial.stdout) as { status: string; steps: Record<string, { status: string; output: { stdout: string } }> }
    expect(result.status).toBe('succeeded')
    expect(result.steps.lint?.output.stdout).toBe('lint\n') // the recorded output of run "full"
    const started = (await journal(join(cwd, '.weft'), 'docs-only'))[0]
    expect(started).toMatchObject({ type: 'run.started', metadata: { reusedFrom: 'full', affectedBase: 'main' } })

    // Committed changes between two refs: src changed → lint, build, site.
    git(cwd, 'add', '.')
    git(cwd, 'commit', '-q', '-m', 'docs')
    appendFileSync(join(cwd, 'src/a.ts'), 'export const b = 2\n')
    git(cwd, 'add', '.')
    git(cwd, 'commit', '-q', '-m', 'src')
    writeFileSync(join(cwd, 'ran.txt'), '')
    const bad = await weft(bundles, ['run', 'ci.yaml', '--affected', '--base', 'no-such-ref'], { cwd })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/no-such-ref does not name a commit/)
    const previous = git(cwd, 'rev-parse', 'HEAD~1').trim()
    const between = await weft(bundles, ['run', 'ci.yaml', '--affected', '--base', previous, '--head', 'HEAD'], { cwd })
    expect(between.code, between.stderr).toBe(0)
    expect(ran(cwd).sort()).toEqual(['build', 'lint', 'site'])
  })

  it('--affected without --base is a usage error', async () => {
    const cwd = repo()
    const out = await weft(bundles, ['run', 'ci.yaml', '--affected'], { cwd })
    expect(out.code).toBe(2)
    expect(out.stderr).toMatch(/--affected and --base <ref> go together/)
  })
})

describe('weft and secrets', () => {
  it('a canary secret passed to exec and echoed by the program never appears in CLI output or the store', async () => {
    const value = `wft-cli-canary-${randomBytes(9).toString('hex')}`
    const buf = Buffer.from(value)
    const forms = [value, buf.toString('base64'), buf.toString('hex'), encodeURIComponent(value)]
    const wf = `id: secretive
steps:
  - id: length
    secrets: [TOKEN]
    uses: exec
    with: { command: node, args: ["-e", "process.stdout.write(String(process.env.T.length))"], secretEnv: { T: TOKEN } }
  - id: echo
    needs: [length]
    secrets: [TOKEN]
    uses: exec
    with: { command: node, args: ["-e", "console.error('token', process.env.T, Buffer.from(process.env.T).toString('base64')); process.exit(2)"], secretEnv: { T: TOKEN } }
`
    const cwd = tempDir({ 'wf.yaml': wf })
    const env = { WEFT_SECRET_TOKEN: value }
    const run = await weft(bundles, ['run', 'wf.yaml', '--run-id', 's1', '--json'], { cwd, env })
    expect(run.code).toBe(1)
    const result = JSON.parse(run.stdout) as { steps: Record<string, { status: string; output?: { stdout: string }; error?: { message: string } }> }
    expect(result.steps.length).toMatchObject({ status: 'succeeded', output: { stdout: String(value.length) } })
    expect(result.steps.echo?.error?.message).toContain('[REDACTED:TOKEN]')
    const outputs = [run.stdout, run.stderr]
    for (const args of [['status', 's1', '--json'], ['history', '--json'], ['replay', 's1']]) {
      const out = await weft(bundles, args, { cwd, env })
      outputs.push(out.stdout, out.stderr)
    }
    const files: string[] = []
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name)
        if (statSync(p).isDirectory()) walk(p)
        else files.push(readFileSync(p).toString('latin1'))
      }
    }
    walk(join(cwd, '.weft'))
    const hits = [...outputs, ...files].flatMap((text) => forms.filter((f) => text.includes(f)))
    expect(hits).toEqual([])
  })

  it('the config exec allowlist refuses other programs (exit 1, ExecNotAllowedError)', async () => {
    const cwd = tempDir({
      'weft.config.json': '{ "exec": { "allow": ["node"] } }',
      'wf.yaml': 'id: allow\nsteps:\n  - id: ok\n    uses: exec\n    with: { command: node, args: ["-e", "1"] }\n  - id: no\n    needs: [ok]\n    uses: exec\n    with: { command: sh, args: ["-c", "echo hi"] }\n',
    })
    const out = await weft(bundles, ['run', 'wf.yaml', '--json'], { cwd })
    expect(out.code).toBe(1)
    const result = JSON.parse(out.stdout) as { steps: Record<string, { status: string; error?: { code?: string } }> }
    expect(result.steps.ok?.status).toBe('succeeded')
    expect(result.steps.no?.error?.code).toBe('WEFT_EXEC_NOT_ALLOWED')
  })
})
