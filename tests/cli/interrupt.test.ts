import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { bundle, finished, journal, spawnWeft, tempDir, waitForStderr, weft, type Bundles } from './harness.js'

let bundles: Bundles
beforeAll(async () => {
  bundles = await bundle('interrupt')
}, 60_000)

// `count` appends a line per execution (to show it never runs twice). `block` waits until
// killed the first time, and ends at once the next time (the marker file says it ran before).
const script = {
  count: "require('fs').appendFileSync('count.log', 'x\\n'); console.log('counted')",
  block: "const fs = require('fs'); if (fs.existsSync('blocked.marker')) { console.log('second time') } else { fs.writeFileSync('blocked.marker', ''); setInterval(() => {}, 1000) }",
}
const workflow = `id: interruptible
steps:
  - id: count
    uses: exec
    with: { command: node, args: ["-e", ${JSON.stringify(script.count)}] }
  - id: block
    needs: [count]
    uses: exec
    with: { command: node, args: ["-e", ${JSON.stringify(script.block)}] }
  - id: after
    needs: [block]
    uses: exec
    with: { command: node, args: ["-e", "console.log('after')"] }
`

describe('Ctrl-C', () => {
  it('SIGINT cancels the run cleanly (exit 130, journal records a resumable cancel); `weft resume` completes it', async () => {
    const cwd = tempDir({ 'wf.yaml': workflow })
    const child = spawnWeft(bundles, ['run', 'wf.yaml', '--run-id', 'job-1'], { cwd })
    const rest = finished(child)
    await waitForStderr(child, 'block started')
    // Interrupt once the program really runs (it wrote its marker), not merely once the step started.
    while (!existsSync(join(cwd, 'blocked.marker'))) await delay(20)
    child.kill('SIGINT')
    const interrupted = await rest
    expect(interrupted.code).toBe(130)
    expect(interrupted.stdout).toBe('')
    expect(interrupted.stderr).toContain('interrupted: cancelling the run')
    expect(interrupted.stderr).toContain('continue with: weft resume job-1')

    const store = join(cwd, '.weft')
    const before = await journal(store, 'job-1')
    const end = before.at(-1)!
    expect(end).toMatchObject({ type: 'run.cancelled', resumable: true })
    // The signal reached the step: it was cancelled, not failed, and never succeeded.
    expect(before.filter((e) => e.type === 'step.cancelled').map((e) => (e.type === 'step.cancelled' ? e.stepId : ''))).toEqual(['block'])
    expect(before.some((e) => e.type === 'step.failed')).toBe(false)

    const status = await weft(bundles, ['status', 'job-1', '--json'], { cwd })
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'interrupted', steps: { count: { status: 'succeeded' }, block: { status: 'cancelled' }, after: { status: 'pending' } } })

    const resumed = await weft(bundles, ['resume', 'job-1'], { cwd })
    expect(resumed.stderr).toContain('resuming run job-1')
    expect(resumed.code).toBe(0)
    const output = JSON.parse(resumed.stdout) as Record<string, { stdout: string }>
    expect(output['count']!.stdout).toBe('counted\n')
    expect(output['block']!.stdout).toBe('second time\n')
    expect(output['after']!.stdout).toBe('after\n')
    // The recorded success of `count` was reused, not run again.
    expect(readFileSync(join(cwd, 'count.log'), 'utf8')).toBe('x\n')
    const after = await journal(store, 'job-1')
    expect(after.some((e) => e.type === 'run.resumed')).toBe(true)
    expect(after.at(-1)!.type).toBe('run.succeeded')

    // The journal replays without divergence across both process lifetimes.
    const replay = await weft(bundles, ['replay', 'job-1'], { cwd })
    expect(replay.code).toBe(0)
    expect(replay.stdout).toMatch(/matches: \d+ events over 2 segments/)
  })
})
