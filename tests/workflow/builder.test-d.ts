import Type from 'typebox'
import { describe, expectTypeOf, it } from 'vitest'
import { createEngine, workflow, type RunResult, type Workflow } from '../../src/index.js'

describe('builder types', () => {
  const base = workflow('release', { version: '3', input: Type.Object({ tag: Type.String() }) })
    .step('build', { output: Type.Object({ artifact: Type.String() }), run: ({ input }) => ({ artifact: `app-${input.tag}.tgz` }) })
    .step('test', { needs: ['build'], output: Type.Object({ ok: Type.Boolean() }), run: async ({ deps }) => ({ ok: deps.build.artifact.endsWith('.tgz') }) })

  it('types deps as exactly the outputs of the needs', () => {
    base.step('publish', {
      needs: ['build', 'test'],
      output: Type.String(),
      run: ({ deps, input }) => {
        expectTypeOf(deps).toEqualTypeOf<{ readonly build: { artifact: string }; readonly test: { ok: boolean } }>()
        expectTypeOf(input).toEqualTypeOf<{ tag: string }>()
        return deps.build.artifact
      },
    })
    base.step('lonely', {
      output: Type.Null(),
      run: ({ deps }) => {
        expectTypeOf(deps).toEqualTypeOf<{}>()
        // @ts-expect-error a step that needs nothing sees no deps
        deps.build
        return null
      },
    })
  })

  it('rejects unknown needs at compile time', () => {
    base.step('x', {
      // @ts-expect-error "buidl" is not a step of this workflow
      needs: ['buidl'],
      output: Type.Null(),
      run: () => null,
    })
  })

  it('rejects duplicate step ids at compile time', () => {
    // @ts-expect-error "build" is already a step
    base.step('build', { output: Type.Null(), run: () => null })
  })

  it('checks the body against the output contract', () => {
    base.step('y', {
      output: Type.Object({ n: Type.Number() }),
      // @ts-expect-error n must be a number
      run: () => ({ n: 'one' }),
    })
  })

  it('infers the workflow and run result types', () => {
    const wf = base.build(({ steps }) => steps.test?.ok ?? false)
    expectTypeOf(wf).toEqualTypeOf<Workflow<{ tag: string }, boolean, { readonly build: { artifact: string } } & { readonly test: { ok: boolean } }>>()
    const engine = createEngine()
    expectTypeOf(engine.run(wf, { tag: 'v1' })).toEqualTypeOf<Promise<RunResult<boolean>>>()
    // @ts-expect-error input must match the input contract
    void engine.run(wf, { tag: 1 })
    // @ts-expect-error input is required
    void engine.run(wf)
    const noInput = workflow('n').step('a', { output: Type.Number(), run: () => 1 }).build()
    void engine.run(noInput)
  })

  it('types the output mapper with the declared output contract', () => {
    const typed = workflow('t', { output: Type.Number() }).step('a', { output: Type.Number(), run: () => 1 })
    typed.build(({ steps }) => steps.a ?? 0)
    // @ts-expect-error the output contract says number
    typed.build(() => 'x')
  })

  it('types sub-workflow and gate outputs', () => {
    const child = workflow('child', { input: Type.Object({ n: Type.Number() }), output: Type.Object({ doubled: Type.Number() }) })
      .step('x', { output: Type.Number(), run: ({ input }) => input.n * 2 })
      .build(({ steps }) => ({ doubled: steps.x ?? 0 }))
    base
      .subworkflow('sub', { needs: ['build'], workflow: child, input: ({ deps }) => ({ n: deps.build.artifact.length }) })
      .gate('ok', { signal: 'go', payload: Type.Object({ by: Type.String() }) })
      .step('use', {
        needs: ['sub', 'ok'],
        output: Type.String(),
        run: ({ deps }) => {
          expectTypeOf(deps.sub).toEqualTypeOf<{ doubled: number }>()
          expectTypeOf(deps.ok).toEqualTypeOf<{ by: string }>()
          return deps.ok.by
        },
      })
    // @ts-expect-error the child's input contract needs n: number
    base.subworkflow('bad', { workflow: child, input: () => ({ n: 'x' }) })
  })
})
