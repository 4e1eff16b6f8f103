import { P } from 'ts-pattern'
import { describe, expect, it } from 'vitest'
import { isWeftError } from '../../src/errors/index.js'
import { RemedyFailedError, Skipped, heal, healing, isSkipped, selectRemedy, type RemedyEvent, type RemedyRule } from '../../src/resilience/index.js'
import { codeError, outcome } from './helpers.js'

describe('selectRemedy', () => {
  it('returns the first matching rule with its index, or undefined', () => {
    const rules: RemedyRule[] = [
      { name: 'disk', when: { code: 'ENOSPC' }, then: 'retry' },
      { when: TypeError, then: 'fail' },
      { when: (e) => e instanceof Error, then: 'skip' },
    ]
    expect(selectRemedy(rules, codeError('ENOSPC'))).toEqual({ index: 0, rule: rules[0] })
    expect(selectRemedy(rules, new TypeError('t'))).toEqual({ index: 1, rule: rules[1] })
    expect(selectRemedy(rules, new Error('e'))).toEqual({ index: 2, rule: rules[2] })
    expect(selectRemedy(rules, 'not an error')).toBeUndefined()
    expect(selectRemedy([], new Error('e'))).toBeUndefined()
  })
})

describe('healing', () => {
  it("'retry' runs the action and then the function once more", async () => {
    const log: string[] = []
    let full = true
    const policy = healing([
      {
        name: 'disk-full',
        when: { code: 'ENOSPC' },
        do: async (error, ctx) => {
          log.push(`clean after ${(error as Error).message} (${ctx.key})`)
          full = false
        },
        then: 'retry',
      },
    ])
    const events: RemedyEvent[] = []
    policy.onRemedy((e) => events.push(e))
    const value = await policy.execute(
      () => {
        log.push('write')
        if (full) throw codeError('ENOSPC', 'disk full')
        return 'written'
      },
      { key: 'export' },
    )
    expect(value).toBe('written')
    expect(log).toEqual(['write', 'clean after disk full (export)', 'write'])
    expect(events).toEqual([{ type: 'remedy.applied', key: 'export', rule: 0, name: 'disk-full', then: 'retry', error: codeError('ENOSPC', 'disk full'), heal: 1 }])
  })

  it("'retry' retries once per heal: a second failure is rethrown unless maxHeals allows more", async () => {
    let calls = 0
    const failing = () => {
      calls++
      return Promise.reject(codeError('EBUSY'))
    }
    const once = healing([{ when: { code: 'EBUSY' }, then: 'retry' }])
    expect((await outcome(once.execute(failing))).ok).toBe(false)
    expect(calls).toBe(2)
    calls = 0
    const thrice = healing([{ when: { code: 'EBUSY' }, then: 'retry' }], { maxHeals: 3 })
    expect((await outcome(thrice.execute(failing))).ok).toBe(false)
    expect(calls).toBe(4)
  })

  it("'skip' resolves with a Skipped marker that serializes to JSON", async () => {
    const error = new Error('feed is gone')
    const policy = healing([{ name: 'optional-feed', when: P.instanceOf(Error), then: 'skip' }])
    const out = await policy.execute(() => Promise.reject(error))
    expect(isSkipped(out)).toBe(true)
    expect(out).toBeInstanceOf(Skipped)
    const skipped = out as Skipped
    expect([skipped.rule, skipped.name, skipped.error]).toEqual([0, 'optional-feed', error])
    expect(JSON.parse(JSON.stringify(skipped))).toMatchObject({ skipped: true, rule: 0, name: 'optional-feed', error: { name: 'Error', message: 'feed is gone' } })
    expect(isSkipped({ skipped: true })).toBe(false)
  })

  it("'fail' runs the action (e.g. an alert) and rethrows the original error", async () => {
    const alerts: string[] = []
    const error = codeError('EACCES')
    const policy = healing([{ when: { code: 'EACCES' }, do: (e) => void alerts.push((e as Error).message), then: 'fail' }])
    expect(await outcome(policy.execute(() => Promise.reject(error)))).toEqual({ ok: false, error })
    expect(alerts).toEqual(['EACCES'])
  })

  it("'fallback' uses the rule's value, else the remediation's", async () => {
    const policy = healing(
      [
        { when: { code: 'E1' }, then: 'fallback', fallback: (e) => `rule value for ${(e as Error).message}` },
        { when: { code: 'E2' }, then: 'fallback' },
      ],
      { fallback: 'shared value' },
    )
    expect(await policy.execute(() => Promise.reject(codeError('E1')))).toBe('rule value for E1')
    expect(await policy.execute(() => Promise.reject(codeError('E2')))).toBe('shared value')
  })

  it('rethrows errors no rule matches, and wraps a failing action in RemedyFailedError', async () => {
    const unmatched = new Error('unmatched')
    const policy = healing([{ name: 'refresh-token', when: { status: 401 }, do: () => Promise.reject(new Error('auth server down')), then: 'retry' }])
    expect(await outcome(policy.execute(() => Promise.reject(unmatched)))).toEqual({ ok: false, error: unmatched })
    const result = await outcome(policy.execute(() => Promise.reject(Object.assign(new Error('unauthorized'), { status: 401 }))))
    const error = (result as { error: RemedyFailedError }).error
    expect(isWeftError(error, 'WEFT_REMEDY_FAILED')).toBe(true)
    expect(error.data).toMatchObject({ rule: 0, name: 'refresh-token', error: { message: 'unauthorized' } })
    expect((error.cause as Error).message).toBe('auth server down')
    expect(error.message).toBe('remedy "refresh-token" failed while healing: unauthorized')
  })

  it('does not heal a call whose signal aborted', async () => {
    const controller = new AbortController()
    let actions = 0
    const policy = healing([{ when: () => true, do: () => void actions++, then: 'retry' }])
    const error = new Error('x')
    const result = await outcome(
      policy.execute(
        () => {
          controller.abort()
          throw error
        },
        { signal: controller.signal },
      ),
    )
    expect(result).toEqual({ ok: false, error })
    expect(actions).toBe(0)
  })

  it('heal() validates every rule with its position and returns frozen data that healing() accepts', async () => {
    expect(() => heal([{ when: Error, then: 'explode' as never }])).toThrow("Expected `heal.rules[0].then` to be 'retry', 'skip', 'fail' or 'fallback', got `\"explode\" (string)`")
    expect(() => heal([{ when: Error, then: 'skip' }, { when: Error, then: 'fallback' }])).toThrow(
      "Expected `heal.rules[1].fallback` to be a fallback value (or a `fallback` in the options) for then: 'fallback', got `undefined (undefined)`",
    )
    expect(() => heal([{ then: 'skip' } as never])).toThrow('Expected `heal.rules[0].when` to be a predicate, an Error class or a ts-pattern pattern')
    expect(() => heal([{ when: Error, then: 'skip', do: 'clean' as never }])).toThrow('Expected `heal.rules[0].do` to be a function, got `"clean" (string)`')
    expect(() => heal([], { maxHeals: 0 })).toThrow('Expected `heal.maxHeals` to be an integer from 1 and up, got `0 (number)`')
    const remediation = heal([{ when: Error, then: 'fallback' }], { fallback: 42, maxHeals: 2 })
    expect(Object.isFrozen(remediation) && Object.isFrozen(remediation.rules) && Object.isFrozen(remediation.rules[0])).toBe(true)
    expect(remediation.maxHeals).toBe(2)
    const policy = healing(remediation)
    expect(policy.remediation.maxHeals).toBe(2)
    expect(await policy.execute(() => Promise.reject(new Error('x')))).toBe(42)
  })
})
