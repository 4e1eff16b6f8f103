/**
 * Reusable steps and the "workflow template" pattern.
 *
 *   npx tsx examples/templates/main.ts
 *
 * 1. `defineStep` makes a typed step template; `useStep` binds it to parameters (checked now)
 *    inside the typed builder, which infers the step's output type from the template.
 * 2. A *workflow template* is a plain function of typed parameters that returns a `Workflow`:
 *    here, one build step per package of a monorepo, with needs derived from the packages'
 *    dependencies, each running a real program through the built-in `exec` template.
 * 3. The same templates, registered in a registry, serve declarative files (`uses: <name>`).
 */
import Type from 'typebox'
import {
  createEngine,
  defineWorkflow,
  SimulatedClock,
  workflow,
  type StepSpec,
  type Workflow,
} from '../../src/index.js'
import { builtinTemplates, defineStep, execTemplate, useStep } from '../../src/templates/index.js'
import { loadWorkflow } from '../../src/loader/index.js'

// 1. A reusable, typed step.
export const checksum = defineStep({
  name: 'checksum',
  description: 'A toy checksum of a text (stands in for any reusable step).',
  with: Type.Object({ text: Type.String(), modulo: Type.Optional(Type.Integer({ minimum: 2 })) }, { additionalProperties: false }),
  output: Type.Object({ text: Type.String(), sum: Type.Integer() }),
  run: (_ctx, { text, modulo = 65521 }) => ({ text, sum: [...text].reduce((s, c) => (s * 31 + c.charCodeAt(0)) % modulo, 0) }),
})

const typed = workflow('checksums')
  .step('hello', { ...useStep(checksum, { text: 'hello' }) })
  .step('compare', {
    needs: ['hello'],
    output: Type.Boolean(),
    // deps.hello is typed { text: string; sum: number }: the output contract of the template.
    run: ({ deps }) => deps.hello.sum > 0,
  })
  .build()

// 2. A workflow template: typed parameters in, a Workflow out.
export interface MonorepoPackage {
  readonly name: string
  readonly dependsOn?: readonly string[]
}
export interface MonorepoParams {
  readonly packages: readonly MonorepoPackage[]
  /** The program each package's build runs (here: node printing a line). */
  readonly command: string
  readonly argsFor: (pkg: MonorepoPackage) => string[]
}

/** One `build:<package>` step per package (needs from `dependsOn`), then a `report` step. */
export function monorepoBuild(params: MonorepoParams): Workflow {
  const ids = params.packages.map((p) => `build:${p.name}`)
  const steps: StepSpec[] = params.packages.map((pkg) => ({
    id: `build:${pkg.name}`,
    needs: (pkg.dependsOn ?? []).map((d) => `build:${d}`),
    description: `build ${pkg.name}`,
    retry: { attempts: 2, backoff: 'constant', base: '1s' },
    ...useStep(execTemplate, { command: params.command, args: params.argsFor(pkg), timeout: '30s' }, { workflowId: 'monorepo-build', stepId: `build:${pkg.name}` }),
  }))
  steps.push({
    id: 'report',
    needs: ids,
    output: Type.Array(Type.String()),
    run: ({ deps }: { deps: Readonly<Record<string, unknown>> }) => ids.map((id) => `${id}: ${(deps[id] as { stdout: string }).stdout.trim()}`),
  })
  return defineWorkflow({ id: 'monorepo-build', version: '1', steps })
}

// 3. Declarative use of the same templates.
const registry = builtinTemplates().register('checksum', checksum)
const declarative = loadWorkflow(
  `
id: declarative-checksums
steps:
  - id: sum
    uses: checksum
    with: { text: weft }
  - id: announce
    needs: [sum]
    uses: noop
    when: { step: sum, path: /text, equals: weft }
`,
  { registry, format: 'yaml' },
)

if (import.meta.url === `file://${process.argv[1]}`) {
  const engine = createEngine({ clock: new SimulatedClock() })

  const r1 = await engine.run(typed)
  if (r1.status !== 'succeeded') throw new Error(r1.error.message)
  console.log(`typed builder: hello -> ${r1.output.hello?.sum}, compare -> ${r1.output.compare}`)

  const packages: MonorepoPackage[] = [
    { name: 'core' },
    { name: 'cli', dependsOn: ['core'] },
    { name: 'web', dependsOn: ['core'] },
    { name: 'docs', dependsOn: ['cli', 'web'] },
  ]
  const wf = monorepoBuild({ packages, command: process.execPath, argsFor: (pkg) => ['-e', `console.log('built ${pkg.name}')`] })
  console.log(`workflow template: ${wf.steps.map((s) => s.id).join(', ')}`)
  const r2 = await createEngine().run(wf)
  if (r2.status !== 'succeeded') throw new Error(r2.error.message)
  for (const line of (r2.output as { report: string[] }).report) console.log(`  ${line}`)

  const r3 = await engine.run(declarative)
  if (r3.status !== 'succeeded') throw new Error(r3.error.message)
  console.log(`declarative: sum -> ${(r3.output as { sum: { sum: number } }).sum.sum}, announce -> ${r3.steps.announce!.status}`)
}
