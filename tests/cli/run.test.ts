import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { bundle, journal, moduleImports, root, tempDir, weft, type Bundles } from './harness.js'

let bundles: Bundles
beforeAll(async () => {
  bundles = await bundle('run')
}, 60_000)

const greet = `id: greet
input:
  type: object
  properties: { name: { type: string, minLength: 1 } }
  required: [name]
  additionalProperties: false
steps:
  - id: hello
    uses: exec
    with: { command: node, args: ["-e", "console.log('hello')"] }
  - id: done
    needs: [hello]
    uses: noop
    when: { step: hello, path: /exitCode, equals: 0 }
`

const failing = `id: failing
steps:
  - id: ok
    uses: noop
  - id: boom
    needs: [ok]
    uses: exec
    with: { command: node, args: ["-e", "process.exit(3)"] }
`

describe('weft run', () => {
  it('runs a declarative workflow: output on stdout, plain progress on stderr, journal with the source file', async () => {
    const cwd = tempDir({ 'greet.yaml': greet })
    const r = await weft(bundles, ['run', 'greet.yaml', '--input', '{"name":"Ada"}', '--run-id', 'r1', '--seed', '7'], { cwd })
    expect(r.code).toBe(0)
    const output = JSON.parse(r.stdout) as { hello: { stdout: string; exitCode: number }; done: null }
    expect(output.hello).toMatchObject({ stdout: 'hello\n', exitCode: 0 })
    expect(output.done).toBeNull()
    // Not a terminal: plain lines, no cursor movement.
    expect(r.stderr).not.toContain('\x1b[')
    expect(r.stderr).toContain('run r1: workflow greet (2 steps)')
    expect(r.stderr).toContain('[0/2] hello started')
    expect(r.stderr).toMatch(/\[1\/2\] ✓ hello succeeded/)
    expect(r.stderr).toMatch(/✓ run r1 succeeded in .* \(2\/2 steps\)/)
    const events = await journal(join(cwd, '.weft'), 'r1')
    const started = events[0]!
    expect(started).toMatchObject({ type: 'run.started', seed: 7, input: { name: 'Ada' }, metadata: { source: join(cwd, 'greet.yaml') } })
    expect(events.at(-1)!.type).toBe('run.succeeded')
  })

  it('--json prints the whole result; --input @file reads JSON or YAML; --quiet prints no progress', async () => {
    const cwd = tempDir({ 'greet.yaml': greet, 'in.yaml': 'name: Grace\n', 'in.json': '{"name":"Linus"}' })
    const a = await weft(bundles, ['run', 'greet.yaml', '-i', '@in.yaml', '--json', '-q'], { cwd })
    expect(a.code).toBe(0)
    expect(a.stderr).toMatch(/^✓ run \S+ succeeded/)
    const result = JSON.parse(a.stdout) as { status: string; steps: Record<string, { status: string }> }
    expect(result.status).toBe('succeeded')
    expect(result.steps['done']!.status).toBe('succeeded')
    const b = await weft(bundles, ['run', 'greet.yaml', '-i', '@in.json', '-q'], { cwd })
    expect(b.code).toBe(0)
  })

  it('exit 1 when the run fails, naming the failed step', async () => {
    const cwd = tempDir({ 'failing.yaml': failing })
    const r = await weft(bundles, ['run', 'failing.yaml'], { cwd })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/✗ boom failed \(attempt 1\)/)
    expect(r.stderr).toMatch(/✗ run \S+ failed/)
    expect(r.stderr).toMatch(/step boom failed after 1 attempt/)
  })

  it('exit 3 for an input that violates the input contract, listing every issue; nothing is journaled', async () => {
    const cwd = tempDir({ 'greet.yaml': greet })
    const r = await weft(bundles, ['run', 'greet.yaml', '--input', '{"name":"","extra":1}'], { cwd })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain("the input does not match the workflow's input contract")
    expect(r.stderr).toContain('/name')
    const missing = await weft(bundles, ['run', 'greet.yaml'], { cwd })
    expect(missing.code).toBe(3)
    expect(missing.stderr).toMatch(/^weft run: no --input given, but workflow "greet" needs one \(\/: must be object\)\. Pass --input/m)
    expect(existsSync(join(cwd, '.weft', 'runs')) ? readdirSync(join(cwd, '.weft', 'runs')) : []).toEqual([])
  })

  it('exit 2 for usage errors: bad JSON, unknown flag, missing file, unknown command, missing argument', async () => {
    const cwd = tempDir({ 'greet.yaml': greet })
    const cases: [string[], RegExp][] = [
      [['run', 'greet.yaml', '--input', '{name:}'], /--input refused: \/ not valid JSON/],
      [['run', 'greet.yaml', '--input', '{"__proto__": {"x": 1}, "name": "a"}'], /--input refused: \/__proto__ the key "__proto__" is not allowed/],
      [['run', 'greet.yaml', '--bogus'], /Unknown option '--bogus'/],
      [['run', 'nope.yaml'], /cannot read nope\.yaml: no such file/],
      [['rnu', 'greet.yaml'], /unknown command "rnu" \(did you mean "run"\?\)/],
      [['run'], /missing argument: weft run <file>/],
      [['run', 'greet.yaml', '--seed', 'x'], /^weft run: Expected `--seed` to be an integer/m],
      [['run', 'greet.yaml', '--clock', 'sundial', '-i', '{"name":"a"}'], /^weft run: Expected `--clock` to be `system` or `simulated`[^\n]*\nRun `weft run --help` for usage\./m],
    ]
    for (const [args, message] of cases) {
      const r = await weft(bundles, args, { cwd })
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(message)
    }
  })

  it('exit 2 for an invalid workflow file, with every problem, line and pointer', async () => {
    const cwd = tempDir({ 'bad.yaml': 'id: bad\nsteps:\n  - id: a\n    uses: nope\n  - id: b\n    needs: [zz]\n    uses: noop\n' })
    const r = await weft(bundles, ['run', 'bad.yaml'], { cwd })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('unknown template "nope"')
    expect(r.stderr).toContain('/steps/1/needs/0')
  })

  it('uses the store of the config file, WEFT_STORE_DIR over it, --store over both', async () => {
    const cwd = tempDir({ 'one.json': '{"id":"one","steps":[{"id":"only","uses":"noop"}]}', 'weft.config.json': JSON.stringify({ store: { dir: 'from-file', durability: 'none' } }) })
    await weft(bundles, ['run', 'one.json', '--run-id', 'a', '-q'], { cwd })
    await weft(bundles, ['run', 'one.json', '--run-id', 'b', '-q'], { cwd, env: { WEFT_STORE_DIR: 'from-env' } })
    await weft(bundles, ['run', 'one.json', '--run-id', 'c', '-q', '--store', 'from-flag'], { cwd, env: { WEFT_STORE_DIR: 'from-env' } })
    expect((await journal(join(cwd, 'from-file'), 'a')).at(-1)!.type).toBe('run.succeeded')
    expect((await journal(join(cwd, 'from-env'), 'b')).at(-1)!.type).toBe('run.succeeded')
    expect((await journal(join(cwd, 'from-flag'), 'c')).at(-1)!.type).toBe('run.succeeded')
  })

  it('telemetry config: `console: false` hides the progress, `jsonl` appends every event as a JSON line', async () => {
    const cwd = tempDir({ 'one.json': '{"id":"one","steps":[{"id":"only","uses":"noop"}]}', 'weft.config.json': JSON.stringify({ telemetry: { console: false, jsonl: 'logs/events.jsonl' } }) })
    const r = await weft(bundles, ['run', 'one.json', '--run-id', 't1'], { cwd })
    expect(r.code).toBe(0)
    expect(r.stderr).not.toContain('only succeeded')
    const lines = readFileSync(join(cwd, 'logs/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; runId: string })
    expect(lines.map((e) => e.type)).toEqual(['run.started', 'step.started', 'step.succeeded', 'run.succeeded'])
    expect(lines.every((e) => e.runId === 't1')).toBe(true)
  })

  it('applies the config default timeout and retry to steps that set none; --clock simulated makes sleeps instant', async () => {
    const wf = 'id: slow\nsteps:\n  - { id: nap, uses: sleep, with: { duration: 10h } }\n'
    const cwd = tempDir({ 'slow.yaml': wf, 'weft.config.json': JSON.stringify({ timeout: '5h', retry: { attempts: 2, backoff: 'constant', base: '1s' } }) })
    const r = await weft(bundles, ['run', 'slow.yaml', '--clock', 'simulated', '--run-id', 's'], { cwd })
    expect(r.code).toBe(1)
    const events = await journal(join(cwd, '.weft'), 's')
    const failures = events.filter((e) => e.type === 'step.failed')
    expect(failures.map((e) => (e.type === 'step.failed' ? [e.attempt, e.willRetry, e.error.name] : []))).toEqual([
      [1, true, 'StepTimeoutError'],
      [2, false, 'StepTimeoutError'],
    ])
  })

  it('runs a JS module exporting the workflow as default or as `workflow`, and a TS module through tsx', async () => {
    const imports = moduleImports(bundles)
    const body = `builder('mod').step('a', { output: Type.Number(), run: () => 20 }).step('b', { needs: ['a'], output: Type.Number(), run: ({ deps }) => deps.a + 22 }).build()`
    const cwd = tempDir({
      'default.mjs': `${imports}export default ${body}\n`,
      'named.js': `${imports}export const other = 1\nexport const workflow = ${body}\n`,
      'typed.ts': `import Type from '${pathToFileURL(join(root, 'node_modules/typebox/build/index.mjs')).href}'\nimport { workflow } from '${pathToFileURL(join(root, 'src/index.ts')).href}'\nconst n: number = 40\nexport default workflow('typed').step('a', { output: Type.Number(), run: () => n + 2 }).build()\n`,
      'none.mjs': 'export const nothing = 1\n',
      'package.json': '{"type":"module"}',
    })
    for (const file of ['default.mjs', 'named.js']) {
      const r = await weft(bundles, ['run', file, '-q'], { cwd })
      expect(r.stderr, file).toMatch(/succeeded/)
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({ a: 20, b: 42 })
    }
    const ts = await weft(bundles, ['run', 'typed.ts', '-q'], { cwd })
    expect(ts.stderr).toMatch(/succeeded/)
    expect(ts.code).toBe(0)
    expect(JSON.parse(ts.stdout)).toEqual({ a: 42 })
    // A .ts file of a package that is not "type": "module" (tsx compiles it to CommonJS).
    const cjsDir = tempDir({
      'package.json': '{}',
      'typed.ts': `import Type from '${join(root, 'node_modules/typebox/build/index.mjs')}'\nimport { workflow } from '${bundles.lib}'\nconst n: number = 6\nexport default workflow('cjs').step('a', { output: Type.Number(), run: () => n }).build()\n`,
    })
    const cjs = await weft(bundles, ['run', 'typed.ts', '-q'], { cwd: cjsDir })
    expect(cjs.stderr).toMatch(/succeeded/)
    expect(JSON.parse(cjs.stdout)).toEqual({ a: 6 })
    const none = await weft(bundles, ['run', 'none.mjs'], { cwd })
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('none.mjs exports no workflow')
  })

  it('explains that .ts files need tsx when it cannot be found', async () => {
    // A copy of the bundle outside the project, run from a directory without node_modules.
    const cwd = tempDir({ 'w.ts': 'export default 1\n' })
    copyFileSync(bundles.cli, join(cwd, 'weft.mjs'))
    const r = await weft(bundles, ['run', 'w.ts'], { cwd, script: join(cwd, 'weft.mjs') })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('TypeScript workflow files need tsx: install it (npm install --save-dev tsx)')
  })
})

describe('weft run --dry-run', () => {
  it('runs the dry-run stand-in of steps with side effects, and records the run as a dry run', async () => {
    const cwd = tempDir({
      'deploy.mjs': `${moduleImports(bundles)}export default builder('deploy').step('push', { output: Type.String(), sideEffects: true, dryRun: () => 'would push', run: () => { throw new Error('pushed for real') } }).build()\n`,
    })
    const r = await weft(bundles, ['run', 'deploy.mjs', '--dry-run', '--run-id', 'dry'], { cwd })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ push: 'would push' })
    expect(r.stderr).toMatch(/push succeeded .*\(dry run\)/)
    expect((await journal(join(cwd, '.weft'), 'dry'))[0]).toMatchObject({ type: 'run.started', dryRun: true })
  })
})

