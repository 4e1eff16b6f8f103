import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { fileStore, type JournalEvent } from '../../src/index.js'

/** The repository root. */
export const root = fileURLToPath(new URL('../../', import.meta.url))
const cache = join(root, 'node_modules', '.cache', 'weft-tests')
const external = ['typebox', 'yaml', 'eventemitter3', 'ts-pattern', 'picomatch', 'isomorphic-git']

/** Paths of the bundles a test file uses (one set per test file, so parallel files never race). */
export interface Bundles {
  /** The CLI (`src/cli/bin.ts`), npm dependencies external. */
  readonly cli: string
  /** The library (`src/index.ts`), for workflow modules written by the tests. */
  readonly lib: string
}

/**
 * Bundles the CLI and the library once (call from `beforeAll`). The CLI bundle holds every
 * dependency (one file to load: a child starts several times faster than with TypeBox's many
 * modules), so it also runs from a directory without node_modules; `tsx` is imported through a
 * variable, so it is never bundled and is found (or not) at run time.
 */
export async function bundle(name: string): Promise<Bundles> {
  mkdirSync(cache, { recursive: true })
  const cli = join(cache, `cli-${name}.mjs`)
  const lib = join(cache, `lib-${name}.mjs`)
  // keepNames: error classes keep their names (`error.name` is journaled).
  const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', keepNames: true, logLevel: 'error' } as const
  // yaml is CommonJS and requires node built-ins: give the ESM bundle a `require`.
  const banner = { js: "import { createRequire as __weftCreateRequire } from 'node:module'; const require = __weftCreateRequire(import.meta.url);" }
  await Promise.all([build({ ...common, banner, entryPoints: [join(root, 'src/cli/bin.ts')], outfile: cli }), build({ ...common, external, entryPoints: [join(root, 'src/index.ts')], outfile: lib })])
  return { cli, lib }
}

/** A fresh temporary directory with the given files. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

/** What a finished `weft` process did. */
export interface Outcome {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Options of {@link weft}. */
export interface WeftOptions {
  readonly cwd: string
  readonly env?: Record<string, string>
  /** The CLI file to run (default: the bundle). */
  readonly script?: string
}

/** The environment of a CLI child: no WEFT_* or NO_COLOR from the outer environment. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WEFT_')) env[k] = v
  return { ...env, ...extra }
}

/** Starts `weft args…` as a child process. */
export function spawnWeft(bundles: Bundles, args: readonly string[], options: WeftOptions): ChildProcess {
  return spawn(process.execPath, [options.script ?? bundles.cli, ...args], { cwd: options.cwd, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Runs `weft args…` to its end. */
export function weft(bundles: Bundles, args: readonly string[], options: WeftOptions): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawnWeft(bundles, args, options)
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Resolves once `text` appears in the child's stderr (collecting it), or rejects when the child exits first. */
export function waitForStderr(child: ChildProcess, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString()
      if (seen.includes(text)) {
        child.stderr!.off('data', onData)
        resolve(seen)
      }
    }
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`weft exited (${code}) before printing ${JSON.stringify(text)}:\n${seen}`)))
  })
}

/** Collects a running child's remaining output and exit code. */
export function finished(child: ChildProcess): Promise<Outcome> {
  return new Promise((resolve) => {
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Every event of a run's journal in a store directory. */
export async function journal(storeDir: string, runId: string): Promise<JournalEvent[]> {
  const store = fileStore(storeDir)
  const out: JournalEvent[] = []
  try {
    for await (const e of store.read(runId)) out.push(e)
  } finally {
    await store.close?.()
  }
  return out
}

/**
 * `import` lines for a workflow module written into a temp dir: TypeBox as `Type` and the
 * library's `workflow` builder as `builder`, by absolute URL.
 */
export function moduleImports(bundles: Bundles): string {
  const typebox = pathToFileURL(join(root, 'node_modules/typebox/build/index.mjs')).href
  return `import Type from '${typebox}'\nimport { workflow as builder } from '${pathToFileURL(bundles.lib).href}'\n`
}
