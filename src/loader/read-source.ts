import { CST, Composer, Lexer, Parser, isAlias, isMap, isScalar, isSeq, type Document, type Node as YamlNode } from 'yaml'
import { childPointer } from '../contract/json-pointer.js'
import { isPollutingKey } from '../contract/untrusted-data.js'
import { jsonSyntaxError } from './json-syntax.js'
import type { LoaderProblem, LoaderProblemKind } from './loader-problem.js'

/**
 * Limits that keep a hostile or broken file from exhausting memory, the stack or time.
 * @public
 */
export interface LoaderLimits {
  /**
   * Largest source, in bytes of UTF-8 text (for an object source: an estimate of its JSON size).
   * @defaultValue 1 MiB (1048576)
   */
  readonly maxBytes?: number
  /**
   * Deepest nesting of objects and arrays (the root object is level 1).
   * @defaultValue 64
   */
  readonly maxDepth?: number
  /**
   * Most values (objects, arrays and scalars) once YAML aliases are expanded (guards against
   * "billion laughs" documents).
   * @defaultValue 100000
   */
  readonly maxNodes?: number
}

/** Limits with every default applied. */
export type ResolvedLimits = Required<LoaderLimits>

export const defaultLimits: ResolvedLimits = { maxBytes: 1024 * 1024, maxDepth: 64, maxNodes: 100_000 }


/** 1-based line and column. */
export interface Position {
  readonly line: number
  readonly column: number
}

/** Where each value (and each object key) of a parsed text starts. */
export class PositionIndex {
  private readonly values = new Map<string, number>()
  private readonly keys = new Map<string, number>()
  private readonly lineStarts: number[] = [0]
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1)
  }
  /** @internal */
  record(pointer: string, valueOffset: number | undefined, keyOffset?: number): void {
    if (valueOffset !== undefined && !this.values.has(pointer)) this.values.set(pointer, valueOffset)
    if (keyOffset !== undefined && !this.keys.has(pointer)) this.keys.set(pointer, keyOffset)
  }
  /** Position of the value at `pointer`. */
  value(pointer: string): Position | undefined {
    return this.at(this.values.get(pointer))
  }
  /** Position of the key of the value at `pointer` (its value's, for array items and the root). */
  key(pointer: string): Position | undefined {
    return this.at(this.keys.get(pointer) ?? this.values.get(pointer))
  }
  /** Position of a character offset. */
  at(offset: number | undefined): Position | undefined {
    if (offset === undefined) return undefined
    let lo = 0
    let hi = this.lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.lineStarts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 }
  }
}

/** What reading a source gives. `ok` is false when `value` could not be produced. */
export interface ReadResult {
  readonly ok: boolean
  readonly value: unknown
  readonly positions?: PositionIndex
  readonly problems: LoaderProblem[]
}

function problem(kind: LoaderProblemKind, path: string, message: string, position?: Position): LoaderProblem {
  return { path, code: 'invalid-option', kind, message, ...(position === undefined ? {} : { line: position.line, column: position.column }) }
}

function fail(problems: LoaderProblem[], positions?: PositionIndex): ReadResult {
  return { ok: false, value: undefined, problems, ...(positions === undefined ? {} : { positions }) }
}

function tooLarge(bytes: number, limits: ResolvedLimits): LoaderProblem {
  return problem('too-large', '', `the source is ${bytes} bytes, more than the limit of ${limits.maxBytes}`)
}

/** The result of a source larger than `maxBytes`. */
export function tooLargeSource(bytes: number, limits: ResolvedLimits): ReadResult {
  return fail([tooLarge(bytes, limits)])
}