describe('live progress', () => {
  // util-linux `script` (Debian's essential bsdutils) runs the CLI on a pseudo-terminal: a real TTY, still a child process.
  it('on a terminal redraws a status line (running steps, done/total, elapsed) and prints finished steps', async () => {
    const cwd = tempDir({ 'greet.yaml': greet })
    const command = [process.execPath, bundles.cli, 'run', 'greet.yaml', '--input', '{"name":"Ada"}'].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')
    const r = spawnSync('script', ['-qfec', command, '/dev/null'], { cwd, encoding: 'utf8', env: { ...process.env, TERM: 'xterm', COLUMNS: '120' } })
    expect(r.status).toBe(0)
    const tty = r.stdout
    expect(tty).toContain('\r\x1b[K') // the status line is redrawn in place
    expect(tty).toMatch(/[0-2]\/2 done · (running: hello|waiting)/)
    expect(tty).toMatch(/✓.* hello succeeded/)
    expect(tty).not.toContain('hello started') // no plain start lines on a terminal
  })
})

describe('config templates', () => {
  it('registers the templates of the modules listed in the config, relative to the config file', async () => {
    const lib = pathToFileURL(bundles.lib).href
    const typebox = pathToFileURL(join(root, 'node_modules/typebox/build/index.mjs')).href
    const cwd = tempDir({
      'conf/weft.json': JSON.stringify({ templates: ['./shout.mjs'] }),
      'conf/shout.mjs': `import Type from '${typebox}'\nimport { defineStep } from '${lib}'\nconst shout = defineStep({ name: 'shout', with: Type.Object({ text: Type.String() }), output: Type.String(), run: (_ctx, { text }) => text.toUpperCase() + '!' })\nexport default (registry) => registry.register('shout', shout)\n`,
      'wf.yaml': 'id: loud\nsteps:\n  - { id: s, uses: shout, with: { text: hey } }\n',
    })
    const r = await weft(bundles, ['run', 'wf.yaml', '--config', 'conf/weft.json', '-q'], { cwd })
    expect(r.stderr).toMatch(/succeeded/)
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ s: 'HEY!' })
    const without = await weft(bundles, ['validate', 'wf.yaml'], { cwd })
    expect(without.code).toBe(2)
    expect(without.stdout).toContain('unknown template "shout"')
  })
})

