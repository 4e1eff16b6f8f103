import Type from 'typebox'
import { issuesOf } from '../contract/index.js'
import type { PayloadCodec } from '../codec/index.js'
import type { Clock } from '../runtime/index.js'
import type { StoreFileSystem, StoreHost } from './file-system.js'
import { InvalidArgumentError } from '../errors/index.js'

/**
 * When an append counts as done.
 *
 * - `'always'`: each append is written and fdatasync'ed before its promise resolves; a journal's
 *   directory is fsync'ed when the journal is created. Nothing acknowledged is lost, even on
 *   power loss. One write and one fdatasync per append.
 * - `'batch'`: group commit. Appends issued while the event loop is busy (from any number of
 *   runs) are written together and made durable with a single fdatasync of a shared commit log;
 *   journals are fsync'ed at checkpoints. Same guarantee as `'always'` for acknowledged appends,
 *   far fewer fsyncs with many concurrent runs, up to one event-loop turn of extra latency.
 * - `'none'`: written only, never fsync'ed. `append` writes before it returns and returns a settled
 *   promise, so that the engine gathers the appends of one tick (a wave of parallel steps
 *   finishing together) into one write. A process crash
 *   loses nothing (the OS keeps the written data), but a power loss or OS crash can lose the
 *   latest events of every run — or leave a journal that reports `JournalCorruptError` when the
 *   disk persisted its pages out of order.
 * @public
 */
export type Durability = 'always' | 'batch' | 'none'

/**
 * Options of {@link fileStore}.
 * @public
 */
export interface FileStoreOptions {
  /**
   * When an append counts as done; see {@link Durability}.
   * @defaultValue `'always'`
   */
  readonly durability?: Durability
  /**
   * Clock for leases (expiry) and for `prune({ olderThan })`.
   * @defaultValue `systemClock`
   */
  readonly clock?: Clock
  /**
   * The file system to use. Inject a shim to count or fail writes and fsyncs in tests.
   * @defaultValue `nodeFileSystem` (`node:fs`)
   */
  readonly fs?: StoreFileSystem
  /**
   * Process and machine identity, used to recover the commit log of a crashed `'batch'` store.
   * @defaultValue `nodeHost`
   */
  readonly host?: StoreHost
  /**
   * `health()` reports the `free-space` check as failed below this many free bytes.
   * @defaultValue 67108864 (64 MiB)
   */
  readonly minFreeBytes?: number
  /**
   * With `durability: 'batch'`, checkpoint (fdatasync the journals and empty the commit log)
   * once the log holds this many bytes.
   * @defaultValue 4194304 (4 MiB)
   */
  readonly commitLogBytes?: number
  /**
   * With `durability: 'always'` or `'batch'`, allocate each journal's space ahead in zero-filled
   * extents (16 KiB at creation, then growing by the journal's size, up to 1 MiB at a time) and
   * write each batch in place, so that the fdatasync of an append flushes data only instead of
   * also committing the file's new size: measured on ext4, about 15% less time per durable
   * append (the extension's metadata is paid once per extent). Readers treat zero bytes after the
   * last record as unused space, not damage (a zero byte followed by anything else is damage as
   * before); a finished run's journal is cut to its records when the store closes it, and a store
   * that appends (`'none'`, or `false` here) cuts the padding off before its first append. Needs
   * `fs.pwrite`; a file system without it appends as with `false`. Turn it off on copy-on-write
   * file systems (btrfs, ZFS), where an overwrite allocates anyway.
   * @defaultValue `true` (`'none'` never preallocates)
   */
  readonly preallocate?: boolean
  /**
   * How each record's payload is stored, e.g. `aesGcmCodec({ keys, current })` to encrypt the
   * journals. With a codec other than the identity, every event's JSON and the run header are
   * stored as `codec.encode(json, { runId, seq })` (`seq` 0 for the header), the checksums cover
   * the encoded bytes (damage is still found as such first), the commit log of `'batch'` holds
   * only encoded records, and the codec's id is recorded in the journal (format 2). No plaintext
   * event or header reaches the disk.
   *
   * A store opens only journals of its own codec: another codec's journal (a plain one included)
   * is refused with `JournalCodecError`. A key that is missing or wrong fails with the codec's
   * `CodecKeyError` when the store opens the journal (its header is decoded first), before
   * anything is read or appended; a record that fails authentication is reported as
   * `JournalCorruptError` (`cause`: the `CodecAuthenticationError`), never cut off as a torn tail.
   * A codec whose `id` is `identity` is not called: journals keep the plain format 1.
   * @defaultValue `identityCodec()`: plain JSON records, format 1
   */
  readonly codec?: PayloadCodec
}

