import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { assert, check, compile, ContractViolation, isContract, isWeftError, issuesOf, WeftError } from '../../src/index.js'

describe('contract', () => {
  const User = Type.Object({ name: Type.String(), tags: Type.Array(Type.String()), age: Type.Integer({ minimum: 0 }) })

  it('compiles each schema once', () => {
    expect(compile(User)).toBe(compile(User))
    expect(compile(Type.String())).not.toBe(compile(Type.String()))
  })

  it('checks values', () => {
    expect(check(User, { name: 'a', tags: [], age: 3 })).toBe(true)
    expect(check(User, { name: 'a', tags: [1], age: 3 })).toBe(false)
  })

  it('reports every issue with a JSON pointer', () => {
    const issues = issuesOf(User, { name: 1, tags: ['ok', 2], age: -1 })
    expect(issues.map((i) => i.path).sort()).toEqual(['/age', '/name', '/tags/1'])
    expect(issuesOf(User, { name: 'a', tags: [], age: 1 })).toEqual([])
  })

  it('assert throws a ContractViolation naming workflow, step and direction', () => {
    let caught: unknown
    try {
      assert(User, { name: 2, tags: [], age: 1 }, { workflowId: 'wf', stepId: 's', direction: 'step-output' })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ContractViolation)
    expect(caught).toBeInstanceOf(WeftError)
    const v = caught as ContractViolation
    expect(isWeftError(v, 'WEFT_CONTRACT_VIOLATION')).toBe(true)
    expect(v.data).toEqual({ workflowId: 'wf', stepId: 's', direction: 'step-output', issues: [{ path: '/name', message: expect.any(String) }] })
    expect(v.message).toContain('step "s"')
    const json = v.toJSON()
    expect(json).toMatchObject({ name: 'ContractViolation', code: 'WEFT_CONTRACT_VIOLATION', data: v.data })
    expect(JSON.parse(JSON.stringify(v))).toMatchObject({ code: 'WEFT_CONTRACT_VIOLATION' })
  })

  it('recognises contracts', () => {
    expect(isContract(User)).toBe(true)
    expect(isContract({ type: 'string' })).toBe(true)
    expect(isContract([])).toBe(false)
    expect(isContract(null)).toBe(false)
    expect(isContract('string')).toBe(false)
    expect(isContract(() => 1)).toBe(false)
  })

  it('serializes causes', () => {
    const e = new WeftError('WEFT_X', 'outer', { a: 1 }, { cause: new TypeError('inner') })
    expect(e.toJSON()).toMatchObject({ name: 'WeftError', code: 'WEFT_X', data: { a: 1 }, cause: { name: 'TypeError', message: 'inner' } })
  })
})
