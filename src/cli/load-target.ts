import { stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, extname, isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { WeftConfig } from '../config/index.js'
import { loadWorkflowFile } from '../loader/index.js'
import { builtinTemplates, isStepTemplate, templateRegistry, type StepTemplate, type TemplateRegistry } from '../templates/index.js'
import { defineWorkflow, type StepSpec, type Workflow } from '../workflow/index.js'
import { CliError, ExitCode } from './exit-codes.js'

/**
 * A workflow loaded from a file named on the command line.
 * @public
 */
export interface LoadedTarget {
  /** The workflow. */
  readonly workflow: Workflow
  /** Absolute path of the file. */
  readonly file: string
}

const moduleExtensions = new Set(['.js', '.mjs', '.cjs'])
const typescriptExtensions = new Set(['.ts', '.mts', '.cts'])

/** True when `file` is loaded as a module (JS or TS) rather than as a declarative file. */
export function isModuleFile(file: string): boolean {
  const ext = extname(file).toLowerCase()
  return moduleExtensions.has(ext) || typescriptExtensions.has(ext)
}

/**
 * Loads a workflow file: JSON/YAML through the declarative loader (templates from `registry`),
 * or a JS/TS module whose default export (or `workflow` export) is a workflow. `.ts` modules
 * load through `tsx` when it is installed. Throws `WorkflowDefinitionError` for an invalid
 * definition and a {@link CliError} (exit 2) for a file that cannot be read or has no workflow.
 */
export async function loadTarget(file: string, cwd: string, registry: TemplateRegistry): Promise<LoadedTarget> {
  const path = resolve(cwd, file)
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, ExitCode.usage)
  })
  if (!info.isFile()) throw new CliError(`cannot read ${file}: not a file`, ExitCode.usage)
  if (!isModuleFile(path)) return { workflow: await loadWorkflowFile(path, { registry, file }), file: path }
  const mod = await importModule(path, cwd)
  // A CommonJS module (e.g. a .ts file of a package that is not "type": "module") arrives as `default`.
  const cjs = (typeof mod['default'] === 'object' && mod['default'] !== null ? mod['default'] : {}) as Record<string, unknown>
  const candidates = [mod['default'], mod['workflow'], cjs['default'], cjs['workflow']]
  const found = candidates.find(isWorkflow)
  if (found === undefined) {
    throw new CliError(`${file} exports no workflow: export one as \`default\` or as \`workflow\` (a value built with workflow(...).build() or defineWorkflow)`, ExitCode.usage)
  }
  return { workflow: found, file: path }
}

/** A value shaped like a built {@link Workflow} (from this or another copy of Weft). */
function isWorkflow(value: unknown): value is Workflow {
  const w = value as Partial<Workflow> | null | undefined
  return typeof w === 'object' && w !== null && typeof w.id === 'string' && Array.isArray(w.steps) && typeof w.fingerprint === 'string' && typeof w.graph === 'object'
}

let tsxRegistered: Promise<void> | undefined

/** Imports a JS module, or a TS module after registering `tsx`'s loader (once per process). */
async function importModule(path: string, cwd: string): Promise<Record<string, unknown>> {
  if (typescriptExtensions.has(extname(path).toLowerCase())) {
    tsxRegistered ??= registerTsx(cwd)
    await tsxRegistered
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>
}

interface TsxApi {
  register(): unknown
}

/**
 * Registers tsx's loaders, found next to the CLI or in the working directory's packages: the
 * ESM one, and the CommonJS one for `.ts` files of packages that are not `"type": "module"`.
 */
async function registerTsx(cwd: string): Promise<void> {
  const esm = await importTsx('tsx/esm/api', cwd)
  if (esm === undefined) {
    tsxRegistered = undefined
    throw new CliError('TypeScript workflow files need tsx: install it (npm install --save-dev tsx), or compile the file to .js/.mjs, or use a JSON/YAML workflow file', ExitCode.usage)
  }
  esm.register()
  ;(await importTsx('tsx/cjs/api', cwd))?.register()
}

async function importTsx(specifier: string, cwd: string): Promise<TsxApi | undefined> {
  // `specifier` is a variable: bundlers leave the import alone, so tsx stays optional at run time.
  const found = await import(specifier).catch(async () => {
    const local = createRequire(join(cwd, 'package.json')).resolve(specifier)
    return import(pathToFileURL(local).href)
  }).catch(() => undefined) as TsxApi | undefined
  return typeof found?.register === 'function' ? found : undefined
}

/**
 * The template registry declarative files resolve `uses` against: the built-in templates plus
 * those registered by the config's `templates` modules (paths relative to the config file's
 * directory, or package names). A module's default export is a function receiving the
 * registry (it calls `register`), or a record of templates by name.
 */
export async function registryFor(config: WeftConfig, configFile: string | undefined, cwd: string): Promise<TemplateRegistry> {
  const registry = templateRegistry(builtinTemplates(config.exec?.allow === undefined ? {} : { exec: { allow: config.exec.allow } }))
  const base = configFile === undefined ? cwd : dirname(configFile)
  for (const spec of config.templates ?? []) {
    const mod = await importTemplateModule(spec, base, cwd)
    const exported = mod['default'] ?? mod['templates']
    if (typeof exported === 'function') {
      await (exported as (r: TemplateRegistry) => unknown)(registry)
    } else if (typeof exported === 'object' && exported !== null && Object.values(exported).every(isStepTemplate)) {
      for (const [name, template] of Object.entries(exported as Record<string, StepTemplate>)) registry.register(name, template)
    } else {
      throw new CliError(`template module ${spec}: its default export must be a function (registry) => void or a record of templates by name`, ExitCode.usage)
    }
  }
  return registry
}

async function importTemplateModule(spec: string, base: string, cwd: string): Promise<Record<string, unknown>> {
  const relative = spec.startsWith('.') || isAbsolute(spec)
  let path: string
  try {
    path = relative ? resolve(base, spec) : createRequire(join(base, 'package.json')).resolve(spec)
  } catch (error) {
    throw new CliError(`template module ${spec}: cannot be found from ${base} (${(error as Error).message.split('\n')[0]})`, ExitCode.usage)
  }
  try {
    return await importModule(path, cwd)
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError(`template module ${spec}: ${(error as Error).message}`, ExitCode.usage)
  }
}

/**
 * The workflow with the config's default `retry` and `timeout` applied to the steps that set
 * none (a new definition, so its fingerprint includes them). Unchanged when the config has
 * neither.
 */
export function withConfigDefaults(workflow: Workflow, config: WeftConfig): Workflow {
  if (config.retry === undefined && config.timeout === undefined) return workflow
  return defineWorkflow({
    id: workflow.id,
    version: workflow.version,
    input: workflow.input,
    ...(workflow.output === undefined ? {} : { output: workflow.output }),
    ...(workflow.result === undefined ? {} : { result: workflow.result }),
    steps: workflow.steps.map(({ index: _index, ...step }) => step as StepSpec),
    defaults: { ...(config.retry === undefined ? {} : { retry: config.retry }), ...(config.timeout === undefined ? {} : { timeout: config.timeout }) },
  })
}
