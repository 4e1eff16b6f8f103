import { P } from 'ts-pattern'
import { describe, expect, it } from 'vitest'
import { fallback } from '../../src/resilience/index.js'
import { codeError, outcome } from './helpers.js'

describe('fallback', () => {
  it('passes results through and replaces failures with the value', async () => {
    const policy = fallback({ value: 'cached' })
    expect(await policy.execute(async () => 'fresh')).toBe('fresh')
    expect(await policy.execute(() => Promise.reject(new Error('down')))).toBe('cached')
    expect(
      await policy.execute(() => {
        throw new Error('sync')
      }),
    ).toBe('cached')
  })

  it('computes the value from the error and the context, possibly async', async () => {
    const policy = fallback({ value: async (error, ctx) => `${(error as Error).message} in ${ctx.key}` })
    expect(await policy.execute(() => Promise.reject(new Error('down')), { key: 'rates' })).toBe('down in rates')
  })

  it('falls back only for errors matching `when`; others are rethrown', async () => {
    const policy = fallback({ when: { code: P.union('ECONNREFUSED', 'ETIMEDOUT') }, value: [] as string[] })
    expect(await policy.execute(() => Promise.reject(codeError('ETIMEDOUT')))).toEqual([])
    const other = codeError('EACCES')
    expect(await outcome(policy.execute(() => Promise.reject(other)))).toEqual({ ok: false, error: other })
  })

  it('a throwing value function rejects with its error; a cancelled call is never turned into a value', async () => {
    const broken = new Error('no cache either')
    expect(await outcome(fallback({ value: () => { throw broken } }).execute(() => Promise.reject(new Error('x'))))).toEqual({ ok: false, error: broken })
    const controller = new AbortController()
    const error = new Error('aborted')
    const result = await outcome(
      fallback({ value: 'cached' }).execute(
        () => {
          controller.abort()
          throw error
        },
        { signal: controller.signal },
      ),
    )
    expect(result).toEqual({ ok: false, error })
  })

  it('without a value it resolves with undefined', async () => {
    expect(await fallback().execute(() => Promise.reject(new Error('x')))).toBeUndefined()
  })
})
