import { dirname } from 'node:path'
import { errorCode, type StoreFileSystem } from './file-system.js'

/**
 * Writes all of `data` with as many writes as the file system needs: at the descriptor's
 * position, or at file position `position` (positional writes, `StoreFileSystem.pwrite`).
 * @internal
 */
export function writeAll(fs: StoreFileSystem, fd: number, data: Uint8Array, position?: number): void {
  let done = 0
  while (done < data.length) {
    const n = position === undefined ? fs.write(fd, data, done, data.length - done) : fs.pwrite!(fd, data, done, data.length - done, position + done)
    if (!(n > 0)) throw Object.assign(new Error(`short write (${done} of ${data.length} bytes${position === undefined ? '' : ` at ${position}`})`), { code: 'EIO' })
    done += n
  }
}

/**
 * Writes `length` zero bytes at file position `position`, in pieces of at most 1 MiB.
 * @internal
 */
export function writeZeros(fs: StoreFileSystem, fd: number, position: number, length: number): void {
  for (let done = 0; done < length; ) {
    const n = Math.min(length - done, ZEROS.length)
    writeAll(fs, fd, ZEROS.subarray(0, n), position + done)
    done += n
  }
}

const ZEROS = new Uint8Array(1024 * 1024)

/**
 * Makes a directory's entries durable (after a create, rename, link or unlink in it). Windows
 * cannot open directories; there the call does nothing.
 * @internal
 */
export async function syncDir(fs: StoreFileSystem, dir: string): Promise<void> {
  let fd: number
  try {
    fd = await fs.open(dir, 'r')
  } catch (error) {
    if (process.platform === 'win32' && ['EISDIR', 'EPERM', 'EACCES'].includes(errorCode(error) ?? '')) return
    throw error
  }
  try {
    await fs.fsync(fd)
  } catch (error) {
    if (!(process.platform === 'win32' && ['EPERM', 'EINVAL', 'EBADF'].includes(errorCode(error) ?? ''))) throw error
  } finally {
    await fs.close(fd)
  }
}

async function quietly(work: Promise<unknown>): Promise<void> {
  try {
    await work
  } catch {
    // best effort
  }
}

/**
 * Creates `path` with exactly `data`, atomically and only if it does not exist: the data goes
 * to `temp` first (fdatasync'ed when `durable`), then `temp` is hard-linked to `path` (which
 * fails with `EEXIST` when `path` exists — safe across processes), then the directory is
 * fsync'ed. Resolves the descriptor of the new file, open for appending, when `keepOpen`.
 *
 * With `padding` > 0 the file gets that many zero bytes after `data` (written, not a hole, so
 * that later positional writes into them need no block allocation), and the descriptor is open
 * for positional writes (`wx`: write-only, not appending) instead.
 *
 * `onLinked` is called once `path` exists (before the directory's fsync), when this call won it.
 * @internal
 */
export async function createExclusive(fs: StoreFileSystem, path: string, temp: string, data: Uint8Array, durable: boolean, keepOpen: boolean, padding = 0, onLinked?: () => void): Promise<number | undefined> {
  const fd = await fs.open(temp, padding > 0 ? 'wx' : 'ax')
  let linked = false
  try {
    writeAll(fs, fd, data)
    if (padding > 0) writeZeros(fs, fd, data.length, padding)
    if (durable) await fs.fdatasync(fd)
    await fs.link(temp, path)
    linked = true
    onLinked?.()
    await fs.unlink(temp)
    if (durable) await syncDir(fs, dirname(path))
  } catch (error) {
    await quietly(fs.close(fd))
    if (!linked) await quietly(fs.unlink(temp))
    throw error
  }
  if (keepOpen) return fd
  await fs.close(fd)
  return undefined
}

/**
 * Replaces `path` with `data` atomically: write `temp`, fdatasync (when `durable`), rename over
 * `path`, fsync the directory (when `durable`).
 * @internal
 */
export async function replaceFile(fs: StoreFileSystem, path: string, temp: string, data: Uint8Array, durable: boolean): Promise<void> {
  await writeTemp(fs, temp, data, durable)
  try {
    await fs.rename(temp, path)
  } catch (error) {
    await quietly(fs.unlink(temp))
    throw error
  }
  if (durable) await syncDir(fs, dirname(path))
}

/**
 * Creates the new file `temp` holding `data` (fdatasync'ed when `durable`) and closes it; on
 * failure nothing is left behind.
 * @internal
 */
export async function writeTemp(fs: StoreFileSystem, temp: string, data: Uint8Array, durable: boolean): Promise<void> {
  const fd = await fs.open(temp, 'wx')
  try {
    writeAll(fs, fd, data)
    if (durable) await fs.fdatasync(fd)
  } catch (error) {
    await quietly(fs.close(fd))
    await quietly(fs.unlink(temp))
    throw error
  }
  await fs.close(fd)
}
