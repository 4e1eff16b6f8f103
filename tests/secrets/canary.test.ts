import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
import Type from 'typebox'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createEngine,
  createExecTemplate,
  fileStore,
  memorySecrets,
  memoryTelemetry,
  memoryStore,
  SecretLeakError,
  useStep,
  workflow,
  workerThreadsExecutor,
  type WeftEvent,
} from '../../src/index.js'
import { gitCheckpoints } from '../../src/git/index.js'
import { removeDir, tempRepo } from '../git/git-fixture.js'

/** A unique marker secret, and every encoded form a scan must not find. */
function canary(label: string): { value: string; forms: string[] } {
  const value = `wft-canary-${label}-${randomBytes(9).toString('hex')}`
  const buf = Buffer.from(value, 'utf8')
  return {
    value,
    forms: [value, buf.toString('base64'), buf.toString('base64url'), buf.toString('hex'), buf.toString('hex').toUpperCase(), encodeURIComponent(value + '/&= ').slice(0, -9)],
  }
}

function hits(text: string, secrets: readonly { value: string; forms: string[] }[]): string[] {
  const found: string[] = []
  for (const s of secrets) for (const form of s.forms) if (text.includes(form)) found.push(form)
  return found
}

/** Every file under `dir`, as text (latin1, so any byte sequence survives). */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = []
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs)) {
      const p = join(abs, name)
      if (statSync(p).isDirectory()) walk(p)
      else out.push({ path: p, text: readFileSync(p).toString('latin1') })
    }
  }
  walk(dir)
  return out
}

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d)
})

