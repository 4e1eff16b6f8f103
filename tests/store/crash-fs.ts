import * as fs from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { nodeFileSystem, type StoreFileSystem } from '../../src/index.js'

/** Thrown by {@link CrashFs} at its crash point and for every call after it. */
export class SimulatedCrash extends Error {
  constructor(what: string) {
    super(`simulated crash at ${what}`)
    this.name = 'SimulatedCrash'
  }
}

/** Options of {@link CrashFs}. */
export interface CrashFsOptions {
  /** Crash at this write or fsync (1-based, counted together); never when undefined. */
  readonly crashAt?: number
  /** Fail this write or fsync with `EIO` (a failing write persists half its bytes), then carry on. */
  readonly failAt?: number
  /** Which calls count towards `crashAt`/`failAt` (default: both). */
  readonly count?: 'write' | 'sync' | 'both'
  /** Really call fdatasync/fsync (default false: only record what would be durable). */
  readonly realSync?: boolean
}

interface Inode {
  /** Content made durable by the last fdatasync/fsync (empty when never synced). */
  image: Buffer
}

/**
 * A {@link StoreFileSystem} over `node:fs` that counts writes (appending and positional) and
 * fsyncs, "crashes" at the Nth of them (a crashing write persists the first half of its bytes)
 * and records what a power loss would keep: per inode its content at its last fdatasync, per new
 * directory entry whether its directory was fsync'ed since. {@link CrashFs.powerLoss} applies
 * that to a copy.
 */
export class CrashFs implements StoreFileSystem {
  writes = 0
  fdatasyncs = 0
  fsyncs = 0
  crashed = false
  private ops = 0
  private readonly fds = new Map<number, string>()
  private readonly inodes = new Map<number, Inode>()
  /** Directory entries created since their directory's last fsync. */
  private readonly newNames = new Set<string>()

  constructor(private readonly options: CrashFsOptions = {}) {}

  /** Write and fsync calls so far. */
  get operations(): number {
    return this.ops
  }

  private alive(what: string): void {
    // after a crash the process is gone: nothing it does reaches the disk
    if (this.crashed) throw new SimulatedCrash(`${what} after the crash`)
  }

  /** Counts a write or sync; true when it must fail (and then crashes unless `failAt`). */
  private tick(what: 'write' | 'sync'): boolean {
    this.alive(what)
    const counted = this.options.count ?? 'both'
    if (counted !== 'both' && counted !== what) return false
    this.ops++
    if (this.options.failAt !== undefined && this.ops === this.options.failAt) return true
    if (this.options.crashAt !== undefined && this.ops === this.options.crashAt) {
      this.crashed = true
      return true
    }
    return false
  }

  private failure(what: string): Error {
    return this.crashed ? new SimulatedCrash(what) : Object.assign(new Error(`EIO: simulated failure at ${what}`), { code: 'EIO' })
  }

  /** The inode of `fd`; one first seen here holds what it holds now durably already (nothing when new). */
  private inode(fd: number, existed = true): Inode {
    const ino = fs.fstatSync(fd).ino
    let node = this.inodes.get(ino)
    if (node === undefined) {
      node = { image: existed ? contentOf(fd) : Buffer.alloc(0) }
      this.inodes.set(ino, node)
    }
    return node
  }

  async open(path: string, flags: 'r' | 'r+' | 'a' | 'ax' | 'wx', mode?: number): Promise<number> {
    this.alive('open')
    const existed = fs.existsSync(path)
    const fd = await nodeFileSystem.open(path, flags, mode)
    this.fds.set(fd, path)
    if (!fs.fstatSync(fd).isDirectory()) this.inode(fd, existed)
    if (!existed) this.newNames.add(path)
    return fd
  }

  write(fd: number, data: Uint8Array, offset: number, length: number): number {
    this.writes++
    if (this.tick('write')) {
      const half = Math.floor(length / 2)
      if (half > 0) fs.writeSync(fd, data, offset, half)
      throw this.failure(`write #${this.writes}`)
    }
    return nodeFileSystem.write(fd, data, offset, length)
  }

  pwrite(fd: number, data: Uint8Array, offset: number, length: number, position: number): number {
    this.writes++
    if (this.tick('write')) {
      const half = Math.floor(length / 2)
      if (half > 0) fs.writeSync(fd, data, offset, half, position)
      throw this.failure(`write #${this.writes}`)
    }
    return nodeFileSystem.pwrite!(fd, data, offset, length, position)
  }

  async fdatasync(fd: number): Promise<void> {
    this.fdatasyncs++
    if (this.tick('sync')) throw this.failure(`fdatasync #${this.fdatasyncs}`)
    if (this.options.realSync === true) await nodeFileSystem.fdatasync(fd)
    this.markSynced(fd)
  }