/** Reads JSON text: values with `JSON.parse` (strict JSON), positions and duplicate keys from a YAML parse of the same text. */
export function readJson(text: string, limits: ResolvedLimits): ReadResult {
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > limits.maxBytes) return fail([tooLarge(bytes, limits)])
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const found = jsonSyntaxError(text)
    const positions = new PositionIndex(text)
    const message = found?.message ?? firstLine(error instanceof Error ? error.message : String(error))
    return fail([problem('syntax', '', `invalid JSON: ${message}`, found === undefined ? undefined : positions.at(found.offset))])
  }
  const problems: LoaderProblem[] = []
  // Positions (and duplicate keys, which JSON.parse resolves silently, last one winning) from a
  // YAML parse of the same text: JSON is YAML's flow style. Best effort: YAML errors are ignored,
  // but its depth check (which runs first, without recursion) locates a too-deep value.
  const yaml = composeYaml(text, limits)
  if (yaml.problem?.kind === 'too-deep') return fail([{ ...yaml.problem, ...posOf(new PositionIndex(text).at(yaml.offset)) }])
  const depth = depthOf(value, limits.maxDepth)
  if (depth !== undefined) return fail([problem('too-deep', depth, `nesting deeper than the limit of ${limits.maxDepth} levels`)])
  let positions: PositionIndex | undefined
  if (yaml.document !== undefined) {
    positions = new PositionIndex(text)
    const found: LoaderProblem[] = []
    convertYaml(yaml.document, positions, limits, found)
    for (const p of found) if (p.kind === 'duplicate-key') problems.push(p)
  }
  const clean = normalize(value, limits, problems, positions)
  if (!clean.ok) return fail(problems, positions)
  return { ok: true, value: clean.value, problems, ...(positions === undefined ? {} : { positions }) }
}

/** Reads YAML text: one document, core schema, unique keys, no unresolved tags; anchors and aliases are expanded within `maxNodes`. */
export function readYaml(text: string, limits: ResolvedLimits): ReadResult {
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > limits.maxBytes) return fail([tooLarge(bytes, limits)])
  const positions = new PositionIndex(text)
  const composed = composeYaml(text, limits)
  if (composed.problem !== undefined) return fail([{ ...composed.problem, ...posOf(positions.at(composed.offset)) }], positions)
  const document = composed.document
  if (document === undefined) return { ok: true, value: null, problems: [], positions }
  const problems: LoaderProblem[] = []
  for (const error of [...document.errors, ...document.warnings]) {
    if (error.code === 'DUPLICATE_KEY') continue // reported with its path by the conversion below
    problems.push(problem('syntax', '', `invalid YAML: ${firstLine(error.message)}`, positions.at(error.pos[0])))
  }
  if (problems.length > 0) return fail(problems, positions)
  const converted = convertYaml(document, positions, limits, problems)
  if (!converted.ok) return fail(problems, positions)
  return { ok: true, value: converted.value, problems, positions }
}

/** Reads an object given directly: checks it is JSON data within the limits, and copies it. */
export function readObject(value: unknown, limits: ResolvedLimits): ReadResult {
  const problems: LoaderProblem[] = []
  const clean = normalize(value, limits, problems)
  return clean.ok ? { ok: true, value: clean.value, problems } : fail(problems)
}

function posOf(position: Position | undefined): Partial<Position> {
  return position === undefined ? {} : { line: position.line, column: position.column }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
}

/** The pointer of the first container nested deeper than `max`, or `undefined`. Recursion stops at `max`. */
function depthOf(value: unknown, max: number, pointer = '', level = 1): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  if (level > max) return pointer
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value)
  for (const [key, child] of entries) {
    const found = depthOf(child, max, childPointer(pointer, key), level + 1)
    if (found !== undefined) return found
  }
  return undefined
}

interface Composed {
  readonly document?: Document.Parsed
  readonly problem?: LoaderProblem
  readonly offset?: number
}

/**
 * Parses YAML without ever recursing deeper than the limit: flow nesting is counted on the
 * token stream (so a megabyte of `[` fails fast), block nesting on the concrete syntax tree,
 * both iteratively, before the (recursive) composer runs.
 */
