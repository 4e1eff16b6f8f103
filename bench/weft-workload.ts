import Type from 'typebox'
import { defineWorkflow, type Workflow, type StepSpec } from '../src/index.js'
import { MOD, sinks, stepFn, type Shape, type StepFn } from './workloads.js'

const Output = Type.Object({ v: Type.Integer() })

/** The shape as a Weft workflow (defined through the untyped spec: shapes are data). */
export function toWorkflow(shape: Shape, step: StepFn = stepFn): Workflow {
  const ids = Array.from({ length: shape.weights.length }, (_, i) => `s${i}`)
  const steps: StepSpec[] = ids.map((id, i) => {
    const w = shape.weights[i]!
    const needs = shape.deps[i]!.map((d) => ids[d]!)
    return {
      id,
      needs,
      output: Output,
      run: ({ deps }: { deps: Readonly<Record<string, unknown>> }) => {
        const inputs: { v: number }[] = [] // gathered as every engine here does (see stepFn)
        for (const d of needs) inputs.push(deps[d] as { v: number })
        return step(w, inputs)
      },
    }
  })
  const sinkIds = sinks(shape).map((s) => ids[s]!)
  return defineWorkflow({
    id: shape.name.replace(/[^A-Za-z0-9]+/g, '-'),
    output: Type.Integer(),
    result: ({ steps }: { steps: Readonly<Record<string, unknown>> }) => {
      let total = 0
      for (const s of sinkIds) total = (total + (steps[s] as { v: number }).v) % MOD
      return total
    },
    steps,
  })
}
