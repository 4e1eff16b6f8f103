import * as fs from 'node:fs'
import * as os from 'node:os'

/**
 * The part of the file system the file store uses: a subset of `node:fs` working on numeric
 * file descriptors. Inject your own (for example a shim that fails at the Nth write or fsync)
 * through `fileStore(dir, { fs })`.
 *
 * Every method is asynchronous except {@link StoreFileSystem.write} and
 * {@link StoreFileSystem.pwrite}: appends are written with one synchronous write so that their
 * order in the file is their call order and a store with `durability: 'none'` has written an
 * append before `append` returns; a write to the page cache takes microseconds.
 * @public
 */
export interface StoreFileSystem {
  /** Opens a file (`flags` as in `fs.open`: `r`, `r+`, `a`, `ax`, `wx`). Resolves the descriptor. */
  open(path: string, flags: 'r' | 'r+' | 'a' | 'ax' | 'wx', mode?: number): Promise<number>
  /** Writes bytes at the descriptor's position (the end for `a`); returns how many were written. Synchronous. */
  write(fd: number, data: Uint8Array, offset: number, length: number): number
  /**
   * Writes bytes at file position `position` (a descriptor opened `r+` or `wx`); returns how many
   * were written. Synchronous. Optional: without it a `durability: 'always'` store does not
   * preallocate its journals (see `FileStoreOptions.preallocate`) and only appends.
   */
  pwrite?(fd: number, data: Uint8Array, offset: number, length: number, position: number): number
  /** Reads into `buffer[offset..offset+length)` from file position `position`; resolves the count read. */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>
  /** Flushes the file's data (and the metadata needed to read it) to stable storage. */
  fdatasync(fd: number): Promise<void>
  /** Flushes data and all metadata; used on directories. */
  fsync(fd: number): Promise<void>
  /** Cuts the file to `length` bytes. */
  ftruncate(fd: number, length: number): Promise<void>
  /** Size of an open file. */
  fstat(fd: number): Promise<{ readonly size: number }>
  /** Closes a descriptor. */
  close(fd: number): Promise<void>
  /** Size of a file by path; rejects with `ENOENT` when missing. */
  stat(path: string): Promise<{ readonly size: number }>
  /** Renames, replacing `to` atomically. */
  rename(from: string, to: string): Promise<void>
  /** Creates the hard link `to` to `from`; rejects with `EEXIST` when `to` exists. */
  link(from: string, to: string): Promise<void>
  /** Removes a file. */
  unlink(path: string): Promise<void>
  /** Creates a directory (and its parents). */
  mkdir(path: string): Promise<void>
  /** Removes an empty directory. */
  rmdir(path: string): Promise<void>
  /** Names in a directory; rejects with `ENOENT` when missing. */
  readdir(path: string): Promise<string[]>
  /** Reads a whole (small) file. */
  readFile(path: string): Promise<Uint8Array>
  /** Free space of the file system holding `path`. */
  statfs(path: string): Promise<{ readonly bavail: number; readonly bsize: number }>
}

function callback<T>(run: (done: (error: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value as T))))
}

/** Runs a synchronous `node:fs` call and settles a promise with its result or its error. */
function now<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run())
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * {@link StoreFileSystem} on `node:fs`, working on numeric descriptors (no `FileHandle`
 * objects). The default.
 *
 * Only what waits on the disk, or may take long, goes through libuv's thread pool: `fdatasync`,
 * `fsync`, `read`, `readFile`, `readdir` (a store directory may hold many runs), `statfs` and
 * `ftruncate` (cutting a finished journal's preallocated space frees blocks: a few hundred
 * microseconds). Metadata calls on one file (`open`, `close`, `fstat`, `stat`, `link`, `unlink`,
 * `rename`, `mkdir`, `rmdir`) run synchronously and return a settled promise: each takes
 * microseconds on a local disk, and a hop through the thread pool costs more than the call itself
 * (creating a run's journal and lease takes about fifteen of them). On a network file system
 * where these calls can block for milliseconds, pass your own {@link StoreFileSystem} with
 * `fileStore(dir, { fs })`.
 * @public
 */
export const nodeFileSystem: StoreFileSystem = {
  open: (path, flags, mode = 0o644) => now(() => fs.openSync(path, flags, mode)),
  write: (fd, data, offset, length) => fs.writeSync(fd, data, offset, length),
  pwrite: (fd, data, offset, length, position) => fs.writeSync(fd, data, offset, length, position),
  read: (fd, buffer, offset, length, position) => callback<number>((done) => fs.read(fd, buffer, offset, length, position, done)),
  fdatasync: (fd) => callback<void>((done) => fs.fdatasync(fd, done)),
  fsync: (fd) => callback<void>((done) => fs.fsync(fd, done)),
  ftruncate: (fd, length) => callback<void>((done) => fs.ftruncate(fd, length, done)),
  fstat: (fd) => now(() => fs.fstatSync(fd)),
  close: (fd) => now(() => fs.closeSync(fd)),
  stat: (path) => now(() => fs.statSync(path)),
  rename: (from, to) => now(() => fs.renameSync(from, to)),
  link: (from, to) => now(() => fs.linkSync(from, to)),
  unlink: (path) => now(() => fs.unlinkSync(path)),
  mkdir: (path) => now(() => void fs.mkdirSync(path, { recursive: true })),
  rmdir: (path) => now(() => fs.rmdirSync(path)),
  readdir: (path) => callback<string[]>((done) => fs.readdir(path, done)),
  readFile: (path) => callback<Buffer>((done) => fs.readFile(path, done)),
  statfs: (path) => callback<fs.StatsFs>((done) => fs.statfs(path, done)),
}

/**
 * What the file store needs to know about the machine it runs on, to recover the batch commit
 * log of a crashed process (see `durability: 'batch'`). Inject one to simulate a reboot in tests.
 * @public
 */
export interface StoreHost {
  /** Id of this process. */
  readonly pid: number
  /** Name of this machine. */
  readonly hostname: string
  /**
   * Changes when the machine restarts (Linux: `/proc/sys/kernel/random/boot_id`); `''` when
   * unknown, in which case only {@link StoreHost.isAlive} decides whether a process is gone.
   */
  bootId(): string
  /** Whether a process with this id runs on this machine now. */
  isAlive(pid: number): boolean
}

let cachedBootId: string | undefined

function readBootId(): string {
  if (cachedBootId !== undefined) return cachedBootId
  try {
    cachedBootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    cachedBootId = ''
  }
  return cachedBootId
}

/**
 * {@link StoreHost} of the running process. The default.
 * @public
 */
export const nodeHost: StoreHost = {
  pid: process.pid,
  hostname: os.hostname(),
  bootId: readBootId,
  isAlive(pid) {
    try {
      process.kill(pid, 0)
      return true
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM'
    }
  },
}

/**
 * The `code` of a system error (`ENOENT`, `EEXIST`, …), or `undefined`.
 * @internal
 */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}
