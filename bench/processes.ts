/**
 * The W1–W3 comparison repeated in fresh processes (`BENCH_PROCESSES=N npm run bench W1`).
 *
 * One process measures a ratio after one warm-up run, while V8 is still optimizing both sides;
 * when its background compiles finish varies from process to process, and with it the ratio
 * (on a 2-vCPU machine, 1.5× to 10× for the same code). The spread over fresh processes tells a
 * real change from that noise. Each child runs one workload (`BENCH_CHILD=1`) and prints its
 * rows as one JSON line; this prints the median, range and pass count of each ratio.
 */
import { spawnSync } from 'node:child_process'
import { median } from './median.js'

/** The ratios of one measured engine in one child process. */
export interface ChildRow {
  readonly workload: string
  readonly engine: string
  readonly ratio?: number
  readonly warmRatio?: number
  readonly steadyRatio?: number
  /** Each measured run's ms, in order. */
  readonly runsMs?: readonly number[]
}

/** The line prefix a child prints its rows after. */
export const CHILD_ROWS = 'BENCH_ROWS '

/** The summary of one workload's ratios over the processes. */
export interface ProcessSummary {
  readonly workload: string
  readonly engine: string
  readonly processes: number
  readonly ratio: string
  readonly warmRatio: string
  readonly steadyRatio: string
  readonly ratioAtMost2: string
  readonly ratios: readonly number[]
  /** The median over the processes of the i-th measured run's ms: the cold phase, run by run. */
  readonly runsMs: readonly number[]
  /** The same for the baseline. */
  readonly baselineRunsMs: readonly number[]
}

function spread(xs: readonly number[]): string {
  return `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`
}

/** Runs `workload` (a name prefix: W1, W2, W3) in `count` fresh processes and summarizes the ratios. */
export function acrossProcesses(workload: string, count: number, floor: boolean): ProcessSummary {
  const script = process.argv[1]! // bench/run.ts, or a compiled copy of it
  const rows: ChildRow[] = []
  const baselineRows: ChildRow[] = []
  for (let p = 0; p < count; p++) {
    const child = spawnSync(process.execPath, [...process.execArgv, script, workload, ...(floor ? ['FLOOR'] : [])], {
      env: { ...process.env, BENCH_CHILD: '1', BENCH_PROCESSES: '' },
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    })
    const line = child.stdout.split('\n').find((l) => l.startsWith(CHILD_ROWS))
    if (child.status !== 0 || line === undefined) throw new Error(`bench child for ${workload} failed (${child.status}): ${child.stderr.slice(-2000)}`)
    const childRows = JSON.parse(line.slice(CHILD_ROWS.length)) as ChildRow[]
    const measured = childRows.find((r) => r.ratio !== undefined)
    const base = childRows.find((r) => r.ratio === undefined)
    if (measured === undefined || base === undefined) throw new Error(`bench child for ${workload} printed no measured or no baseline row`)
    rows.push(measured)
    baselineRows.push(base)
  }
  // The i-th measured run's median over the processes (the runs count is the same in every child).
  const curve = (of: readonly ChildRow[]): number[] => (of[0]!.runsMs ?? []).map((_, i) => +median(of.map((r) => r.runsMs![i]!)).toFixed(2))
  const pick = (key: 'ratio' | 'warmRatio' | 'steadyRatio'): number[] => rows.map((r) => r[key]!)
  const ratios = pick('ratio')
  return {
    workload: rows[0]!.workload,
    engine: rows[0]!.engine,
    processes: count,
    ratio: spread(ratios),
    warmRatio: spread(pick('warmRatio')),
    steadyRatio: spread(pick('steadyRatio')),
    ratioAtMost2: `${ratios.filter((r) => r <= 2).length} of ${count}`,
    ratios,
    runsMs: curve(rows),
    baselineRunsMs: curve(baselineRows),
  }
}
