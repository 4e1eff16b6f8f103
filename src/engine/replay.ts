import type { Executor, StepTask } from '../executor/index.js'
import type { JournalEvent } from '../journal/index.js'
import { SimulatedClock } from '../runtime/index.js'
import type { RunHeader, RunStore, RunSummary } from '../store/index.js'
import { EventBus } from '../telemetry/index.js'
import type { Workflow } from '../workflow/index.js'
import { NonDeterminismError } from './engine-errors.js'
import { RunExecution, type FailurePolicy } from './run-execution.js'
import { planOf } from './workflow-plan.js'
import { StepGuards } from './step-guards.js'
import { EventStandIns } from './stand-in.js'
import { pluginHooks } from './plugin.js'

/**
 * What {@link Engine.replay} checked.
 * @public
 */
export interface ReplayReport {
  /** The run. */
  readonly runId: string
  /** Journal events compared. */
  readonly events: number
  /** Process lifetimes the journal spans (1 + number of resumes). */
  readonly segments: number
}

/** Fields that carry time or ownership, not decisions. */
function comparable(event: JournalEvent): unknown {
  const { at: _at, ...rest } = event as JournalEvent & { at: number }
  if ('error' in rest) {
    // Stacks and data differ between a live run and a replay; name, message and code do not.
    const e = rest.error
    return { ...rest, error: { name: e.name, message: e.message, code: e.code } }
  }
  return rest
}

function same(a: JournalEvent, b: JournalEvent): boolean {
  return JSON.stringify(comparable(a)) === JSON.stringify(comparable(b))
}

/**
 * Re-derives every decision of a recorded run from its recorded outcomes, without running step
 * bodies, and checks each against the journal. Step outcomes are fed back in the order they
 * were recorded, so steps that finished in a different order than they started never cause a
 * false divergence. Resumed runs are replayed segment by segment, each segment restored from
 * the journal before it, exactly as `resume` did.
 * @internal
 */
export async function replayJournal(workflow: Workflow, journal: readonly JournalEvent[], failurePolicy: FailurePolicy, limits: { readonly pools?: Readonly<Record<string, number>>; readonly limits?: Readonly<Record<string, number>> } = {}): Promise<ReplayReport> {
  const runId = journal[0]!.runId
  const started = journal[0]! as Extract<JournalEvent, { type: 'run.started' }>
  // Events that are not decisions of the engine: plugin records.
  const events = journal.filter((e) => e.type !== 'plugin.recorded')
  const cuts: number[] = []
  events.forEach((e, i) => e.type === 'run.resumed' && cuts.push(i))
  let segments = 0
  let from = 0
  for (const cut of [...cuts, events.length]) {
    segments++
    await replaySegment(workflow, events, from, cut, started, failurePolicy, limits)
    from = cut
  }
  return { runId, events: journal.length, segments }
}

/**
 * A segment whose first decision is `run.cancelled` was cancelled before anything was
 * scheduled (an aborted signal, or `engine.cancel` of a run no engine ran): replay it the same
 * way, with an already-aborted signal.
 */
function cancelledAtBegin(events: readonly JournalEvent[], from: number, to: number): AbortSignal | undefined {
  const first = events[from + 1]
  if (from + 1 >= to || first === undefined || first.type !== 'run.cancelled') return undefined
  const abort = new AbortController()
  abort.abort(first.reason)
  return abort.signal
}

