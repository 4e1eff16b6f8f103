import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { serializeError } from '../errors/index.js'
import { CliError, ExitCode, exitCodeOf, type ExitCodeValue } from './exit-codes.js'
import { describeError } from './output.js'

/**
 * Cross-process signals and cancels for runs a `weft` process is driving.
 *
 * The engine delivers a signal to (or cancels) a run it is running in the same process, and
 * journals a signal (or takes over and cancels) a run nobody runs. A run another live process
 * drives holds its lease, and appending to its journal from outside would break that process's
 * run. So `weft signal` and `weft cancel` drop a message into the run's inbox,
 * `<store>/cli-inbox/<run id>/<n>.signal.json`, and the `weft run` / `weft resume` process
 * driving the run polls the inbox, hands each message to its engine (which checks a signal's
 * payload and journals it), and answers with `<n>.ack.json`.
 */

/** A message waiting in an inbox: a signal for the run's gates, or a cancel. */
export type InboxMessage = { readonly kind: 'signal'; readonly name: string; readonly payload?: unknown } | { readonly kind: 'cancel'; readonly reason: string }

/** The answer of the process driving the run. */
export interface InboxAck {
  readonly ok: boolean
  readonly exitCode?: ExitCodeValue
  readonly message?: string
}

/** The inbox directory of a run. */
export function inboxDir(storeDir: string, runId: string): string {
  return join(storeDir, 'cli-inbox', encodeURIComponent(runId))
}

/**
 * Posts a signal and waits for the driving process to answer. Resolves the answer, or
 * `undefined` when nobody answered within `timeoutMs` (the signal is withdrawn then).
 */
export async function postMessage(storeDir: string, runId: string, message: InboxMessage, timeoutMs: number, pollMs = 50): Promise<InboxAck | undefined> {
  const dir = inboxDir(storeDir, runId)
  await mkdir(dir, { recursive: true })
  const id = `${Date.now().toString().padStart(15, '0')}-${randomBytes(4).toString('hex')}`
  const file = join(dir, `${id}.signal.json`)
  const ackFile = join(dir, `${id}.ack.json`)
  const temp = join(dir, `.tmp-${id}`)
  await writeFile(temp, JSON.stringify(message))
  await rename(temp, file)
  for (let waited = 0; waited <= timeoutMs; waited += pollMs) {
    const ack = await readJson<InboxAck>(ackFile)
    if (ack !== undefined) {
      await rm(ackFile, { force: true })
      return ack
    }
    await delay(pollMs)
  }
  // Withdraw it; if the receiver took it meanwhile, its answer wins.
  const withdrawn = await rename(file, `${temp}.withdrawn`).then(
    () => true,
    () => false,
  )
  if (withdrawn) {
    await rm(`${temp}.withdrawn`, { force: true })
    return undefined
  }
  for (let i = 0; i < 100; i++) {
    const ack = await readJson<InboxAck>(ackFile)
    if (ack !== undefined) {
      await rm(ackFile, { force: true })
      return ack
    }
    await delay(pollMs)
  }
  return undefined
}

/**
 * Asks the weft process that holds `runId` to act on `message` (see {@link postMessage}):
 * throws a `CliError` when it does not answer within `timeoutMs` or refuses; `what` names the
 * message in those errors (`signal`, `cancel`).
 */
export async function askHolder(storeDir: string, runId: string, message: InboxMessage, timeoutMs: number, what: string): Promise<void> {
  const ack = await postMessage(storeDir, runId, message, timeoutMs)
  if (ack === undefined) {
    throw new CliError(`run ${runId} is held by another live process that did not answer within ${timeoutMs / 1000}s (not a weft CLI process?); the ${what} was not delivered`, ExitCode.store)
  }
  if (!ack.ok) throw new CliError(`run ${runId}: the process running it refused the ${what}: ${ack.message ?? 'unknown reason'}`, ack.exitCode ?? ExitCode.store)
}

/**
 * Watches a run's inbox while the run is driven here: every posted message goes to `deliver`,
 * and its outcome is written back. Returns a stop function.
 */
export function watchInbox(storeDir: string, runId: string, deliver: (message: InboxMessage) => Promise<void>, pollMs = 100): () => Promise<void> {
  const dir = inboxDir(storeDir, runId)
  let stopped = false
  let busy: Promise<void> = Promise.resolve()
  const poll = async (): Promise<void> => {
    let names: string[]
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.signal.json')).sort()
    } catch {
      return
    }
    for (const name of names) {
      const file = join(dir, name)
      const taken = `${file}.taken`
      // Take it first, so a withdrawal and a delivery never both happen.
      const ok = await rename(file, taken).then(
        () => true,
        () => false,
      )
      if (!ok) continue
      const message = await readJson<InboxMessage>(taken)
      let ack: InboxAck
      if (!isMessage(message)) ack = { ok: false, exitCode: 2, message: 'unreadable inbox message' }
      else {
        try {
          await deliver(message)
          ack = { ok: true }
        } catch (error) {
          ack = { ok: false, exitCode: exitCodeOf(error), message: describeError(error) || serializeError(error).message }
        }
      }
      const ackFile = join(dir, name.replace(/\.signal\.json$/, '.ack.json'))
      await writeFile(`${ackFile}.tmp`, JSON.stringify(ack))
      await rename(`${ackFile}.tmp`, ackFile)
      await rm(taken, { force: true })
    }
  }
  const timer = setInterval(() => {
    if (stopped) return
    busy = busy.then(poll, poll)
  }, pollMs)
  timer.unref()
  return async () => {
    stopped = true
    clearInterval(timer)
    await busy.catch(() => {})
    await rmdir(dir).catch(() => {})
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T
  } catch {
    return undefined
  }
}

function isMessage(value: InboxMessage | undefined): value is InboxMessage {
  return (value?.kind === 'signal' && typeof value.name === 'string') || (value?.kind === 'cancel' && typeof value.reason === 'string')
}
