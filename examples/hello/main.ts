/**
 * A three-step typed workflow: each step sees exactly the outputs it `needs`, typed.
 *   npx tsx examples/hello/main.ts Ada
 */
import Type from 'typebox'
import { createEngine, workflow } from '../../src/index.js'

export const hello = workflow('hello', {
  version: '1',
  input: Type.Object({ name: Type.String({ minLength: 1 }) }),
  output: Type.Object({ message: Type.String(), length: Type.Integer() }),
})
  .step('greet', {
    output: Type.Object({ text: Type.String() }),
    run: ({ input }) => ({ text: `Hello, ${input.name}` }),
  })
  .step('shout', {
    needs: ['greet'],
    output: Type.String(),
    run: async ({ deps }) => `${deps.greet.text.toUpperCase()}!`,
  })
  .step('measure', {
    needs: ['greet', 'shout'],
    output: Type.Integer(),
    run: ({ deps }) => deps.greet.text.length + deps.shout.length,
  })
  .build(({ steps }) => ({ message: steps.shout ?? '', length: steps.measure ?? 0 }))

if (import.meta.url === `file://${process.argv[1]}`) {
  const engine = createEngine()
  const run = engine.start(hello, { name: process.argv[2] ?? 'world' })
  for await (const event of run.events) console.log(`#${'seq' in event ? event.seq : '-'} ${event.type}${'stepId' in event ? ` ${event.stepId}` : ''}`)
  const result = await run.result
  if (result.status !== 'succeeded') throw new Error(result.error.message)
  console.log(result.output)
}
