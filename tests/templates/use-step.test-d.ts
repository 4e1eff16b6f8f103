import Type from 'typebox'
import { describe, expectTypeOf, it } from 'vitest'
import { workflow } from '../../src/index.js'
import { defineStep, execTemplate, simulateTemplate, useStep, type StepTemplate } from '../../src/templates/index.js'

describe('template types', () => {
  const pair = defineStep({
    with: Type.Object({ a: Type.String(), b: Type.Optional(Type.Number()) }),
    output: Type.Object({ joined: Type.String() }),
    run: (_ctx, params) => {
      expectTypeOf(params).toEqualTypeOf<{ a: string; b?: number }>()
      return { joined: `${params.a}${params.b ?? ''}` }
    },
  })

  it('infers params and output from the contracts', () => {
    expectTypeOf(pair).toMatchTypeOf<StepTemplate>()
    // @ts-expect-error `a` is required
    useStep(pair, { b: 1 })
    // @ts-expect-error `a` must be a string
    useStep(pair, { a: 1 })
  })

  it('gives the builder step the template output type', () => {
    workflow('w')
      .step('p', { ...useStep(pair, { a: 'x' }) })
      .step('x', { ...useStep(execTemplate, { command: 'node', args: ['-v'] }) })
      .step('s', { ...useStep(simulateTemplate, { duration: '5h' }) })
      .step('use', {
        needs: ['p', 'x', 's'],
        output: Type.Null(),
        run: ({ deps }) => {
          expectTypeOf(deps.p).toEqualTypeOf<{ joined: string }>()
          expectTypeOf(deps.x.exitCode).toEqualTypeOf<number | null>()
          expectTypeOf(deps.x.stdout).toEqualTypeOf<string>()
          expectTypeOf(deps.s.durationMs).toEqualTypeOf<number>()
          return null
        },
      })
      .build()
  })

  it('types durations in the built-in parameters', () => {
    // @ts-expect-error not a Duration
    useStep(simulateTemplate, { duration: '5 hours' })
  })
})
