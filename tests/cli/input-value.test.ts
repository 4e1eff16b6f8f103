import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { jsonArgument } from '../../src/cli/input-value.js'
import { UsageError } from '../../src/cli/exit-codes.js'

describe('jsonArgument', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-input-'))
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text)
    return `@${name}`
  }

  it('reads inline JSON, @file.json and @file.yaml', () => {
    expect(jsonArgument('{"name":"Ada"}', '--input', dir)).toEqual({ name: 'Ada' })
    expect(jsonArgument(file('in.json', '{"n":[1,2]}'), '--input', dir)).toEqual({ n: [1, 2] })
    expect(jsonArgument(file('in.yaml', 'name: Ada\ntags: [a, b]\n'), '--input', dir)).toEqual({ name: 'Ada', tags: ['a', 'b'] })
  })

  it('refuses YAML that is too deep (before building it), or holds a polluting key, naming the flag and file', () => {
    const deep = file('deep.yml', `${'['.repeat(5000)}${']'.repeat(5000)}\n`)
    expect(() => jsonArgument(deep, '--input', dir)).toThrow(UsageError)
    expect(() => jsonArgument(deep, '--input', dir)).toThrow(/--input @deep\.yml: .*(deeper|nesting)/)
    const polluting = file('bad.yaml', 'a: 1\n__proto__:\n  x: 1\n')
    expect(() => jsonArgument(polluting, '--payload', dir)).toThrow(/--payload @bad\.yaml: .*__proto__/)
  })
})
