import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))

describe('examples/git', () => {
  it('checkpoints, finds affected steps, rolls back and shares the journal', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/git/main.ts'], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(out).toContain('run: succeeded')
    expect(out).toContain('refs/weft/runs/release-1: 3 weft commits on top of main')
    expect(out).toContain('HEAD is still the base commit')
    expect(out).toContain('affected: bump (src/version.txt); changelog (docs/CHANGELOG.md)')
    expect(out).toContain('rollback: restored src/version.txt; removed docs/CHANGELOG.md')
    expect(out).toContain('src/version.txt is 1.0.0 again')
    expect(out).toMatch(/journal: exported (\d+) events to refs\/weft\/journal\/release-1, imported \1 verified events/)
  })
})
