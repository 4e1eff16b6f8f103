/**
 * The benchmark workloads of shared/bench/WORKLOADS.md: shapes, the step function, the
 * plain-loop reference value and the hand-written baseline scheduler.
 */
export const MOD = 1_000_000_007

export function mulberry32(a: number): () => number {
  return () => {
    a |= 0
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A workload: nodes in creation order, each with a weight and the indices it depends on. */
export interface Shape {
  readonly name: string
  readonly weights: Int32Array
  readonly deps: readonly (readonly number[])[]
  readonly concurrency: number
}

export function chain(n: number): Shape {
  const rnd = mulberry32(42)
  const weights = new Int32Array(n)
  const deps: number[][] = []
  for (let i = 0; i < n; i++) {
    weights[i] = Math.floor(rnd() * 1000)
    deps.push(i === 0 ? [] : [i - 1])
  }
  return { name: `W1 chain ${n}`, weights, deps, concurrency: Infinity }
}

export function fan(width: number, concurrency = 64): Shape {
  const rnd = mulberry32(42)
  const n = width + 2
  const weights = new Int32Array(n)
  const deps: number[][] = []
  for (let i = 0; i < n; i++) weights[i] = Math.floor(rnd() * 1000)
  deps.push([])
  for (let i = 1; i <= width; i++) deps.push([0])
  deps.push(Array.from({ length: width }, (_, k) => k + 1))
  return { name: `W2 fan ${n}`, weights, deps, concurrency }
}

export function layered(layers: number, width: number, concurrency = 32): Shape {
  const rnd = mulberry32(42)
  const n = layers * width
  const weights = new Int32Array(n)
  const deps: number[][] = []
  for (let k = 0; k < layers; k++) {
    for (let p = 0; p < width; p++) {
      const i = k * width + p
      weights[i] = Math.floor(rnd() * 1000)
      if (k === 0) {
        deps.push([])
        continue
      }
      const picked: number[] = []
      while (picked.length < 3) {
        const d = (k - 1) * width + Math.floor(rnd() * width)
        if (!picked.includes(d)) picked.push(d)
      }
      deps.push(picked)
    }
  }
  return { name: `W3 layered ${layers}x${width}`, weights, deps, concurrency }
}

/** Indices of nodes nobody depends on. */
export function sinks(shape: Shape): number[] {
  const used = new Uint8Array(shape.weights.length)
  for (const d of shape.deps) for (const x of d) used[x] = 1
  const out: number[] = []
  for (let i = 0; i < used.length; i++) if (used[i] === 0) out.push(i)
  return out
}

/**
 * The step of every engine: `{ v: (w + Σ inputs.v) mod MOD }`.
 *
 * Every engine here (the baseline, Weft's adapter, the floor engine) gathers `inputs` with the
 * same push loop, not `Array.prototype.map`: `map` returns a packed array while its caller runs
 * unoptimized and a holey one once TurboFan has inlined it, so this shared function met a new
 * array map when each caller was optimized, and the caller that had inlined it (the baseline's
 * `pump`, Weft's `launchLean`) was deoptimized in runs 1–3 of every process.
 */
export async function stepFn(w: number, inputs: readonly { v: number }[]): Promise<{ v: number }> {
  let v = w
  for (const x of inputs) v = (v + x.v) % MOD
  return { v }
}

/** The reference value, computed by a plain loop (nodes are created in a topological order). */
export function expected(shape: Shape): number {
  const v = new Float64Array(shape.weights.length)
  for (let i = 0; i < v.length; i++) {
    let x = shape.weights[i]!
    for (const d of shape.deps[i]!) x = (x + v[d]!) % MOD
    v[i] = x
  }
  let total = 0
  for (const s of sinks(shape)) total = (total + v[s]!) % MOD
  return total
}

/** The step function's type (bench/scale/w5.ts wraps {@link stepFn} to sample the heap). */
export type StepFn = (w: number, inputs: readonly { v: number }[]) => Promise<{ v: number }>

/** The hand-written baseline: Kahn's algorithm, FIFO ready queue, one promise per step, same cap. */
export function baseline(shape: Shape, step: StepFn = stepFn): Promise<number> {
  const n = shape.weights.length
  const succ: number[][] = Array.from({ length: n }, () => [])
  const indeg = new Int32Array(n)
  shape.deps.forEach((d, i) => {
    indeg[i] = d.length
    for (const x of d) succ[x]!.push(i)
  })
  const out: ({ v: number } | undefined)[] = new Array(n)
  const ready: number[] = []
  for (let i = 0; i < n; i++) if (indeg[i] === 0) ready.push(i)
  let head = 0
  let running = 0
  let done = 0
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      while (running < shape.concurrency && head < ready.length) {
        const i = ready[head++]!
        running++
        const inputs: { v: number }[] = [] // gathered as every engine here does (see stepFn)
        for (const d of shape.deps[i]!) inputs.push(out[d]!)
        step(shape.weights[i]!, inputs).then((r) => {
          out[i] = r
          running--
          done++
          for (const s of succ[i]!) if (--indeg[s] === 0) ready.push(s)
          if (done === n) {
            let total = 0
            for (const s of sinks(shape)) total = (total + out[s]!.v) % MOD
            resolve(total)
          } else pump()
        }, reject)
      }
    }
    pump()
  })
}
