import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import Type from 'typebox'
import { defineWorkflow, hash32, type StepSpec, type Workflow } from '../../src/index.js'

/**
 * A 320-step workflow mixing a chain and fan-outs. Every body logs its execution
 * (`<step> <attempt>`) and performs one side effect in a ledger, guarded by its idempotency key.
 */
export function tortureWorkflow(execLog: string, ledger: string): Workflow {
  const steps: StepSpec[] = []
  const body = (id: string) => async (ctx: { attempt: number; idempotencyKey: string; deps: Readonly<Record<string, unknown>> }) => {
    appendFileSync(execLog, `${id} ${ctx.attempt}\n`)
    const done = existsSync(ledger) ? new Set(readFileSync(ledger, 'utf8').split('\n')) : new Set<string>()
    if (!done.has(ctx.idempotencyKey)) appendFileSync(ledger, `${ctx.idempotencyKey}\n`)
    let v = hash32(id)
    for (const d of Object.keys(ctx.deps).sort()) v = (v ^ (ctx.deps[d] as number)) >>> 0
    return v
  }
  const add = (id: string, needs: string[]) => steps.push({ id, needs, output: Type.Integer({ minimum: 0 }), run: body(id) })
  for (let i = 0; i < 100; i++) add(`c${i}`, i === 0 ? [] : [`c${i - 1}`])
  for (let i = 0; i < 150; i++) add(`f${i}`, ['c99'])
  for (let g = 0; g < 10; g++) add(`j${g}`, Array.from({ length: 15 }, (_, k) => `f${g * 15 + k}`))
  for (let i = 0; i < 60; i++) add(`t${i}`, i === 0 ? Array.from({ length: 10 }, (_, g) => `j${g}`) : [`t${i - 1}`])
  return defineWorkflow({ id: 'torture', output: Type.Integer(), result: ({ steps: s }: { steps: Readonly<Record<string, unknown>> }) => s.t59, steps })
}