  async fsync(fd: number): Promise<void> {
    this.fsyncs++
    if (this.tick('sync')) throw this.failure(`fsync #${this.fsyncs}`)
    if (this.options.realSync === true) await nodeFileSystem.fsync(fd)
    this.markSynced(fd)
  }

  private markSynced(fd: number): void {
    const path = this.fds.get(fd)
    const stat = fs.fstatSync(fd)
    if (stat.isDirectory()) {
      for (const name of [...this.newNames]) if (path !== undefined && dirname(name) === path) this.newNames.delete(name)
      return
    }
    this.inode(fd).image = contentOf(fd)
  }

  async ftruncate(fd: number, length: number): Promise<void> {
    this.alive('ftruncate')
    await nodeFileSystem.ftruncate(fd, length)
  }

  fstat(fd: number): Promise<{ readonly size: number }> {
    this.alive('fstat')
    return nodeFileSystem.fstat(fd)
  }

  async close(fd: number): Promise<void> {
    this.alive('close')
    this.fds.delete(fd)
    await nodeFileSystem.close(fd)
  }

  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    this.alive('read')
    return nodeFileSystem.read(fd, buffer, offset, length, position)
  }

  stat(path: string): Promise<{ readonly size: number }> {
    this.alive('stat')
    return nodeFileSystem.stat(path)
  }

  async rename(from: string, to: string): Promise<void> {
    this.alive('rename')
    await nodeFileSystem.rename(from, to)
    this.newNames.delete(from)
    this.newNames.add(to)
  }

  async link(from: string, to: string): Promise<void> {
    this.alive('link')
    await nodeFileSystem.link(from, to)
    this.newNames.add(to)
  }

  async unlink(path: string): Promise<void> {
    this.alive('unlink')
    const stat = fs.statSync(path)
    if (stat.nlink === 1) this.inodes.delete(stat.ino)
    await nodeFileSystem.unlink(path)
    this.newNames.delete(path)
  }

  mkdir(path: string): Promise<void> {
    this.alive('mkdir')
    return nodeFileSystem.mkdir(path)
  }

  rmdir(path: string): Promise<void> {
    this.alive('rmdir')
    return nodeFileSystem.rmdir(path)
  }

  readdir(path: string): Promise<string[]> {
    this.alive('readdir')
    return nodeFileSystem.readdir(path)
  }

  readFile(path: string): Promise<Uint8Array> {
    this.alive('readFile')
    return nodeFileSystem.readFile(path)
  }

  statfs(path: string): Promise<{ readonly bavail: number; readonly bsize: number }> {
    this.alive('statfs')
    return nodeFileSystem.statfs(path)
  }

  /** Closes every descriptor the crashed store left open. */
  closeAll(): void {
    for (const fd of this.fds.keys()) fs.closeSync(fd)
    this.fds.clear()
  }

  /**
   * Applies a power loss to `copy`, a copy of the store directory `original`: entries created
   * since their directory's last fsync vanish; a file written through this shim keeps its content
   * at its last sync, with the first `keep` (0..1) of what changed since, in file order (from the
   * first byte that differs to the end of the longer of the two), applied over it. For a file
   * that was only appended to, that is its synced size plus `keep` of the bytes written after.
   */
  powerLoss(original: string, copy: string, keep: number): void {
    for (const file of walk(original)) {
      const target = join(copy, relative(original, file))
      if (this.newNames.has(file)) {
        fs.rmSync(target, { force: true })
        continue
      }
      const node = this.inodes.get(fs.statSync(file).ino)
      if (node === undefined) continue // not touched: as durable as before
      fs.writeFileSync(target, afterPowerLoss(fs.readFileSync(file), node.image, keep))
    }
  }
}

/** What a file holds after a power loss: `durable` with the first `keep` of the changes to `now` applied (see `powerLoss`). */
export function afterPowerLoss(now: Buffer, durable: Buffer, keep: number): Buffer {
  const span = Math.max(now.length, durable.length)
  let first = 0
  while (first < Math.min(now.length, durable.length) && now[first] === durable[first]) first++
  if (first >= span) return now
  const cut = first + Math.floor((span - first) * keep)
  if (cut >= span) return now
  const kept = Math.min(cut, now.length)
  return Buffer.concat([now.subarray(0, kept), durable.subarray(Math.min(kept, durable.length))])
}

/** A file's whole content through its descriptor, whatever the descriptor's mode and however the file was renamed since. */
function contentOf(fd: number): Buffer {
  return fs.readFileSync(`/proc/self/fd/${fd}`)
}

function walk(dir: string): string[] {
  const out: string[] = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...walk(path))
    else out.push(path)
  }
  return out
}