function composeYaml(text: string, limits: ResolvedLimits): Composed {
  let flow = 0
  let offset = 0
  for (const source of new Lexer().lex(text)) {
    const type = CST.tokenType(source)
    if (type === 'flow-seq-start' || type === 'flow-map-start') {
      if (++flow > limits.maxDepth) return { problem: problem('too-deep', '', `nesting deeper than the limit of ${limits.maxDepth} levels`), offset }
    } else if (type === 'flow-seq-end' || type === 'flow-map-end') {
      flow = Math.max(0, flow - 1)
    }
    offset += source.length
  }
  const tokens = [...new Parser().parse(text)]
  const deep = deepestToken(tokens, limits.maxDepth)
  if (deep !== undefined) return { problem: problem('too-deep', '', `nesting deeper than the limit of ${limits.maxDepth} levels`), offset: deep }
  const composer = new Composer({ uniqueKeys: true, strict: true, prettyErrors: false, schema: 'core', merge: false, version: '1.2' })
  const documents = [...composer.compose(tokens), ...composer.end()] as Document.Parsed[]
  if (documents.length > 1) {
    return { problem: problem('syntax', '', 'a workflow file holds one YAML document, this one has more'), offset: documents[1]!.range[0] }
  }
  return documents.length === 0 ? {} : { document: documents[0]! }
}

type CstItem = { start?: unknown; key?: CST.Token | null; sep?: unknown; value?: CST.Token }

/** Offset of the first collection nested deeper than `max` in a CST, found without recursion. */
function deepestToken(tokens: readonly CST.Token[], max: number): number | undefined {
  const stack: [CST.Token, number][] = tokens.map((t) => [t, 0])
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!
    if (token.type === 'document') {
      if (token.value !== undefined) stack.push([token.value, depth])
      continue
    }
    if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > max) return token.offset
      for (const item of token.items as CstItem[]) {
        if (item.key) stack.push([item.key, depth + 1])
        if (item.value) stack.push([item.value, depth + 1])
      }
    }
  }
  return undefined
}

interface Budget {
  nodes: number
}

/** Converts a composed YAML document to plain data, recording positions and rejecting forbidden keys. */
function convertYaml(document: Document.Parsed, positions: PositionIndex, limits: ResolvedLimits, problems: LoaderProblem[]): { ok: boolean; value?: unknown } {
  const budget: Budget = { nodes: 0 }
  const before = problems.length
  const active = new Set<YamlNode>()
  let exhausted = false
  const convert = (node: unknown, pointer: string, keyOffset: number | undefined, level: number): unknown => {
    if (exhausted) return undefined
    if (++budget.nodes > limits.maxNodes) {
      exhausted = true
      problems.push(problem('too-large', pointer, `more than ${limits.maxNodes} values (after expanding aliases)`, positions.key(pointer)))
      return undefined
    }
    if (node === null || node === undefined) return null
    if (isAlias(node)) {
      const target = node.resolve(document)
      positions.record(pointer, node.range?.[0], keyOffset)
      if (target === undefined) {
        problems.push(problem('syntax', pointer, `unknown alias *${node.source}`, positions.value(pointer)))
        return undefined
      }
      if (active.has(target)) {
        problems.push(problem('syntax', pointer, `alias *${node.source} refers to a value that contains it`, positions.value(pointer)))
        return undefined
      }
      return convert(target, pointer, keyOffset, level)
    }
    const yamlNode = node as YamlNode
    positions.record(pointer, yamlNode.range?.[0], keyOffset)
    if (isScalar(yamlNode)) {
      const v = yamlNode.value
      if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v
      problems.push(problem('syntax', pointer, `unsupported YAML value of type ${typeof v}`, positions.value(pointer)))
      return undefined
    }
    if (!isMap(yamlNode) && !isSeq(yamlNode)) {
      problems.push(problem('syntax', pointer, 'unsupported YAML node', positions.value(pointer)))
      return undefined
    }
    if (level > limits.maxDepth) {
      problems.push(problem('too-deep', pointer, `nesting deeper than the limit of ${limits.maxDepth} levels`, positions.value(pointer)))
      exhausted = true
      return undefined
    }
    active.add(yamlNode)
    try {
      if (isSeq(yamlNode)) {
        return yamlNode.items.map((item, i) => convert(item, childPointer(pointer, i), undefined, level + 1))
      }
      const out: Record<string, unknown> = {}
      for (const pair of yamlNode.items) {
        const keyNode = pair.key as YamlNode | null
        const keyStart = keyNode?.range?.[0]
        let key: string
        if (isScalar(keyNode) && (typeof keyNode.value === 'string' || typeof keyNode.value === 'number' || typeof keyNode.value === 'boolean')) {
          key = String(keyNode.value)
        } else {
          problems.push(problem('syntax', pointer, 'object keys must be strings', positions.at(keyStart)))
          continue
        }
        const at = childPointer(pointer, key)
        if (isPollutingKey(key)) {
          positions.record(at, undefined, keyStart)
          problems.push(problem('forbidden-key', at, `the key "${key}" is not allowed`, positions.at(keyStart)))
          continue
        }
        if (Object.prototype.hasOwnProperty.call(out, key)) {
          problems.push(problem('duplicate-key', at, `the key "${key}" appears twice`, positions.at(keyStart)))
          continue
        }
        out[key] = convert(pair.value, at, keyStart, level + 1)
      }
      return out
    } finally {
      active.delete(yamlNode)
    }
  }
  const value = convert(document.contents, '', undefined, 1)
  return problems.slice(before).some(isFatal) ? { ok: false } : { ok: true, value }
}