describe('help and version', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    for (const flag of ['--version', '-V']) {
      const r = await weft(bundles, [flag], { cwd: root })
      expect(r.code).toBe(0)
      expect(r.stdout.trim()).toBe(pkg.version)
    }
  })

  it('--help lists every command and the exit codes; each command has its own help with examples', async () => {
    const main = await weft(bundles, ['--help'], { cwd: root })
    expect(main.code).toBe(0)
    const names = ['run', 'plan', 'graph', 'validate', 'resume', 'replay', 'cancel', 'signal', 'status', 'history', 'init']
    for (const name of names) expect(main.stdout).toMatch(new RegExp(`^  ${name}\\s`, 'm'))
    expect(main.stdout).toContain('130 interrupted')
    for (const name of names) {
      const r = await weft(bundles, [name, '--help'], { cwd: root })
      expect(r.code, name).toBe(0)
      expect(r.stdout).toContain(`Usage: weft ${name}`)
      expect(r.stdout).toContain('Examples:')
      expect(r.stdout).toMatch(new RegExp(`\\$ weft ${name} `))
      expect(r.stdout).toContain('-h, --help')
    }
    const viaHelp = await weft(bundles, ['help', 'plan'], { cwd: root })
    expect(viaHelp.stdout).toContain('Usage: weft plan')
    const bare = await weft(bundles, [], { cwd: root })
    expect(bare.code).toBe(2)
    expect(bare.stderr).toContain('Usage: weft <command>')
  })
})
