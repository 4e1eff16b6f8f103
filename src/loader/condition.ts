import { childPointer, pointerTokens, resolveTokens } from '../contract/json-pointer.js'
import type { FileCondition } from './workflow-file-schema.js'

/** A compiled condition: true when the step should run, given the outputs of its needs. */
export type ConditionTest = (deps: Readonly<Record<string, unknown>>) => boolean

/** A semantic problem of a condition (its shape was already checked against the schema). */
export interface ConditionProblem {
  readonly path: string
  readonly message: string
}

/** Deep equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
  if (Array.isArray(b)) return false
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

/**
 * Compiles a condition that already matches the file schema into a function of the deps, and
 * reports every reference to a step that is not in `needs` (a condition can only see the
 * outputs of the steps its step needs).
 */
export function compileCondition(condition: FileCondition, needs: ReadonlySet<string>, allSteps: ReadonlySet<string>, at: string): { test: ConditionTest; problems: ConditionProblem[] } {
  const problems: ConditionProblem[] = []
  const compile = (c: FileCondition, path: string): ConditionTest => {
    if ('not' in c) {
      const inner = compile(c.not, childPointer(path, 'not'))
      return (deps) => !inner(deps)
    }
    if ('all' in c) {
      const parts = c.all.map((p, i) => compile(p, childPointer(childPointer(path, 'all'), i)))
      return (deps) => parts.every((p) => p(deps))
    }
    if ('any' in c) {
      const parts = c.any.map((p, i) => compile(p, childPointer(childPointer(path, 'any'), i)))
      return (deps) => parts.some((p) => p(deps))
    }
    const step = c.step
    if (!needs.has(step)) {
      const why = allSteps.has(step) ? `is not in this step's needs (add it to needs: a condition sees only the outputs of the steps it needs)` : 'is not a step of this workflow'
      problems.push({ path: childPointer(path, 'step'), message: `condition refers to step "${step}", which ${why}` })
    }
    const tokens = pointerTokens(c.path ?? '')
    const read = (deps: Readonly<Record<string, unknown>>) => (Object.prototype.hasOwnProperty.call(deps, step) ? resolveTokens(deps[step], tokens) : { found: false })
    if ('equals' in c) {
      const expected = c.equals
      return (deps) => {
        const r = read(deps)
        return r.found && jsonEqual(r.value, expected)
      }
    }
    if ('notEquals' in c) {
      const unexpected = c.notEquals
      return (deps) => {
        const r = read(deps)
        return !r.found || !jsonEqual(r.value, unexpected)
      }
    }
    if ('in' in c) {
      const options = c.in
      return (deps) => {
        const r = read(deps)
        return r.found && options.some((o) => jsonEqual(r.value, o))
      }
    }
    const exists = c.exists
    return (deps) => read(deps).found === exists
  }
  const test = compile(condition, at)
  return { test, problems }
}
