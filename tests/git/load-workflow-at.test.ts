import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitReadError, loadWorkflowAt } from '../../src/git/index.js'
import { git, removeDir, tempRepo, writeFiles } from './git-fixture.js'

let dir: string
let first: string
beforeAll(() => {
  dir = tempRepo({ 'workflows/release.json': '{"id":"release","version":"1","steps":[]}\n', 'workflows/ci.yaml': 'id: ci\n' })
  first = git(dir, 'rev-parse', 'HEAD').trim()
  git(dir, 'tag', 'v1')
  writeFiles(dir, { 'workflows/release.json': '{"id":"release","version":"2","steps":[{"id":"build"}]}\n', 'workflows/broken.json': '{ nope' })
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '-m', 'v2')
  writeFiles(dir, { 'workflows/release.json': '{"id":"release","version":"3 (uncommitted)"}\n' })
})
afterAll(() => removeDir(dir))

describe('loadWorkflowAt', () => {
  it('reads a workflow file as it was at a tag, a branch, HEAD or an abbreviated commit id, ignoring the working tree', async () => {
    for (const ref of ['v1', first, first.slice(0, 7), 'main', 'HEAD', 'refs/heads/main']) {
      const got = await loadWorkflowAt({ dir, ref, path: 'workflows/release.json' })
      expect(got.text).toBe(git(dir, 'show', `${ref}:workflows/release.json`))
      expect(got.json).toEqual(JSON.parse(got.text))
      expect(got.format).toBe('json')
      expect(got.commit).toBe(git(dir, 'rev-parse', `${ref}^{commit}`).trim())
      expect(got.oid).toBe(git(dir, 'rev-parse', `${ref}:workflows/release.json`).trim())
    }
    expect((await loadWorkflowAt({ dir, ref: 'v1', path: './workflows/release.json' })).json).toMatchObject({ version: '1' })
    expect((await loadWorkflowAt({ dir, ref: 'main', path: 'workflows/release.json' })).json).toMatchObject({ version: '2' })
  })

  it('leaves other formats to the loader (json undefined)', async () => {
    const got = await loadWorkflowAt({ dir, ref: 'main', path: 'workflows/ci.yaml' })
    expect(got).toMatchObject({ text: 'id: ci\n', json: undefined, format: 'yaml' })
  })

  it('throws GitReadError for an unknown ref, a missing file, invalid JSON', async () => {
    await expect(loadWorkflowAt({ dir, ref: 'v9', path: 'workflows/release.json' })).rejects.toMatchObject({ code: GitReadError.code, data: { reason: 'ref-not-found', ref: 'v9' } })
    await expect(loadWorkflowAt({ dir, ref: 'v1', path: 'workflows/broken.json' })).rejects.toMatchObject({ code: 'WEFT_GIT_READ', data: { reason: 'file-not-found' } })
    await expect(loadWorkflowAt({ dir, ref: 'main', path: 'workflows/broken.json' })).rejects.toMatchObject({ code: 'WEFT_GIT_READ', data: { reason: 'invalid-json', path: 'workflows/broken.json' } })
  })
})
