import { join } from 'node:path'
import type { Clock } from '../runtime/index.js'
import { createExclusive, replaceFile, syncDir, writeTemp } from './atomic-file.js'
import { errorCode, type StoreFileSystem } from './file-system.js'
import type { Lease } from './port.js'
import type { StoreLayout } from './store-layout.js'
import { LeaseLostError } from './store-errors.js'
import { unnamed } from '../runtime/unnamed.js'

const TOKEN_FILE = /^([1-9][0-9]{0,14})\.lease$/

/** A lease written but not taken yet (see {@link FileLeases.prepare}). @internal */
export interface PreparedLease {
  /** Takes the lease: resolves it, or `undefined` when another owner holds a live one. */
  take(): Promise<Lease | undefined>
  /** Removes the prepared file (the lease is not taken). */
  abandon(): Promise<void>
}

/** A lease as stored in `<token>.lease`. @internal */
export interface StoredLease {
  readonly token: number
  readonly owner: string
  readonly expiresAt: number
  readonly released: boolean
}

/**
 * Leases of the file store, safe across processes.
 *
 * Each run has a directory `leases/<run id>/` holding one file per fencing token,
 * `<token>.lease`; the highest token is the current lease. A new acquisition creates
 * `<current + 1>.lease` by writing a temporary file and hard-linking it to that name: `link`
 * fails with `EEXIST` when the name exists, so of two processes racing for the same token
 * exactly one wins and the other re-reads and sees the winner's live lease. Renewal and release
 * rewrite the holder's own token file (temporary file + rename), which can never lower the
 * current token; a release is not fsync'ed (see {@link FileLeases.release}). Token files are
 * kept until the run is pruned (one per acquisition), so a lease with token `t` was taken over
 * exactly when `<t + 1>.lease` exists: a fenced append costs one `stat`. Clocks of the
 * processes must roughly agree; expiry is judged with the store's clock.
 * @internal
 */
export class FileLeases {
  constructor(
    private readonly fs: StoreFileSystem,
    private readonly layout: StoreLayout,
    private readonly clock: Clock,
    private readonly durable: boolean,
  ) {}

  /** Highest token of the run, 0 when it never had a lease. */
  async currentToken(runId: string): Promise<number> {
    return Math.max(0, ...(await this.tokens(runId)))
  }

  /** The current lease record, or `undefined`. */
  async current(runId: string): Promise<StoredLease | undefined> {
    const token = await this.currentToken(runId)
    if (token === 0) return undefined
    return this.readToken(runId, token)
  }

  /** Whether a lease newer than `token` was ever acquired for the run. */
  async superseded(runId: string, token: number): Promise<boolean> {
    try {
      await this.fs.stat(join(this.layout.leaseDir(runId), `${token + 1}.lease`))
      return true
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false
      throw error
    }
  }

  /** Whether the run has a live lease at `now`. */
  async live(runId: string, now: number): Promise<boolean> {
    const lease = await this.current(runId)
    return lease !== undefined && !lease.released && lease.expiresAt > now
  }

  async acquire(runId: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    const dir = this.layout.leaseDir(runId)
    await this.fs.mkdir(dir)
    for (let attempt = 0; ; attempt++) {
      const current = await this.current(runId)
      const now = this.clock.now()
      if (current !== undefined && !current.released && current.expiresAt > now) {
        if (current.owner !== owner) return undefined
        return this.rewrite(runId, { token: current.token, owner, expiresAt: now + ttlMs, released: false })
      }
      const token = (current?.token ?? 0) + 1
      const record: StoredLease = { token, owner, expiresAt: now + ttlMs, released: false }
      try {
        await createExclusive(this.fs, join(dir, `${token}.lease`), this.layout.temp(dir), encode(runId, record), this.durable, false)
      } catch (error) {
        // Another process took this token first: look again (bounded, in case of a livelock).
        if (errorCode(error) === 'EEXIST' && attempt < 100) continue
        throw error
      }
      return { runId, owner, token, expiresAt: record.expiresAt }
    }
  }

