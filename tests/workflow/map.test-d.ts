import Type from 'typebox'
import { describe, expectTypeOf, it } from 'vitest'
import { workflow, type MapItemResult, type WorkflowSteps } from '../../src/index.js'

describe('map step types', () => {
  const base = workflow('shards', { input: Type.Object({ bucket: Type.String() }) }).step('plan', {
    output: Type.Object({ items: Type.Array(Type.Object({ key: Type.String(), size: Type.Number() })) }),
    run: () => ({ items: [] }),
  })

  it('types the item, its index and the deps in the body, and the output as Static<output>[]', () => {
    const wf = base
      .map('shards', {
        needs: ['plan'],
        over: ({ deps, input }) => {
          expectTypeOf(deps).toEqualTypeOf<{ readonly plan: { items: { key: string; size: number }[] } }>()
          expectTypeOf(input).toEqualTypeOf<{ bucket: string }>()
          return deps.plan.items
        },
        item: Type.Object({ key: Type.String(), size: Type.Number() }),
        output: Type.Object({ key: Type.String(), lines: Type.Integer() }),
        run: ({ item, index, attempt, signal, idempotencyKey, deps }) => {
          expectTypeOf(item).toEqualTypeOf<{ key: string; size: number }>()
          expectTypeOf(index).toEqualTypeOf<number>()
          expectTypeOf(attempt).toEqualTypeOf<number>()
          expectTypeOf(signal).toEqualTypeOf<AbortSignal>()
          expectTypeOf(idempotencyKey).toEqualTypeOf<string>()
          expectTypeOf(deps.plan.items).toEqualTypeOf<{ key: string; size: number }[]>()
          return { key: item.key, lines: 1 }
        },
      })
      .step('sum', {
        needs: ['shards'],
        output: Type.Integer(),
        run: ({ deps }) => {
          expectTypeOf(deps.shards).toEqualTypeOf<{ key: string; lines: number }[]>()
          return deps.shards.reduce((n, s) => n + s.lines, 0)
        },
      })
      .build()
    expectTypeOf<WorkflowSteps<typeof wf>['shards']>().toEqualTypeOf<{ key: string; lines: number }[]>()
  })

  it("types a collecting map's output as MapItemResult<Static<output>>[]", () => {
    base
      .map('shards', { needs: ['plan'], over: ({ deps }) => deps.plan.items.map((i) => i.key), item: Type.String(), output: Type.Number(), onItemError: 'collect', run: ({ item }) => item.length })
      .step('ok', {
        needs: ['shards'],
        output: Type.Array(Type.Number()),
        run: ({ deps }) => {
          expectTypeOf(deps.shards).toEqualTypeOf<MapItemResult<number>[]>()
          return deps.shards.flatMap((r) => (r.ok ? [r.value] : []))
        },
      })
  })

  it('rejects results and items that do not match their contracts, and unknown needs', () => {
    base.map('a', {
      needs: ['plan'],
      over: ({ deps }) => deps.plan.items,
      item: Type.Object({ key: Type.String(), size: Type.Number() }),
      output: Type.Number(),
      // @ts-expect-error the result must be a number
      run: ({ item }) => item.key,
    })
    base.map('b', {
      needs: ['plan'],
      // @ts-expect-error over must return items of the `item` contract
      over: ({ deps }) => deps.plan.items,
      item: Type.String(),
      output: Type.Number(),
      run: () => 1,
    })
    base.map('c', {
      // @ts-expect-error "plna" is not a step
      needs: ['plna'],
      over: () => [],
      item: Type.String(),
      output: Type.Number(),
      run: () => 1,
    })
    // @ts-expect-error duplicate step id
    base.map('plan', { over: () => [], item: Type.String(), output: Type.Number(), run: () => 1 })
  })
})
