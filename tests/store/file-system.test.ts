import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeFileSystem as fs } from '../../src/index.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-nodefs-'))
  dirs.push(dir)
  return dir
}

describe('nodeFileSystem', () => {
  it('reports failures of the synchronous calls as rejected promises with the system code, never as a throw', async () => {
    const dir = scratch()
    const missing = join(dir, 'missing')
    const calls: [string, () => Promise<unknown>][] = [
      ['open', () => fs.open(missing, 'r')],
      ['stat', () => fs.stat(missing)],
      ['unlink', () => fs.unlink(missing)],
      ['rename', () => fs.rename(missing, join(dir, 'other'))],
      ['link', () => fs.link(missing, join(dir, 'other'))],
      ['rmdir', () => fs.rmdir(missing)],
      ['close', () => fs.close(987_654)],
      ['fstat', () => fs.fstat(987_654)],
      ['ftruncate', () => fs.ftruncate(987_654, 0)],
    ]
    for (const [name, call] of calls) {
      let pending: Promise<unknown> | undefined
      expect(() => (pending = call()), name).not.toThrow()
      await expect(pending, name).rejects.toMatchObject({ code: expect.stringMatching(/^E[A-Z]+$/) })
    }
  })

  it('creates, links, reads back, truncates and removes a file', async () => {
    const dir = scratch()
    await fs.mkdir(join(dir, 'a', 'b'))
    const path = join(dir, 'a', 'b', 'f')
    const fd = await fs.open(path, 'wx')
    expect(fs.write(fd, Buffer.from('hello'), 0, 5)).toBe(5)
    await fs.fdatasync(fd)
    expect((await fs.fstat(fd)).size).toBe(5)
    await fs.ftruncate(fd, 2)
    await fs.close(fd)
    await fs.link(path, join(dir, 'g'))
    await expect(fs.link(path, join(dir, 'g'))).rejects.toMatchObject({ code: 'EEXIST' })
    await expect(fs.open(path, 'wx')).rejects.toMatchObject({ code: 'EEXIST' })
    expect(Buffer.from(await fs.readFile(join(dir, 'g'))).toString()).toBe('he')
    expect((await fs.readdir(dir)).sort()).toEqual(['a', 'g'])
    await fs.rename(join(dir, 'g'), join(dir, 'h'))
    await fs.unlink(path)
    await fs.rmdir(join(dir, 'a', 'b'))
    expect((await fs.stat(join(dir, 'h'))).size).toBe(2)
  })
})
