/**
 * A CPU-bound fan-out on three executors: the same typed workflow and the same handler, run
 * inline, on worker threads and on child processes. A `map` step hashes every chunk; the
 * results come back in chunk order whatever order they finish in, so all three print the same
 * combined digest. Only the map step names a handler (`meta.handler`): the pools run the light
 * `plan` and `combine` steps in the engine's thread (`withoutHandler: inlineExecutor()`).
 *   npx tsx examples/parallel/main.ts [inline|threads|processes] [--chunks 16] [--rounds 20000000] [--workers 2]
 */
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import Type from 'typebox'
import { childProcessExecutor, createEngine, inlineExecutor, workerThreadsExecutor, workflow, type Executor } from '../../src/index.js'
import { digest } from './digest.js'

const Chunk = Type.Object({ seed: Type.String(), rounds: Type.Integer({ minimum: 1 }) })

export const checksums = workflow('checksums', {
  version: '1',
  input: Type.Object({ chunks: Type.Integer({ minimum: 1 }), rounds: Type.Integer({ minimum: 1 }) }),
  output: Type.Object({ combined: Type.String(), chunks: Type.Integer() }),
})
  .step('plan', {
    output: Type.Array(Chunk),
    run: ({ input }) => Array.from({ length: input.chunks }, (_, i) => ({ seed: `chunk-${i}`, rounds: input.rounds })),
  })
  .map('digest', {
    needs: ['plan'],
    over: ({ deps }) => deps.plan,
    item: Chunk,
    output: Type.Object({ hex: Type.String({ pattern: '^[0-9a-f]{8}$' }) }),
    run: digest, // the inline executor calls it here; pools import it by module and export
    meta: { handler: { module: fileURLToPath(new URL('./digest.ts', import.meta.url)), export: 'digest' } },
  })
  .step('combine', {
    needs: ['digest'],
    output: Type.String(),
    run: ({ deps }) => createHash('sha256').update(deps.digest.map((d) => d.hex).join('')).digest('hex'),
  })
  .build(({ steps }) => ({ combined: steps.combine ?? '', chunks: steps.digest?.length ?? 0 }))

/** The executor named on the command line. */
export function executorFor(kind: string, workers: number): Executor {
  if (kind === 'inline') return inlineExecutor()
  if (kind === 'threads') return workerThreadsExecutor({ size: workers, withoutHandler: inlineExecutor() })
  if (kind === 'processes') return childProcessExecutor({ size: workers, withoutHandler: inlineExecutor() })
  throw new Error(`unknown executor "${kind}" (inline, threads or processes)`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { chunks: { type: 'string', default: '16' }, rounds: { type: 'string', default: '20000000' }, workers: { type: 'string', default: '2' } },
  })
  const kind = positionals[0] ?? 'threads'
  const engine = createEngine({ executor: executorFor(kind, Number(values.workers)) })
  try {
    const t0 = performance.now()
    const result = await engine.run(checksums, { chunks: Number(values.chunks), rounds: Number(values.rounds) })
    if (result.status !== 'succeeded') throw new Error(result.error.message)
    console.log(`${kind}: ${result.output.chunks} chunks mixed in ${(performance.now() - t0).toFixed(0)} ms (starting the workers included)`)
    console.log(`combined digest ${result.output.combined}`)
  } finally {
    await engine.close() // ends the executor's workers too
  }
}
