/**
 * Every resilience policy used on its own around a plain async function — no workflow, no
 * engine — on a simulated clock, so minutes of backoff and open circuits take no real time.
 *   node --import tsx examples/resilience/main.ts
 */
import { SimulatedClock, mulberry32 } from '../../src/runtime/index.js'
import {
  BulkheadRejectedError,
  NonRetryableError,
  bulkhead,
  circuitBreaker,
  consecutiveBreaker,
  fallback,
  healing,
  isSkipped,
  rateLimit,
  retry,
  timeout,
  wrap,
} from '../../src/resilience/index.js'

function failure(code: string, message = code): Error & { code: string } {
  return Object.assign(new Error(message), { code })
}

async function retryExample(): Promise<void> {
  console.log('== retry')
  const clock = new SimulatedClock()
  const policy = retry({ attempts: 5, backoff: 'exponential', base: '100ms', jitter: 0.2, clock, random: mulberry32(42) })
  policy.onRetry(({ attempt, delayMs }) => console.log(`  attempt ${attempt} failed; retrying in ${delayMs} ms`))
  const value = await policy.execute(async ({ attempt }) => {
    if (attempt! < 3) throw failure('ECONNRESET')
    return 'payload'
  })
  console.log(`  got "${value}" at t=${clock.now()} ms`)
  const error = await policy.execute(() => Promise.reject(new NonRetryableError('400 bad request'))).catch((e: unknown) => e as NonRetryableError)
  console.log(`  ${error.code} is not retried: ${error.message}`)
  console.log(`  decide(2, ECONNRESET) = ${JSON.stringify(policy.decide(2, failure('ECONNRESET'), mulberry32(3)))}`)
}

async function timeoutExample(): Promise<void> {
  console.log('== timeout')
  const clock = new SimulatedClock()
  let innerSignal: AbortSignal | undefined
  const error = await timeout('2s', { clock })
    .execute(({ signal }) => {
      innerSignal = signal
      return new Promise<never>(() => {}) // a body that never settles
    })
    .catch((e: unknown) => e as Error & { code: string })
  console.log(`  ${error.code}: ${error.message} (inner signal aborted: ${innerSignal!.aborted})`)
}

async function circuitBreakerExample(): Promise<void> {
  console.log('== circuit breaker')
  const clock = new SimulatedClock()
  const breaker = circuitBreaker({ halfOpenAfter: '30s', breaker: consecutiveBreaker(3), clock, key: 'rates-api' })
  breaker.onStateChange((e) => console.log(`  t=${e.at} ms ${e.type}`))
  let calls = 0
  const down = () => (calls++, Promise.reject(failure('ECONNREFUSED')))
  for (let i = 0; i < 3; i++) await breaker.execute(down).catch(() => {})
  const refused = await breaker.execute(down).catch((e: unknown) => e as Error & { code: string })
  console.log(`  ${refused.code}: ${refused.message}; the function ran ${calls} times`)
  const saved = JSON.stringify(breaker.toJSON())
  console.log(`  saved: ${saved}`)
  await clock.sleep(30_000)
  const restored = circuitBreaker({ halfOpenAfter: '30s', breaker: consecutiveBreaker(3), clock, key: 'rates-api', initialState: JSON.parse(saved) })
  console.log(`  restored after 30 s: ${restored.state}`)
  restored.onStateChange((e) => console.log(`  t=${e.at} ms ${e.type}`))
  console.log(`  probe: ${await restored.execute(async () => 'rates')}`)
}

async function bulkheadExample(): Promise<void> {
  console.log('== bulkhead')
  const clock = new SimulatedClock()
  const pool = bulkhead({ limit: 2, queue: 1 })
  let running = 0
  let peak = 0
  const job = async (name: string) => {
    running++
    peak = Math.max(peak, running)
    await clock.sleep(100)
    running--
    return `${name}@${clock.now()}`
  }
  const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((name) => pool.execute(() => job(name))))
  for (const r of results) console.log(`  ${r.status === 'fulfilled' ? `done ${r.value}` : `rejected: ${(r.reason as BulkheadRejectedError).code}`}`)
  console.log(`  peak concurrency: ${peak}`)
}

async function rateLimitExample(): Promise<void> {
  console.log('== rate limit')
  const clock = new SimulatedClock()
  const limiter = rateLimit({ tokens: 2, per: '1s', clock })
  const starts = await Promise.all([1, 2, 3, 4, 5].map((n) => limiter.execute(async () => `#${n}@${clock.now()}`)))
  console.log(`  starts: ${starts.join(' ')}`)
}

async function fallbackExample(): Promise<void> {
  console.log('== fallback')
  const cache = { rates: { EUR: 1.08 } }
  const policy = fallback({ when: { code: 'ECONNREFUSED' }, value: () => cache.rates })
  console.log(`  rates: ${JSON.stringify(await policy.execute(() => Promise.reject(failure('ECONNREFUSED'))))}`)
}

async function healingExample(): Promise<void> {
  console.log('== healing')
  let diskFull = true
  const policy = healing([
    { name: 'disk-full', when: { code: 'ENOSPC' }, do: () => void (diskFull = false), then: 'retry' },
    { name: 'feed-gone', when: { status: 410 }, then: 'skip' },
  ])
  policy.onRemedy((e) => console.log(`  remedy "${e.name}" applied, then ${e.then}`))
  const written = await policy.execute(async () => {
    if (diskFull) throw failure('ENOSPC', 'no space left on device')
    return 'report.csv written'
  })
  console.log(`  ${written}`)
  const feed = await policy.execute(() => Promise.reject(Object.assign(new Error('gone'), { status: 410 })))
  console.log(`  skipped: ${isSkipped(feed)}`)
}

async function wrapExample(): Promise<void> {
  console.log('== wrap')
  const clock = new SimulatedClock()
  const policy = wrap(fallback({ value: 'stale' }), retry({ attempts: 3, base: '1s', clock }), timeout('5s', { clock }))
  let attempts = 0
  const value = await policy.execute(() => (attempts++, new Promise<string>(() => {})))
  console.log(`  ${attempts} attempts timed out; resolved with "${value}" at t=${clock.now()} ms`)
}

await retryExample()
await timeoutExample()
await circuitBreakerExample()
await bulkheadExample()
await rateLimitExample()
await fallbackExample()
await healingExample()
await wrapExample()
console.log('all examples finished')
