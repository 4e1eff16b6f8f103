import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config/index.js'

function dir(files: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'weft-config-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, '..'), { recursive: true })
    writeFileSync(join(d, name), text)
  }
  return d
}

describe('loadConfig', () => {
  it('returns an empty config when there is no file', () => {
    expect(loadConfig({ cwd: dir(), env: {} })).toEqual({ config: {} })
  })

  it('reads weft.config.json, then .weft/config.json', () => {
    const a = dir({ 'weft.config.json': JSON.stringify({ concurrency: 3, store: { dir: 'runs' } }) })
    expect(loadConfig({ cwd: a, env: {} }).config).toEqual({ concurrency: 3, store: { dir: 'runs' } })
    const b = dir({ '.weft/config.json': JSON.stringify({ timeout: '5m' }) })
    expect(loadConfig({ cwd: b, env: {} })).toMatchObject({ config: { timeout: '5m' }, file: join(b, '.weft', 'config.json') })
  })

  it('environment overrides the file and flags override both', () => {
    const d = dir({ 'weft.config.json': JSON.stringify({ concurrency: 3, store: { dir: 'runs', durability: 'batch' } }) })
    const { config } = loadConfig({ cwd: d, env: { WEFT_CONCURRENCY: '5', WEFT_STORE_DIR: 'elsewhere' }, overrides: { concurrency: 9 } })
    expect(config).toEqual({ concurrency: 9, store: { dir: 'elsewhere', durability: 'batch' } })
  })

  it('reports every problem with its source and pointer', () => {
    const d = dir({ 'weft.config.json': JSON.stringify({ concurrency: 0, store: { durabilty: 'always' }, pools: { cpu: -1 }, nope: true }) })
    let error: unknown
    try {
      loadConfig({ cwd: d, env: { WEFT_CONCURRENCY: 'many', WEFT_STORE_DURABILITY: 'sometimes' } })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).data.problems
    const sources = problems.map((p) => `${p.source.replace(d, '<dir>')} ${p.path}`)
    expect(sources).toEqual(expect.arrayContaining(['<dir>/weft.config.json /concurrency', '<dir>/weft.config.json /store', '<dir>/weft.config.json /pools/cpu', 'env WEFT_CONCURRENCY ', 'env WEFT_STORE_DURABILITY ']))
    expect(problems.some((p) => p.path === '' && p.source.endsWith('weft.config.json') && /nope|additional/i.test(p.message))).toBe(true)
  })

  it('rejects broken JSON and a missing explicit file', () => {
    expect(() => loadConfig({ cwd: dir({ 'weft.config.json': '{ nope' }), env: {} })).toThrow(/not valid JSON/)
    expect(() => loadConfig({ cwd: dir(), file: 'missing.json', env: {} })).toThrow(ConfigError)
  })

  it('refuses prototype-polluting keys, naming each, and never pollutes Object.prototype', () => {
    const d = dir({ 'weft.config.json': '{ "__proto__": { "polluted": true }, "pools": { "constructor": 1 }, "concurrency": 2 }' })
    let error: unknown
    try {
      loadConfig({ cwd: d, env: {} })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const paths = (error as ConfigError).data.problems.map((p) => p.path)
    expect(paths).toEqual(expect.arrayContaining(['/__proto__', '/pools/constructor']))
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
  })

  it('refuses a store directory in a config file that escapes the project (absolute, .., NUL)', () => {
    for (const bad of ['/etc/weft', '../elsewhere', 'a/../../b', 'x\\u0000y']) {
      const d = dir({ 'weft.config.json': `{ "store": { "dir": "${bad}" } }` })
      expect(() => loadConfig({ cwd: d, env: {} }), bad).toThrow(/store\/dir|\/store\/dir/)
    }
    const ok = dir({ 'weft.config.json': '{ "store": { "dir": "state/.weft" } }' })
    expect(loadConfig({ cwd: ok, env: {} }).config.store?.dir).toBe('state/.weft')
    // The operator may point elsewhere through the environment or flags.
    expect(loadConfig({ cwd: ok, env: { WEFT_STORE_DIR: '/var/lib/weft' } }).config.store?.dir).toBe('/var/lib/weft')
  })
})

describe('schema/config.schema.json', () => {
  it('is the JSON Schema generated from WeftConfigSchema (regenerate: npx tsx src/config/write-config-schema.ts)', async () => {
    const { readFileSync } = await import('node:fs')
    const { configSchemaText } = await import('../../src/config/write-config-schema.js')
    expect(readFileSync(new URL('../../schema/config.schema.json', import.meta.url), 'utf8')).toBe(configSchemaText())
  })

  it('describes secrets and the exec allowlist, and validates them', () => {
    const d = dir({ 'weft.config.json': '{ "secrets": { "envPrefix": "APP_", "allow": ["NPM_TOKEN"] }, "exec": { "allow": ["npm"] } }' })
    expect(loadConfig({ cwd: d, env: {} }).config).toEqual({ secrets: { envPrefix: 'APP_', allow: ['NPM_TOKEN'] }, exec: { allow: ['npm'] } })
    const bad = dir({ 'weft.config.json': '{ "secrets": { "allow": ["no spaces"] }, "exec": { "allow": [""] } }' })
    expect(() => loadConfig({ cwd: bad, env: {} })).toThrow(/\/secrets\/allow\/0[\s\S]*\/exec\/allow\/0|\/exec\/allow\/0[\s\S]*\/secrets\/allow\/0/)
  })
})
