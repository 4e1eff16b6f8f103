import * as nodeFs from 'node:fs'
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { atomicGitFs, type GitFsClient } from '../../src/git/repository.js'
import { removeDir } from './git-fixture.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d)
})

describe('atomicGitFs (what isomorphic-git writes through)', () => {
  it('replaces a file only by rename: a failure before the rename leaves the old content and no stray file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-atomic-'))
    dirs.push(dir)
    const ref = join(dir, 'refs-heads-x')
    writeFileSync(ref, 'old\n')
    let renames = 0
    const failing: GitFsClient = {
      promises: {
        ...(nodeFs.promises as unknown as GitFsClient['promises']),
        rename: async () => {
          renames++
          throw Object.assign(new Error('killed'), { code: 'EIO' })
        },
      },
    }
    await expect(atomicGitFs(failing).promises.writeFile(ref, 'new\n', 'utf8')).rejects.toThrow('killed')
    expect(renames).toBe(1)
    expect(readFileSync(ref, 'utf8')).toBe('old\n')
    expect(readdirSync(dir)).toEqual(['refs-heads-x'])

    await atomicGitFs(nodeFs as unknown as GitFsClient).promises.writeFile(ref, 'new\n', 'utf8')
    expect(readFileSync(ref, 'utf8')).toBe('new\n')
    expect(readdirSync(dir)).toEqual(['refs-heads-x'])
  })

  it('names temporary files the way git ignores them: tmp_obj_* for loose objects, *.lock otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-atomic-'))
    dirs.push(dir)
    nodeFs.mkdirSync(join(dir, 'objects/ab'), { recursive: true })
    const seen: string[] = []
    const spying: GitFsClient = {
      promises: {
        ...(nodeFs.promises as unknown as GitFsClient['promises']),
        writeFile: async (path: string, data: Uint8Array | string) => {
          seen.push(path.slice(dir.length + 1))
          return nodeFs.promises.writeFile(path, data)
        },
      },
    }
    const fs = atomicGitFs(spying)
    await fs.promises.writeFile(join(dir, 'objects/ab', 'c'.repeat(38)), 'x')
    await fs.promises.writeFile(join(dir, 'ref'), 'y')
    expect(seen[0]).toMatch(/^objects\/ab\/tmp_obj_weft_\d+_\d+$/)
    expect(seen[1]).toMatch(/^ref\.weft-\d+-\d+\.lock$/)
  })
})
