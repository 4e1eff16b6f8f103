import { describe, expect, it } from 'vitest'
import { closest } from '../../src/loader/suggest.js'

describe('closest', () => {
  const commands = ['run', 'plan', 'graph', 'validate', 'resume', 'replay', 'cancel', 'signal', 'status', 'history', 'init']
  it('suggests the candidate one typo away: a swap of neighbours, a missing, extra or wrong letter', () => {
    expect(closest('rnu', commands)).toBe('run')
    expect(closest('cancle', commands)).toBe('cancel')
    expect(closest('statu', commands)).toBe('status')
    expect(closest('exe', ['exec', 'http'])).toBe('exec')
    expect(closest('Histroy', commands)).toBe('history')
  })
  it('suggests nothing for a word far from every candidate', () => {
    expect(closest('xyzzy', commands)).toBeUndefined()
    expect(closest('x'.repeat(100), commands)).toBeUndefined()
  })
})