const FileStoreOptionsSchema = Type.Object({
  durability: Type.Optional(Type.Union([Type.Literal('always'), Type.Literal('batch'), Type.Literal('none')])),
  clock: Type.Optional(Type.Object({})),
  fs: Type.Optional(Type.Object({})),
  host: Type.Optional(Type.Object({})),
  minFreeBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  commitLogBytes: Type.Optional(Type.Integer({ minimum: 1 })),
  preallocate: Type.Optional(Type.Boolean()),
  codec: Type.Optional(Type.Object({})),
})

const fsMethods = ['open', 'write', 'read', 'fdatasync', 'fsync', 'ftruncate', 'fstat', 'close', 'stat', 'rename', 'link', 'unlink', 'mkdir', 'rmdir', 'readdir', 'readFile', 'statfs'] as const

/**
 * Checks `fileStore`'s arguments; throws `InvalidArgumentError` naming the first bad one.
 * @internal
 */
export function assertFileStoreArguments(dir: unknown, options: unknown): asserts options is FileStoreOptions {
  if (typeof dir !== 'string' || dir.length === 0 || dir.includes('\0')) throw new InvalidArgumentError('dir', 'a directory path', dir)
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'an object', options)
  const issues = issuesOf(FileStoreOptionsSchema, options)
  if (issues.length > 0) {
    const first = issues[0]!
    const key = first.path.split('/')[1]
    const value = key === undefined ? options : (options as Record<string, unknown>)[key]
    const expected: Record<string, string> = {
      durability: "one of 'always', 'batch', 'none'",
      minFreeBytes: 'an integer from 0',
      commitLogBytes: 'an integer from 1',
      preallocate: 'a boolean',
      clock: 'a Clock',
      fs: 'a StoreFileSystem',
      host: 'a StoreHost',
      codec: 'a PayloadCodec',
    }
    throw new InvalidArgumentError(key ?? 'options', expected[key ?? ''] ?? first.message, value)
  }
  const o = options as FileStoreOptions
  if (o.clock !== undefined && typeof o.clock.now !== 'function') throw new InvalidArgumentError('clock', 'a Clock (with `now()`)', o.clock)
  if (o.fs !== undefined) {
    const missing = fsMethods.find((m) => typeof (o.fs as unknown as Record<string, unknown>)[m] !== 'function')
    if (missing !== undefined) throw new InvalidArgumentError('fs', `a StoreFileSystem (missing \`${missing}\`)`, o.fs)
  }
  if (o.host !== undefined && (typeof o.host.bootId !== 'function' || typeof o.host.isAlive !== 'function' || typeof o.host.pid !== 'number' || typeof o.host.hostname !== 'string')) {
    throw new InvalidArgumentError('host', 'a StoreHost', o.host)
  }
  if (o.codec !== undefined && (typeof o.codec.id !== 'string' || o.codec.id === '' || typeof o.codec.encode !== 'function' || typeof o.codec.decode !== 'function')) {
    throw new InvalidArgumentError('codec', 'a PayloadCodec (`id`, `encode`, `decode`)', o.codec)
  }
}
