import type { PayloadCodec } from '../codec/index.js'
import { syncDir, writeAll } from './atomic-file.js'
import type { StoreFileSystem } from './file-system.js'
import type { HealthCheck } from './port.js'

/**
 * The `directory` and `fsync` checks of a file store: `open` (the store's own set-up) succeeds,
 * a probe file at `probe` can be created and written, then fdatasync'ed with `dir` fsync'ed; the
 * probe is removed in every case.
 * @internal
 */
export async function writeChecks(fs: StoreFileSystem, dir: string, probe: string, open: () => Promise<void>): Promise<HealthCheck[]> {
  const checks: HealthCheck[] = []
  try {
    await open()
    const fd = await fs.open(probe, 'wx')
    try {
      writeAll(fs, fd, Buffer.from('weft health probe\n'))
      checks.push({ name: 'directory', ok: true, detail: `${dir} is writable` })
      try {
        await fs.fdatasync(fd)
        await syncDir(fs, dir)
        checks.push({ name: 'fsync', ok: true, detail: 'fdatasync of a file and fsync of the directory succeed' })
      } catch (error) {
        checks.push({ name: 'fsync', ok: false, detail: `fsync failed: ${messageOf(error)}` })
      }
    } finally {
      await fs.close(fd)
      await fs.unlink(probe)
    }
  } catch (error) {
    checks.push({ name: 'directory', ok: false, detail: `${dir} is not writable: ${messageOf(error)}` })
    checks.push({ name: 'fsync', ok: false, detail: 'not tried: the directory is not writable' })
  }
  return checks
}

/**
 * The `free-space` check: at least `minFreeBytes` available to this user in `dir`'s file system.
 * @internal
 */
export async function freeSpaceCheck(fs: StoreFileSystem, dir: string, minFreeBytes: number): Promise<HealthCheck> {
  try {
    const stats = await fs.statfs(dir)
    const free = stats.bavail * stats.bsize
    return { name: 'free-space', ok: free >= minFreeBytes, detail: `${formatBytes(free)} free (minimum ${formatBytes(minFreeBytes)})` }
  } catch (error) {
    return { name: 'free-space', ok: false, detail: `statfs failed: ${messageOf(error)}` }
  }
}

/**
 * The `codec` check: a probe record round-trips through the store's codec (its current key
 * encrypts and decrypts).
 * @internal
 */
export function codecCheck(codec: PayloadCodec): HealthCheck {
  const probe = '{"weft":"health probe"}'
  const context = { runId: 'weft-health-probe', seq: 0 }
  try {
    const ok = codec.decode(codec.encode(probe, context), context) === probe
    return { name: 'codec', ok, detail: ok ? `records are encoded with codec "${codec.id}"; a probe record round-trips` : `codec "${codec.id}" does not give back a probe record` }
  } catch (error) {
    return { name: 'codec', ok: false, detail: `codec "${codec.id}" fails on a probe record: ${messageOf(error)}` }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** `n` bytes in the largest binary unit that keeps it ≥ 1 (`512 B`, `1.5 KiB`, `20.0 GiB`). */
function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}
