import { mulberry32, type GraphNode } from '../../src/index.js'

/** Small seeded PRNG (mulberry32) so one fast-check integer gives a whole scenario. */
export const prng = mulberry32

/** Random DAG in declaration order: node i may need any earlier node. */
export function randomDag(n: number, density: number, rnd: () => number): GraphNode[] {
  return Array.from({ length: n }, (_, i) => {
    const needs: string[] = []
    for (let j = 0; j < i; j++) if (rnd() < density) needs.push(`n${j}`)
    return { id: `n${i}`, needs }
  })
}

/** A random resource scenario: pools, key limits and per-node demands that fit the pools. */
export interface ResourceScenario {
  readonly nodes: GraphNode[]
  readonly pools: Record<string, number>
  readonly limits: Record<string, number>
  readonly demand: (Record<string, number> | undefined)[]
  readonly key: (string | undefined)[]
  readonly priority: number[]
  readonly estimate: number[]
}

export function randomScenario(seed: number, maxNodes = 60): ResourceScenario {
  const rnd = prng(seed)
  const n = 1 + Math.floor(rnd() * maxNodes)
  const nodes = randomDag(n, rnd() * 0.25, rnd)
  const pools: Record<string, number> = {}
  const poolCount = Math.floor(rnd() * 4)
  for (let p = 0; p < poolCount; p++) pools[`pool${p}`] = rnd() < 0.2 ? Math.round(rnd() * 40) / 10 + 0.5 : 1 + Math.floor(rnd() * 6)
  const limits: Record<string, number> = {}
  const keyCount = Math.floor(rnd() * 3)
  for (let k = 0; k < keyCount; k++) limits[`key${k}`] = 1 + Math.floor(rnd() * 3)
  const poolNames = Object.keys(pools)
  const demand = nodes.map(() => {
    if (poolNames.length === 0 || rnd() < 0.3) return undefined
    const d: Record<string, number> = {}
    for (const p of poolNames) {
      if (rnd() < 0.5) continue
      const cap = pools[p]!
      d[p] = Number.isInteger(cap) ? 1 + Math.floor(rnd() * cap) : Math.round(rnd() * cap * 10) / 10
    }
    return d
  })
  const key = nodes.map(() => (keyCount > 0 && rnd() < 0.4 ? `key${Math.floor(rnd() * (keyCount + 1))}` : undefined)) // key<keyCount> has no limit
  const priority = nodes.map(() => (rnd() < 0.2 ? Math.floor(rnd() * 3) : 0))
  const estimate = nodes.map(() => Math.floor(rnd() * 10))
  return { nodes, pools, limits, demand, key, priority, estimate }
}
