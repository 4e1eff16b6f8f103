import { sealDefinition } from '../journal/sealed-json.js'
import { fingerprintOf, type Workflow } from '../workflow/index.js'

/** Structural summary of a definition, journaled with `run.started`. @internal */
export interface DefinitionSummary {
  input: string
  output?: string
  steps: { id: string; needs: string[]; output: string }[]
}

const summaries = new WeakMap<Workflow, DefinitionSummary>()

/** @internal */
export function summarize(workflow: Workflow): DefinitionSummary {
  let summary = summaries.get(workflow)
  if (summary === undefined) {
    // Steps often share one schema object: hash each schema once.
    const hashes = new Map<object, string>()
    const hash = (schema: object): string => {
      let h = hashes.get(schema)
      if (h === undefined) hashes.set(schema, (h = fingerprintOf(schema)))
      return h
    }
    // Sealed (checked, deep-frozen, its JSON kept): journaled with every run of the workflow, it
    // is checked and serialized once. Its arrays are its own: nothing of the definition is frozen.
    summary = sealDefinition({
      input: hash(workflow.input),
      ...(workflow.output === undefined ? {} : { output: hash(workflow.output) }),
      steps: workflow.steps.map((s) => ({ id: s.id, needs: [...s.needs], output: hash(s.output) })),
    })
    summaries.set(workflow, summary)
  }
  return summary
}

/**
 * One difference between the definition a run started with and the one offered to resume it.
 * @public
 */
export interface DefinitionChange {
  /** What changed. */
  readonly kind: 'step-added' | 'step-removed' | 'needs-changed' | 'contract-changed' | 'input-changed' | 'output-changed' | 'other'
  /** The step concerned. */
  readonly stepId?: string
  /** Words. */
  readonly detail: string
}

/** Differences between two summaries (empty when only non-structural fields differ). @internal */
export function diffDefinitions(before: DefinitionSummary | undefined, after: DefinitionSummary): DefinitionChange[] {
  if (before === undefined) return [{ kind: 'other', detail: 'the journal does not describe its definition' }]
  const changes: DefinitionChange[] = []
  if (before.input !== after.input) changes.push({ kind: 'input-changed', detail: 'the input contract changed' })
  if (before.output !== after.output) changes.push({ kind: 'output-changed', detail: 'the output contract changed' })
  const old = new Map(before.steps.map((s) => [s.id, s]))
  const now = new Map(after.steps.map((s) => [s.id, s]))
  for (const s of before.steps) if (!now.has(s.id)) changes.push({ kind: 'step-removed', stepId: s.id, detail: `step "${s.id}" was removed` })
  for (const s of after.steps) {
    const o = old.get(s.id)
    if (o === undefined) {
      changes.push({ kind: 'step-added', stepId: s.id, detail: `step "${s.id}" was added` })
      continue
    }
    if (o.needs.join('\u0000') !== s.needs.join('\u0000')) changes.push({ kind: 'needs-changed', stepId: s.id, detail: `step "${s.id}" needs [${s.needs.join(', ')}] instead of [${o.needs.join(', ')}]` })
    if (o.output !== s.output) changes.push({ kind: 'contract-changed', stepId: s.id, detail: `the output contract of step "${s.id}" changed` })
  }
  if (changes.length === 0) changes.push({ kind: 'other', detail: 'version, estimates, priorities, conditions or the output mapper changed' })
  return changes
}