/** Problems after which the data cannot be checked further (the others drop one key and go on). */
function isFatal(p: LoaderProblem): boolean {
  return p.kind !== 'forbidden-key' && p.kind !== 'duplicate-key'
}

/**
 * Checks that `value` is JSON data (plain objects, arrays, strings, finite numbers, booleans,
 * null) within the limits and without forbidden keys, and returns a copy made of fresh plain
 * objects. Never recurses deeper than `maxDepth`.
 */
function normalize(value: unknown, limits: ResolvedLimits, problems: LoaderProblem[], positions?: PositionIndex): { ok: boolean; value?: unknown } {
  const before = problems.length
  const active = new Set<object>()
  let nodes = 0
  let bytes = 0
  let stopped = false
  const walk = (v: unknown, pointer: string, level: number): unknown => {
    if (stopped) return undefined
    nodes++
    if (nodes > limits.maxNodes) {
      stopped = true
      problems.push(problem('too-large', pointer, `more than ${limits.maxNodes} values`))
      return undefined
    }
    switch (typeof v) {
      case 'string':
        bytes += v.length + 2
        break
      case 'number':
        bytes += 8
        if (!Number.isFinite(v)) problems.push(problem('not-json', pointer, `${v} is not a JSON number`))
        return v
      case 'boolean':
        bytes += 5
        return v
      case 'object':
        break
      default:
        problems.push(problem('not-json', pointer, `${v === undefined ? 'undefined' : `a ${typeof v}`} is not JSON data`))
        return undefined
    }
    if (bytes > limits.maxBytes) {
      stopped = true
      problems.push(problem('too-large', pointer, `the source is larger than the limit of ${limits.maxBytes} bytes`))
      return undefined
    }
    if (typeof v === 'string' || v === null) return v
    const object = v as object
    if (active.has(object)) {
      problems.push(problem('not-json', pointer, 'a value that contains itself (a cycle) is not JSON data'))
      return undefined
    }
    if (level > limits.maxDepth) {
      stopped = true
      problems.push(problem('too-deep', pointer, `nesting deeper than the limit of ${limits.maxDepth} levels`))
      return undefined
    }
    active.add(object)
    try {
      if (Array.isArray(object)) {
        const out: unknown[] = []
        for (let i = 0; i < object.length; i++) out.push(walk(object[i], childPointer(pointer, i), level + 1))
        return out
      }
      const proto = Object.getPrototypeOf(object)
      if (proto !== Object.prototype && proto !== null) {
        problems.push(problem('not-json', pointer, `a ${object.constructor?.name ?? 'non-plain'} object is not JSON data`))
        return undefined
      }
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(object)) {
        const at = childPointer(pointer, key)
        if (isPollutingKey(key)) {
          problems.push(problem('forbidden-key', at, `the key "${key}" is not allowed`, positions?.key(at)))
          continue
        }
        const child = (object as Record<string, unknown>)[key]
        if (child === undefined) continue
        bytes += key.length + 4
        out[key] = walk(child, at, level + 1)
      }
      return out
    } finally {
      active.delete(object)
    }
  }
  let out: unknown
  try {
    out = walk(value, '', 1)
  } catch (error) {
    problems.push(problem('not-json', '', `the source could not be read: ${error instanceof Error ? error.message : String(error)}`))
  }
  return problems.slice(before).some(isFatal) ? { ok: false } : { ok: true, value: out }
}
