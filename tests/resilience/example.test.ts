import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))

describe('examples/resilience', () => {
  it('runs every policy standalone on a simulated clock and prints what happened', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/resilience/main.ts'], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    const lines = out.trimEnd().split('\n')
    const section = (name: string): string[] => {
      const start = lines.indexOf(`== ${name}`)
      expect(start, `section ${name}`).toBeGreaterThanOrEqual(0)
      const end = lines.findIndex((l, i) => i > start && (l.startsWith('== ') || l === 'all examples finished'))
      return lines.slice(start + 1, end)
    }
    // seeded jitter: the same delays on every run
    expect(section('retry')).toEqual([
      '  attempt 1 failed; retrying in 88 ms',
      '  attempt 2 failed; retrying in 182 ms',
      '  got "payload" at t=270 ms',
      '  WEFT_NON_RETRYABLE is not retried: 400 bad request',
      '  decide(2, ECONNRESET) = {"retry":true,"delayMs":171}',
    ])
    expect(section('timeout')).toEqual(['  WEFT_STEP_TIMEOUT: operation timed out after 2000 ms (inner signal aborted: true)'])
    expect(section('circuit breaker')).toEqual([
      '  t=0 ms breaker.opened',
      '  WEFT_CIRCUIT_OPEN: circuit "rates-api" is open; next probe in 30000 ms; the function ran 3 times',
      '  saved: {"state":"open","openedAt":0,"breaker":{"kind":"consecutive","state":{"failures":3}}}',
      '  restored after 30 s: half-open',
      '  t=30000 ms breaker.closed',
      '  probe: rates',
    ])
    expect(section('bulkhead')).toEqual(['  done a@100', '  done b@100', '  done c@200', '  rejected: WEFT_BULKHEAD_REJECTED', '  peak concurrency: 2'])
    expect(section('rate limit')).toEqual(['  starts: #1@0 #2@0 #3@500 #4@1000 #5@1500'])
    expect(section('fallback')).toEqual(['  rates: {"EUR":1.08}'])
    expect(section('healing')).toEqual([
      '  remedy "disk-full" applied, then retry',
      '  report.csv written',
      '  remedy "feed-gone" applied, then skip',
      '  skipped: true',
    ])
    expect(section('wrap')).toEqual(['  3 attempts timed out; resolved with "stale" at t=18000 ms'])
    expect(lines.at(-1)).toBe('all examples finished')
  })
})
