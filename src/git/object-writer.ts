import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { deflate as deflateCallback, deflateSync } from 'node:zlib'
import git from 'isomorphic-git'
import type { Repository } from './repository.js'

const deflate = promisify(deflateCallback)

/** A tree entry to serialize: a file (`100644`, `100755`, `120000`) or a directory (`40000`). */
export interface TreeItem {
  readonly mode: '100644' | '100755' | '120000' | '40000'
  readonly name: string
  readonly oid: string
}

/**
 * Writes a blob or tree to the object database and returns its id. The id is hashed and the
 * object compressed with Node's native `crypto` and `zlib`, then handed to isomorphic-git's
 * `writeObject` in its `deflated` form (isomorphic-git's own `writeBlob`/`writeTree` compress
 * in JavaScript, about 2.5 ms per object). An object already stored loose is not written again.
 */
export async function writeObject(repo: Repository, type: 'blob' | 'tree', content: Uint8Array): Promise<string> {
  const wrapped = Buffer.concat([Buffer.from(`${type} ${content.byteLength}\0`), content])
  const oid = createHash('sha1').update(wrapped).digest('hex')
  try {
    await repo.fs.promises.stat(`${repo.gitdir}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`)
    return oid
  } catch {
    // not stored loose yet
  }
  // Small objects compress faster inline than through the thread pool.
  const deflated = wrapped.byteLength < 65_536 ? deflateSync(wrapped) : await deflate(wrapped)
  await git.writeObject({ fs: repo.gitFs, dir: repo.dir, gitdir: repo.gitdir, type, object: deflated, format: 'deflated', oid })
  return oid
}

const slash = Buffer.from('/')

/** Serializes tree entries in git's order (byte order of the names, directories compared as `name/`). */
export function treeContent(items: readonly TreeItem[]): Buffer {
  const keyed = items.map((item) => {
    const name = Buffer.from(item.name, 'utf8')
    return { item, name, key: item.mode === '40000' ? Buffer.concat([name, slash]) : name }
  })
  keyed.sort((a, b) => Buffer.compare(a.key, b.key))
  const parts: Buffer[] = []
  for (const { item, name } of keyed) parts.push(Buffer.from(`${item.mode} `), name, Buffer.from([0]), Buffer.from(item.oid, 'hex'))
  return Buffer.concat(parts)
}