describe('secrets never leave the engine (canaries)', () => {
  it('logged, thrown, returned and passed to exec: zero hits in journal files, events, logs, telemetry, results and git objects', async () => {
    const token = canary('token')
    const api = canary('api')
    const secrets = [token, api]
    const repo = tempRepo({ 'README.md': 'hello\n' }, 'weft-canary-')
    dirs.push(repo)
    const storeDir = join(repo, '.weft-store')
    const telemetry = memoryTelemetry()
    const logs: string[] = []
    const engine = createEngine({
      store: fileStore(storeDir),
      secrets: memorySecrets({ TOKEN: token.value, API_KEY: api.value }),
      telemetry,
      plugins: [gitCheckpoints({ dir: repo, exclude: ['.weft-store/**'] })],
    })
    const busEvents: WeftEvent[] = []
    engine.on('*', (e) => void busEvents.push(e))
    const exec = createExecTemplate({ allow: [process.execPath] })
    const wf = workflow('canaries', { version: '1' })
      .step('logger', {
        secrets: ['TOKEN'],
        output: Type.String(),
        run: async ({ secret, log }) => {
          const t = await secret('TOKEN')
          log.info(`token is ${t}`, { token: t, b64: Buffer.from(t).toString('base64'), hex: Buffer.from(t).toString('hex'), url: encodeURIComponent(t) })
          writeFileSync(join(repo, 'work.txt'), `built with a token of length ${t.length}\n`)
          return 'logged'
        },
      })
      .step('thrower', {
        secrets: ['API_KEY'],
        output: Type.String(),
        retry: { attempts: 2, backoff: 'constant', base: 1 },
        run: async ({ secret }) => {
          const k = await secret('API_KEY')
          throw new Error(`request failed with key ${k}`, { cause: new Error(`base64 ${Buffer.from(k).toString('base64')}`) })
        },
      })
      .step('leaker', {
        secrets: ['TOKEN'],
        output: Type.Object({ nested: Type.Object({ token: Type.String() }) }),
        run: async ({ secret }) => ({ nested: { token: `Bearer ${await secret('TOKEN')}` } }),
      })
      .step('execLength', {
        secrets: ['TOKEN'],
        ...useStep(exec, { command: process.execPath, args: ['-e', 'process.stdout.write(String(process.env.T.length))'], secretEnv: { T: 'TOKEN' } }),
      })
      .step('execEcho', {
        secrets: ['TOKEN'],
        ...useStep(exec, { command: process.execPath, args: ['-e', 'process.stdout.write(process.env.T); process.stderr.write(process.env.T); process.exit(3)'], secretEnv: { T: 'TOKEN' } }),
      })
      .build()
    const run = engine.start(wf, undefined, { runId: 'canary-run', failurePolicy: 'continue' })
    const streamed: WeftEvent[] = []
    for await (const e of run.events) streamed.push(e)
    const result = await run.result
    await engine.close()

    // What the steps did.
    expect(result.status).toBe('failed')
    expect(result.steps.logger).toMatchObject({ status: 'succeeded', output: 'logged' })
    expect(result.steps.thrower?.status).toBe('failed')
    expect(result.steps.thrower?.attempts).toBe(2)
    expect(result.steps.leaker?.status).toBe('failed')
    expect(result.steps.leaker?.error).toMatchObject({ code: SecretLeakError.code, data: { stepId: 'leaker', leaks: [{ path: '/nested/token', name: 'TOKEN' }] } })
    expect(result.steps.leaker?.attempts).toBe(1) // a leak is final: not retried
    expect(result.steps.execLength).toMatchObject({ status: 'succeeded', output: { stdout: String(token.value.length) } })
    expect(result.steps.execEcho?.status).toBe('failed')
    const logLine = busEvents.find((e) => e.type === 'step.log')
    expect(logLine).toMatchObject({ message: 'token is [REDACTED:TOKEN]' })
    expect(JSON.stringify(result.steps.thrower?.error)).toContain('[REDACTED:API_KEY]')

    // The scans: zero hits anywhere.
    const texts: { where: string; text: string }[] = [
      ...filesUnder(storeDir).map((f) => ({ where: f.path, text: f.text })),
      { where: 'bus events', text: JSON.stringify(busEvents) },
      { where: 'run.events stream', text: JSON.stringify(streamed) },
      { where: 'telemetry', text: JSON.stringify(telemetry.events) },
      { where: 'result', text: JSON.stringify(result) },
      { where: 'log lines', text: JSON.stringify(busEvents.filter((e) => e.type === 'step.log')) },
    ]
    // Every git object (loose objects are zlib-deflated; packs would need unpacking — a run writes loose objects).
    for (const f of filesUnder(join(repo, '.git'))) {
      let text = f.text
      if (/objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/.test(f.path)) text = inflateSync(readFileSync(f.path)).toString('latin1')
      texts.push({ where: f.path, text })
    }
    expect(texts.filter((t) => t.where.includes('/objects/')).length).toBeGreaterThan(3)
    const leaks = texts.flatMap((t) => hits(t.text, secrets).map((form) => `${t.where}: ${form}`))
    expect(leaks).toEqual([])
    // And the scanner is not blind: the same scan finds a planted canary.
    expect(hits(`x${Buffer.from(api.value).toString('hex')}x`, secrets)).not.toEqual([])
  })

  it("'redact' policy stores a redacted output instead of failing; undeclared names and missing secrets are typed errors", async () => {
    const token = canary('redact')
    const store = memoryStore()
    const engine = createEngine({ store, secrets: memorySecrets({ TOKEN: token.value }), secretLeaks: 'redact' })
    const wf = workflow('redacting', { version: '1' })
      .step('out', { secrets: ['TOKEN'], output: Type.String(), run: async ({ secret }) => `t=${await secret('TOKEN')}` })
      .step('next', { needs: ['out'], output: Type.String(), run: ({ deps }) => deps.out.toUpperCase() })
      .step('undeclared', { output: Type.String(), run: ({ secret }) => secret('TOKEN') })
      .step('missing', { secrets: ['NOPE'], output: Type.String(), run: ({ secret }) => secret('NOPE') })
      .build()
    const result = await engine.run(wf, undefined, { failurePolicy: 'continue' })
    expect(result.steps.out).toMatchObject({ status: 'succeeded', output: 't=[REDACTED:TOKEN]' })
    expect(result.steps.next).toMatchObject({ status: 'succeeded', output: 'T=[REDACTED:TOKEN]' })
    expect(result.steps.undeclared?.error).toMatchObject({ code: 'WEFT_SECRET_NOT_DECLARED', data: { name: 'TOKEN', stepId: 'undeclared' } })
    expect(result.steps.undeclared?.attempts).toBe(1)
    expect(result.steps.missing?.error).toMatchObject({ code: 'WEFT_SECRET_NOT_FOUND', data: { name: 'NOPE' } })
  })

  it('a workflow input holding a declared secret is refused before anything is journaled', async () => {
    const token = canary('input')
    const store = memoryStore()
    const engine = createEngine({ store, secrets: memorySecrets({ TOKEN: token.value }) })
    const wf = workflow('inputs', { version: '1', input: Type.Object({ note: Type.String() }) })
      .step('s', { secrets: ['TOKEN'], output: Type.String(), run: () => 'x' })
      .build()
    await expect(engine.run(wf, { note: `oops ${token.value}` }, { runId: 'in1' })).rejects.toBeInstanceOf(SecretLeakError)
    expect(await store.get('in1')).toBeUndefined()
  })

  it('a resumed run redacts secrets read before the restart', async () => {
    const token = canary('resume')
    const store = memoryStore()
    const secrets = memorySecrets({ TOKEN: token.value })
    let calls = 0
    const wf = workflow('resumed-redaction', { version: '1' })
      .step('read', { secrets: ['TOKEN'], output: Type.Number(), run: async ({ secret }) => (await secret('TOKEN')).length })
      .step('later', {
        needs: ['read'],
        output: Type.String(),
        run: ({ signal }) => {
          calls++
          // The first time: interrupted. After the resume: fails quoting the token it never read itself.
          if (calls === 1) return new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
          throw new Error(`saw ${token.value}`)
        },
      })
      .build()
    const engine = createEngine({ store, secrets })
    const run = engine.start(wf, undefined, { runId: 'rr' })
    for await (const e of run.events) if (e.type === 'step.started' && e.stepId === 'later') break
    run.cancel('restart', { resumable: true })
    await run.result
    const resumed = await createEngine({ store, secrets }).resume('rr', wf)
    const result = await resumed.result
    expect(result.steps.later?.error?.message).toBe('saw [REDACTED:TOKEN]')
    const journal: unknown[] = []
    for await (const e of store.read('rr')) journal.push(e)
    expect(hits(JSON.stringify(journal), [token])).toEqual([])
  })

  it('ctx.secret works in worker threads, through the engine', async () => {
    const token = canary('worker')
    const module = new URL('../executor/fixtures/secret-handlers.mjs', import.meta.url).href
    const executor = workerThreadsExecutor({ size: 1 })
    const engine = createEngine({ executor, secrets: memorySecrets({ TOKEN: token.value }), secretLeaks: 'redact' })
    const wf = workflow('worker-secrets', { version: '1' })
      .step('len', { secrets: ['TOKEN'], output: Type.Number(), meta: { handler: { module, export: 'secretLength' } }, run: () => 0 })
      .step('undeclared', { output: Type.Number(), meta: { handler: { module, export: 'undeclared' } }, run: () => 0 })
      .build()
    const result = await engine.run(wf, undefined, { failurePolicy: 'continue' })
    await executor.close?.()
    expect(result.steps.len).toMatchObject({ status: 'succeeded', output: token.value.length })
    expect(result.steps.undeclared?.error).toMatchObject({ code: 'WEFT_SECRET_NOT_DECLARED' })
  })
})
