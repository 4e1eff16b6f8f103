/**
 * Source of each worker of the worker-thread executor (run with `eval: true`) and of the
 * child-process executor (sent as the first IPC message, advanced serialization, to a `node -e`
 * bootstrap that evaluates it):
 * a CommonJS script. Kept as a string so that it needs no file next to the library: the same
 * code works from TypeScript sources (tsx, vitest) and from the built `dist`.
 *
 * Protocol (parent → worker): `{ t: 'run', id, module, export, ctx }`, `{ t: 'abort', id, reason }`.
 * Worker → parent: `{ t: 'ok', id, value }`, `{ t: 'err', id, error, handler? }`,
 * `{ t: 'raw', id, value }` (a thrown non-Error), `{ t: 'log', id, level, message, data }`,
 * `{ t: 'secret', id, req, name }` (ctx.secret; answered parent → worker with
 * `{ t: 'secret', id, req, value }` or `{ t: 'secret', id, req, error }`).
 * A worker process also sends `{ t: 'crash', error }` when an error escapes a handler, just
 * before it exits (a worker thread's parent gets that error from the thread's `error` event),
 * and exits when its parent disconnects (so it never outlives a parent that died).
 *
 * Handler modules ending in .ts/.mts/.cts/.tsx are loaded through tsx's ESM API (`register()`)
 * when the `tsx` package can be resolved from the handler's folder or the working directory.
 * @internal
 */
export const workerSource = String.raw`'use strict'
const { parentPort } = require('node:worker_threads')
// A worker thread talks through parentPort; a worker process through its IPC channel.
const channel = parentPort ?? process
const send = parentPort === null ? (message) => process.send(message) : (message) => parentPort.postMessage(message)
if (parentPort === null) {
  process.on('disconnect', () => process.exit(0))
  process.on('uncaughtException', (error) => {
    const wire = error instanceof Error ? serialize(error, 0) : { name: 'NonError', message: String(error) }
    try {
      process.send({ t: 'crash', error: wire }, () => process.exit(1))
    } catch {
      process.exit(1)
    }
  })
}
const { createRequire } = require('node:module')
const { fileURLToPath, pathToFileURL } = require('node:url')
const path = require('node:path')

const TYPESCRIPT = /\.(?:[cm]?ts|tsx)$/
let tsx
function registerTsx(url) {
  if (tsx === undefined) {
    tsx = (async () => {
      const bases = []
      try { bases.push(fileURLToPath(url)) } catch {}
      bases.push(path.join(process.cwd(), 'index.js'))
      let lastError
      for (const base of bases) {
        try {
          const pkgPath = createRequire(base).resolve('tsx/package.json')
          const entry = require(pkgPath).exports['./esm/api']
          const rel = typeof entry === 'string' ? entry : typeof entry.import === 'string' ? entry.import : entry.import.default
          const api = await import(pathToFileURL(path.join(path.dirname(pkgPath), rel)).href)
          api.register()
          return
        } catch (error) {
          lastError = error
        }
      }
      throw new Error('loading a TypeScript handler needs the tsx package (npm i -D tsx); or point meta.handler at built JavaScript', { cause: lastError })
    })()
  }
  return tsx
}

const handlers = new Map()
function handlerOf(url, name) {
  const key = url + '#' + name
  let handler = handlers.get(key)
  if (handler === undefined) {
    handler = (async () => {
      if (TYPESCRIPT.test(new URL(url).pathname)) await registerTsx(url)
      const mod = await import(url)
      const fn = mod[name]
      if (typeof fn !== 'function') throw new Error('export "' + name + '" of ' + url + ' is ' + (fn === undefined ? 'missing' : 'not a function'))
      return fn
    })()
    handlers.set(key, handler)
    handler.catch(() => handlers.delete(key))
  }
  return handler
}

function mulberry32(seed) {
  let a = seed | 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function cloneable(value) {
  try { structuredClone(value); return true } catch { return false }
}

function serialize(error, depth) {
  const out = { name: String(error.name), message: String(error.message) }
  if (typeof error.stack === 'string') out.stack = error.stack
  if (error.code !== undefined && cloneable(error.code)) out.code = error.code
  if (error.data !== undefined && cloneable(error.data)) out.data = error.data
  if (error.cause !== undefined && depth < 8) out.cause = error.cause instanceof Error ? serialize(error.cause, depth + 1) : cloneable(error.cause) ? error.cause : String(error.cause)
  return out
}

function fail(id, error, handler) {
  if (error instanceof Error) post({ t: 'err', id, error: serialize(error, 0), handler })
  else if (cloneable(error)) post({ t: 'raw', id, value: error })
  else post({ t: 'err', id, error: { name: 'NonError', message: String(error) } })
}

function post(message) {
  try {
    send(message)
  } catch (error) {
    send({ t: 'err', id: message.id, error: serialize(error, 0) })
  }
}

const controllers = new Map()
// ctx.secret requests waiting for the engine's answer, by request number.
const secretsWaiting = new Map()
let secretRequests = 0

async function run(message) {
  const id = message.id
  // Registered before the handler loads, so an abort arriving meanwhile is not lost.
  const controller = new AbortController()
  controllers.set(id, controller)
  let fn
  try {
    fn = await handlerOf(message.module, message.export)
  } catch (error) {
    controllers.delete(id)
    fail(id, error, true)
    return
  }
  if (controller.signal.aborted) {
    controllers.delete(id)
    fail(id, controller.signal.reason, false)
    return
  }
  const log = (level) => (text, data) => post({ t: 'log', id, level, message: String(text), data: data !== undefined && cloneable(data) ? data : undefined })
  const secret = (name) =>
    new Promise((resolve, reject) => {
      const req = ++secretRequests
      secretsWaiting.set(req, { resolve, reject })
      post({ t: 'secret', id, req, name: String(name) })
    })
  const ctx = Object.assign({}, message.ctx, {
    signal: controller.signal,
    random: mulberry32(message.ctx.seed),
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    secret,
  })
  try {
    const value = await fn(ctx)
    post({ t: 'ok', id, value })
  } catch (error) {
    fail(id, error, false)
  } finally {
    controllers.delete(id)
  }
}

channel.on('message', (message) => {
  if (message.t === 'run') {
    void run(message)
  } else if (message.t === 'secret') {
    const waiting = secretsWaiting.get(message.req)
    if (waiting === undefined) return
    secretsWaiting.delete(message.req)
    if (message.error === undefined) waiting.resolve(message.value)
    else {
      const error = new Error(message.error.message)
      error.name = message.error.name
      if (message.error.code !== undefined) error.code = message.error.code
      if (message.error.data !== undefined) error.data = message.error.data
      waiting.reject(error)
    }
  } else if (message.t === 'abort') {
    const controller = controllers.get(message.id)
    if (controller !== undefined) {
      const reason = new Error(message.reason.message)
      reason.name = message.reason.name
      if (message.reason.code !== undefined) reason.code = message.reason.code
      controller.abort(reason)
    }
  }
})
`