async function replaySegment(
  workflow: Workflow,
  events: readonly JournalEvent[],
  from: number,
  to: number,
  started: Extract<JournalEvent, { type: 'run.started' }>,
  failurePolicy: FailurePolicy,
  limits: { readonly pools?: Readonly<Record<string, number>>; readonly limits?: Readonly<Record<string, number>> },
): Promise<void> {
  const runId = started.runId
  let cursor = from
  let divergence: NonDeterminismError | undefined
  const pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>()
  const diverge = (expected: unknown, found: unknown): void => {
    divergence ??= new NonDeterminismError({ runId, index: cursor < events.length ? events[cursor]!.seq : events.length + 1, expected, found })
  }

  const store: RunStore = {
    create: async (_header: RunHeader) => {},
    append(_runId: string, appended: readonly JournalEvent[]) {
      for (const event of appended) {
        if (divergence !== undefined) return
        if (cursor >= to) {
          // Past the end of a segment that a crash cut short, what the engine does is unknown to
          // the journal; past the final event, nothing may happen.
          if (to === events.length) diverge('end of journal', comparable(event))
          return
        }
        const expected = events[cursor]!
        if (!same(expected, event)) {
          diverge(comparable(expected), comparable(event))
          return
        }
        cursor++
      }
      queueMicrotask(advance)
    },
    read: async function* () {},
    get: async (): Promise<RunSummary | undefined> => undefined,
    list: async function* () {},
  }
  const executor: Executor = {
    execute(task: StepTask): Promise<unknown> {
      return new Promise((resolve, reject) => {
        pending.set(`${task.kind ?? 'run'}:${task.step.id}${task.item === undefined ? '' : `[${task.item}]`}#${task.ctx.attempt}`, { resolve, reject })
        queueMicrotask(advance)
      })
    },
  }

  const clock = new SimulatedClock({ start: started.at })
  const execution = new RunExecution(
    {
      store,
      executor,
      clock,
      bus: new EventBus(),
      telemetry: undefined,
      hooks: pluginHooks([]),
      inline: executor,
      runChild: () => Promise.reject(new Error('replay never starts child runs')),
      guards: new StepGuards(clock, new EventBus()),
      secrets: { provider: undefined, leaks: 'fail', minLength: undefined },
      standIns: new EventStandIns(),
    },
    workflow,
    planOf(workflow),
    {
      runId,
      seed: started.seed,
      input: started.input,
      concurrency: started.concurrency ?? Infinity,
      failurePolicy: started.failurePolicy ?? failurePolicy,
      signal: cancelledAtBegin(events, from, to),
      ...(from === 0 ? {} : { restored: events.slice(0, from) }),
      ...(started.dryRun === true ? { dryRun: true } : {}),
      ...(started.parentRunId === undefined ? {} : { parentRunId: started.parentRunId }),
      ...(started.metadata === undefined ? {} : { metadata: started.metadata }),
      ...(started.estimates === undefined ? {} : { estimates: started.estimates }),
      ...(limits.pools === undefined ? {} : { pools: limits.pools }),
      ...(limits.limits === undefined ? {} : { limits: limits.limits }),
    },
  )

  // Feeds the next recorded outcome once the engine is waiting for it.
  function advance(): void {
    if (divergence !== undefined || cursor >= to) return
    const next = events[cursor]!
    if (next.type === 'run.cancelled' || (next.type === 'step.cancelled' && events.slice(cursor, to).some((e) => e.type === 'run.cancelled'))) {
      const end = events.slice(cursor, to).find((e) => e.type === 'run.cancelled') as Extract<JournalEvent, { type: 'run.cancelled' }>
      execution.cancel(end.reason, { resumable: end.resumable === true })
      return
    }
    if (next.type === 'signal.received') {
      void execution.deliverSignal(next.name, next.payload).catch(() => {})
      return
    }
    if (!('stepId' in next) || next.stepId === undefined || !('attempt' in next)) return
    // Items of a map step are keyed by their index too.
    const at = `${next.stepId}${'item' in next ? `[${next.item}]` : ''}#${next.attempt}`
    const take = (kind: string): { resolve: (v: unknown) => void; reject: (e: unknown) => void } | undefined => {
      const waiting = pending.get(`${kind}:${at}`)
      if (waiting !== undefined) pending.delete(`${kind}:${at}`)
      return waiting
    }
    const recorded = (e: { name: string; message: string; code?: string }): Error =>
      Object.assign(new Error(e.message), { name: e.name, ...(e.code === undefined ? {} : { code: e.code }) })
    switch (next.type) {
      case 'step.succeeded':
        take(next.fallback === true ? 'fallback' : 'run')?.resolve(next.output)
        return
      case 'step.failed': {
        // A failure after a fallback belongs to the fallback; otherwise to the body.
        const waiting = take('fallback') ?? take('run')
        waiting?.reject(recorded(next.error))
        return
      }
      case 'step.fallback':
        // The body's failure that the fallback replaces.
        take('run')?.reject(recorded(next.error))
        return
      case 'step.healed': {
        // First the body's failure that was healed, then the end of the healing action.
        const body = take('run')
        if (body !== undefined) body.reject(recorded(next.error))
        else take('heal')?.resolve(undefined)
        return
      }
      case 'compensation.succeeded':
        take('compensate')?.resolve(undefined)
        return
      case 'compensation.failed':
        take('compensate')?.reject(recorded(next.error))
        return
      case 'step.item.succeeded':
        take('item')?.resolve(next.output)
        return
      case 'step.item.failed':
        take('item')?.reject(recorded(next.error))
        return
    }
  }

  // A resumed segment starts with the engine's own `run.resumed`, compared like any decision.
  void execution.begin()
  // Wait until the segment is consumed, the run ended, or nothing moves any more.
  let idle = 0
  let lastCursor = -1
  while (divergence === undefined && cursor < to) {
    await new Promise((r) => setImmediate(r))
    if (cursor === lastCursor && clock.pending === 0) idle++
    else idle = 0
    lastCursor = cursor
    advance()
    if (idle > 3) diverge(comparable(events[cursor]!), 'no event: the run is waiting')
  }
  if (divergence !== undefined) {
    execution.cancel('replay diverged')
    throw divergence
  }
}