  /**
   * Prepares the run's next lease without taking it: the token file is written (and fdatasync'ed)
   * under a temporary name. `take()` then links it (resolving the lease; `undefined` when another
   * owner holds a live one) and `abandon()` removes it. Used to create a run: its creator writes
   * the lease while it writes the journal, and links the lease only once its journal won, so of
   * two engines creating the same run the one that created the journal holds the lease.
   */
  async prepare(runId: string, owner: string, ttlMs: number): Promise<PreparedLease> {
    const dir = this.layout.leaseDir(runId)
    await this.fs.mkdir(dir)
    const current = await this.current(runId)
    const now = this.clock.now()
    if (current !== undefined && !current.released && current.expiresAt > now) {
      return { take: () => this.acquire(runId, owner, ttlMs), abandon: async () => {} }
    }
    const token = (current?.token ?? 0) + 1
    const record: StoredLease = { token, owner, expiresAt: now + ttlMs, released: false }
    const temp = this.layout.temp(dir)
    await writeTemp(this.fs, temp, encode(runId, record), this.durable)
    const abandon = unnamed((): Promise<void> => ignoreMissing(this.fs.unlink(temp)))
    const take = unnamed(async (): Promise<Lease | undefined> => {
      try {
        await this.fs.link(temp, join(dir, `${token}.lease`))
      } catch (error) {
        await abandon()
        // Another process took this token first: acquire as usual (it reads the winner's lease).
        if (errorCode(error) === 'EEXIST') return this.acquire(runId, owner, ttlMs)
        throw error
      }
      await abandon()
      if (this.durable) await syncDir(this.fs, dir)
      return { runId, owner, token, expiresAt: record.expiresAt }
    })
    return { take, abandon }
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease> {
    const current = await this.current(lease.runId)
    if (current === undefined || current.token !== lease.token || current.owner !== lease.owner || current.released) {
      throw new LeaseLostError(lease.runId, lease.token, current?.token, current?.token === lease.token ? 'the lease was released' : undefined)
    }
    const renewed = await this.rewrite(lease.runId, { token: lease.token, owner: lease.owner, expiresAt: this.clock.now() + ttlMs, released: false })
    if (renewed === undefined) throw new LeaseLostError(lease.runId, lease.token, await this.currentToken(lease.runId))
    return renewed
  }

  /**
   * Marks the holder's token file released, without fsync: a release only lets another engine
   * take the run before the lease expires. Lost to a power cut, the file reads as before (held
   * until its expiry, as when the holder dies without releasing), or unreadable, which counts as
   * released (see `readToken`); the token file's name, hence the current token, is durable since
   * the acquisition. Either way nothing unsafe, and a finished run's release costs no sync (it ran
   * in the background of the next run's fsyncs).
   */
  async release(lease: Lease): Promise<void> {
    const current = await this.current(lease.runId)
    if (current === undefined || current.token !== lease.token || current.owner !== lease.owner || current.released) return
    await this.rewrite(lease.runId, { ...current, expiresAt: Math.min(current.expiresAt, this.clock.now()), released: true }, false)
  }

  /** Removes the run's lease directory. */
  async remove(runId: string): Promise<void> {
    const dir = this.layout.leaseDir(runId)
    let names: string[]
    try {
      names = await this.fs.readdir(dir)
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return
      throw error
    }
    for (const name of names) await ignoreMissing(this.fs.unlink(join(dir, name)))
    await ignoreMissing(this.fs.rmdir(dir))
  }

  /** Rewrites the holder's token file (durably unless `durable` is false); `undefined` when a newer token appeared meanwhile. */
  private async rewrite(runId: string, record: StoredLease, durable = this.durable): Promise<Lease | undefined> {
    const dir = this.layout.leaseDir(runId)
    await replaceFile(this.fs, join(dir, `${record.token}.lease`), this.layout.temp(dir), encode(runId, record), durable)
    if ((await this.currentToken(runId)) !== record.token) return undefined
    return { runId, owner: record.owner, token: record.token, expiresAt: record.expiresAt }
  }

  private async tokens(runId: string): Promise<number[]> {
    let names: string[]
    try {
      names = await this.fs.readdir(this.layout.leaseDir(runId))
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return []
      throw error
    }
    const out: number[] = []
    for (const name of names) {
      const m = TOKEN_FILE.exec(name)
      if (m !== null) out.push(Number(m[1]))
    }
    return out
  }

  private async readToken(runId: string, token: number): Promise<StoredLease> {
    try {
      const value = JSON.parse(Buffer.from(await this.fs.readFile(join(this.layout.leaseDir(runId), `${token}.lease`))).toString('utf8')) as Partial<StoredLease>
      if (typeof value.owner === 'string' && typeof value.expiresAt === 'number') return { token, owner: value.owner, expiresAt: value.expiresAt, released: value.released === true }
    } catch {
      // fall through
    }
    // Gone (the run was pruned meanwhile) or unreadable (an unsynced file after a power loss
    // with durability 'none'): an expired lease of nobody, whose token still counts.
    return { token, owner: '', expiresAt: 0, released: true }
  }
}

function encode(runId: string, record: StoredLease): Buffer {
  return Buffer.from(JSON.stringify({ runId, ...record }) + '\n', 'utf8')
}

async function ignoreMissing(work: Promise<unknown>): Promise<void> {
  try {
    await work
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error
  }
}
