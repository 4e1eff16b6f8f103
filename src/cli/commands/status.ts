import { existsSync } from 'node:fs'
import type { JournalEvent } from '../../journal/index.js'
import type { RunStore, RunSummary } from '../../store/index.js'
import { commonOptions, flag, storeOption, type Command } from '../command.js'
import { CliError, ExitCode } from '../exit-codes.js'
import { loadCliConfig, openEngine, storeDirOf } from '../open-engine.js'
import { formatDuration, formatTime, oneLine, table } from '../output.js'
import { journalOf } from '../run-target.js'
import { runHeader, runRow, runStateOf, stepViews, type RunState } from '../run-view.js'

async function lastEvent(store: RunStore, runId: string): Promise<JournalEvent | undefined> {
  let last: JournalEvent | undefined
  for await (const e of store.read(runId)) last = e
  return last
}

/** `weft status [runId]`: a run's steps, or every run not finished. @public */
export const statusCommand: Command = {
  name: 'status',
  summary: 'Show one run step by step, or every run that has not finished',
  usage: 'weft status [runId] [--json]',
  description: [
    'With a run id: its state, times, workflow file and each step (status, attempts, duration).',
    'Without: every run still running, orphaned (its process died: `weft resume` it) or',
    'interrupted (Ctrl-C: `weft resume` or `weft cancel` it).',
  ].join('\n'),
  positionals: { min: 0, max: 1 },
  options: { ...commonOptions, json: { type: 'boolean', description: 'Print JSON instead of a table' }, ...storeOption },
  examples: [
    ['weft status', 'runs in progress, orphaned or interrupted'],
    ['weft status 3f1c2a9e-… --json', 'one run, with every step, as JSON'],
  ],
  async run(ctx) {
    const { config } = loadCliConfig(ctx)
    if (ctx.positionals[0] === undefined && !existsSync(storeDirOf(ctx, config))) {
      if (flag(ctx, 'json')) ctx.out.json([])
      else ctx.out.out(`no run in progress in ${storeDirOf(ctx, config)}`)
      return ExitCode.ok
    }
    const opened = await openEngine(ctx, config, { existing: true })
    try {
      const orphans = new Set((await opened.store.orphans?.()) ?? [])
      const runId = ctx.positionals[0]
      if (runId !== undefined) {
        const summary = await opened.engine.get(runId)
        if (summary === undefined) throw new CliError(`no run ${runId} in ${opened.storeDir}`, ExitCode.store)
        const journal = await journalOf(opened.store, runId)
        const state = runStateOf(summary, journal[journal.length - 1], orphans.has(runId))
        const steps = stepViews(journal)
        if (flag(ctx, 'json')) {
          ctx.out.json({ ...summary, state, steps })
          return ExitCode.ok
        }
        const out = ctx.out
        out.out(`run       ${summary.runId}`)
        out.out(`workflow  ${summary.workflowId} (version ${summary.version})`)
        if (summary.metadata?.['source'] !== undefined) out.out(`file      ${summary.metadata['source']}`)
        out.out(`state     ${state}`)
        out.out(`started   ${formatTime(summary.createdAt)}`)
        out.out(`updated   ${formatTime(summary.updatedAt)} (${formatDuration(Math.max(0, summary.updatedAt - summary.createdAt))} after the start, ${summary.events} events)`)
        out.out('')
        const rows = Object.entries(steps).map(([id, v]) => [id, v.status, String(v.attempts), v.durationMs === undefined ? '' : formatDuration(v.durationMs), v.error === undefined ? '' : oneLine(v.error, 80)])
        out.out(table(['STEP', 'STATUS', 'ATTEMPTS', 'DURATION', 'ERROR'], rows))
        if (state === 'interrupted' || state === 'orphaned') out.out(`\ncontinue with: weft resume ${runId}`)
        return ExitCode.ok
      }
      const open: { summary: RunSummary; state: RunState }[] = []
      for await (const s of opened.engine.list({ status: 'running' })) open.push({ summary: s, state: orphans.has(s.runId) ? 'orphaned' : 'running' })
      for await (const s of opened.engine.list({ status: 'cancelled', limit: 50 })) {
        const state = runStateOf(s, await lastEvent(opened.store, s.runId), false)
        if (state === 'interrupted') open.push({ summary: s, state })
      }
      open.sort((a, b) => b.summary.createdAt - a.summary.createdAt)
      if (flag(ctx, 'json')) ctx.out.json(open.map(({ summary, state }) => ({ ...summary, state })))
      else if (open.length === 0) ctx.out.out(`no run in progress in ${opened.storeDir}`)
      else ctx.out.out(table(runHeader, open.map(({ summary, state }) => runRow(summary, state))))
      return ExitCode.ok
    } finally {
      await opened.close()
    }
  },
}
