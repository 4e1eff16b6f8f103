// src/errors/weft-error.ts
var WeftError = class extends Error {
  /** Stable machine-readable code, e.g. `WEFT_CONTRACT_VIOLATION`. */
  code;
  /** Structured details; always JSON-serializable. */
  data;
  constructor(code, message, data, options) {
    super(message, options?.cause === void 0 ? void 0 : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.data = data;
  }
  /** A JSON form with name, code, message, data and the serialized cause chain. */
  toJSON() {
    return serializeError(this);
  }
};
function isWeftError(value, code) {
  return value instanceof WeftError && (code === void 0 || value.code === code);
}
function serializeError(error, depth = 0) {
  if (error instanceof Error) {
    const out = {
      name: error.name,
      message: error.message
    };
    if (error instanceof WeftError) {
      out.code = error.code;
      if (error.data !== void 0) out.data = error.data;
    } else if (typeof error.code === "string") {
      out.code = error.code;
    }
    if (error.stack !== void 0) out.stack = error.stack;
    if (error.cause !== void 0 && depth < 8) out.cause = serializeError(error.cause, depth + 1);
    return out;
  }
  let message;
  try {
    message = typeof error === "string" ? error : JSON.stringify(error) ?? String(error);
  } catch {
    message = String(error);
  }
  return { name: "NonError", message };
}

// src/errors/common-errors.ts
var CancelledError = class _CancelledError extends WeftError {
  /** Stable code. */
  static code = "WEFT_CANCELLED";
  constructor(data) {
    super(_CancelledError.code, `${data.stepId === void 0 ? "run" : `step "${data.stepId}"`} cancelled: ${data.reason}`, data);
  }
};
var InvalidArgumentError = class _InvalidArgumentError extends WeftError {
  /** Stable code. */
  static code = "WEFT_INVALID_ARGUMENT";
  constructor(argument, expected, value) {
    const shown = `${typeof value === "string" ? JSON.stringify(value) : String(value)} (${value === null ? "null" : typeof value})`;
    super(_InvalidArgumentError.code, `Expected \`${argument}\` to be ${expected}, got \`${shown}\``, { argument, value: shown });
  }
};
var StepTimeoutError = class _StepTimeoutError extends WeftError {
  /** Stable code. */
  static code = "WEFT_STEP_TIMEOUT";
  constructor(data) {
    super(_StepTimeoutError.code, `${data.stepId === void 0 ? "operation" : `step "${data.stepId}"${data.attempt === void 0 ? "" : ` attempt ${data.attempt}`}`} timed out after ${data.timeoutMs} ms`, data);
  }
};

// src/contract/compile.ts
import { Compile } from "typebox/compile";
var cache = /* @__PURE__ */ new WeakMap();
function compile(schema) {
  let validator = cache.get(schema);
  if (validator === void 0) {
    validator = Compile(schema);
    cache.set(schema, validator);
  }
  return validator;
}

// src/contract/contract-violation.ts
var ContractViolation = class _ContractViolation extends WeftError {
  /** Stable code of this error family. */
  static code = "WEFT_CONTRACT_VIOLATION";
  constructor(data) {
    const where = data.stepId === void 0 ? `workflow "${data.workflowId}"` : `step "${data.stepId}" of workflow "${data.workflowId}"`;
    const shown = data.issues.slice(0, 5).map((i) => `${i.path || "/"}: ${i.message}`).join("; ");
    const more = data.issues.length > 5 ? ` (+${data.issues.length - 5} more)` : "";
    super(_ContractViolation.code, `${data.direction} contract violated in ${where}: ${shown}${more}`, data);
  }
};

// src/contract/assert.ts
function issuesOf(schema, value) {
  const validator = compile(schema);
  if (validator.Check(value)) return [];
  const issues = [];
  for (const error of validator.Errors(value)) {
    issues.push({ path: error.instancePath, message: error.message ?? "invalid" });
  }
  if (issues.length === 0) issues.push({ path: "", message: "value does not match the schema" });
  return issues;
}
function assert(schema, value, site) {
  if (compile(schema).Check(value)) return;
  throw new ContractViolation({ ...site, issues: issuesOf(schema, value) });
}

// src/contract/is-contract.ts
import { IsSchema } from "typebox";
function isContract(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value) && IsSchema(value);
}

// src/graph/index-graph.ts
function indexGraph(nodes) {
  const total = nodes.length;
  const indexOf = /* @__PURE__ */ new Map();
  const ids = [];
  const kept = [];
  const duplicates = [];
  let needCount = 0;
  for (let p = 0; p < total; p++) {
    const node = nodes[p];
    const id = node.id;
    if (indexOf.has(id)) {
      duplicates.push({ id, index: p });
      continue;
    }
    indexOf.set(id, ids.length);
    ids.push(id);
    kept.push(p);
    needCount += node.needs.length;
  }
  const n = ids.length;
  const predOffsets = new Int32Array(n + 1);
  let preds = new Int32Array(needCount);
  const unknown = [];
  const stamp = new Int32Array(n);
  const outDegree = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const needs = nodes[kept[i]].needs;
    let unknownSeen;
    for (let q = 0; q < needs.length; q++) {
      const need = needs[q];
      const j = indexOf.get(need);
      if (j === void 0) {
        if (unknownSeen === void 0) unknownSeen = /* @__PURE__ */ new Set();
        else if (unknownSeen.has(need)) continue;
        unknownSeen.add(need);
        unknown.push({ id: ids[i], need });
      } else if (stamp[j] !== i + 1) {
        stamp[j] = i + 1;
        preds[k++] = j;
        outDegree[j]++;
      }
    }
    predOffsets[i + 1] = k;
  }
  if (k < preds.length) preds = preds.slice(0, k);
  const succOffsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) succOffsets[i + 1] = succOffsets[i] + outDegree[i];
  const succs = new Int32Array(k);
  const cursor = outDegree;
  for (let i = 0; i < n; i++) cursor[i] = succOffsets[i];
  for (let i = 0; i < n; i++) {
    for (let e = predOffsets[i], end = predOffsets[i + 1]; e < end; e++) succs[cursor[preds[e]]++] = i;
  }
  const graph = Object.freeze({
    size: n,
    ids: Object.freeze(ids),
    indexOf,
    predOffsets,
    preds,
    succOffsets,
    succs
  });
  return { graph, unknown, duplicates };
}

// src/graph/find-cycle.ts
function findCycle(g) {
  const n = g.size;
  const { succOffsets, succs, ids } = g;
  const state = new Uint8Array(n);
  const stack = new Int32Array(n);
  const depth = new Int32Array(n);
  const next = new Int32Array(n);
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    let top = 0;
    stack[top++] = root;
    state[root] = 1;
    depth[root] = 0;
    next[root] = succOffsets[root];
    while (top > 0) {
      const v = stack[top - 1];
      const e = next[v];
      if (e < succOffsets[v + 1]) {
        next[v] = e + 1;
        const w = succs[e];
        const sw = state[w];
        if (sw === 0) {
          state[w] = 1;
          depth[w] = top;
          next[w] = succOffsets[w];
          stack[top++] = w;
        } else if (sw === 1) {
          const from = depth[w];
          const cycle = new Array(top - from + 1);
          for (let d = from; d < top; d++) cycle[d - from] = ids[stack[d]];
          cycle[top - from] = ids[w];
          return cycle;
        }
      } else {
        state[v] = 2;
        top--;
      }
    }
  }
  return void 0;
}

// src/graph/kahn-order.ts
function kahnOrder(g) {
  const n = g.size;
  const { predOffsets, succOffsets, succs } = g;
  const indegree = new Int32Array(n);
  const order = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) {
    const d = predOffsets[i + 1] - predOffsets[i];
    indegree[i] = d;
    if (d === 0) order[tail++] = i;
  }
  for (let head = 0; head < tail; head++) {
    const v = order[head];
    for (let e = succOffsets[v], end = succOffsets[v + 1]; e < end; e++) {
      const s = succs[e];
      if (--indegree[s] === 0) order[tail++] = s;
    }
  }
  return tail === n ? order : void 0;
}

// src/graph/critical-path.ts
function criticalPath(g, estimate) {
  const n = g.size;
  const weight = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w = estimate(i);
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
      throw new RangeError(`criticalPath: estimate of node "${g.ids[i]}" (index ${i}) must be a non-negative finite number, got ${String(w)}`);
    }
    weight[i] = w;
  }
  const order = kahnOrder(g);
  if (order === void 0) return void 0;
  const { predOffsets, succOffsets, succs, ids } = g;
  const bottom = new Float64Array(n);
  for (let k = n - 1; k >= 0; k--) {
    const v = order[k];
    let best = 0;
    for (let e = succOffsets[v], end = succOffsets[v + 1]; e < end; e++) {
      const b = bottom[succs[e]];
      if (b > best) best = b;
    }
    bottom[v] = weight[v] + best;
  }
  if (n === 0) return { steps: [], total: 0, bottom };
  let start = -1;
  for (let i = 0; i < n; i++) {
    if (predOffsets[i + 1] === predOffsets[i] && (start < 0 || bottom[i] > bottom[start])) start = i;
  }
  const steps = [];
  for (let v = start; v >= 0; ) {
    steps.push(ids[v]);
    let nextNode = -1;
    for (let e = succOffsets[v], end = succOffsets[v + 1]; e < end; e++) {
      const s = succs[e];
      if (nextNode < 0 || bottom[s] > bottom[nextNode]) nextNode = s;
    }
    v = nextNode;
  }
  return { steps, total: bottom[start], bottom };
}

// src/journal/events.ts
import Type from "typebox";
var SerializedErrorSchema = Type.Cyclic(
  {
    Error: Type.Object({
      name: Type.String(),
      message: Type.String(),
      code: Type.Optional(Type.String()),
      data: Type.Optional(Type.Unknown()),
      stack: Type.Optional(Type.String()),
      cause: Type.Optional(Type.Ref("Error"))
    })
  },
  "Error"
);
var base = {
  /** Position of the event in its run's journal, from 1, without gaps. */
  seq: Type.Integer({ minimum: 1 }),
  /** Time of the event on the engine's clock (ms). */
  at: Type.Number(),
  /** Run the event belongs to. */
  runId: Type.String({ minLength: 1 })
};
var step = { ...base, stepId: Type.String({ minLength: 1 }) };
var JournalEventSchemas = {
  "run.started": Type.Object({
    ...base,
    type: Type.Literal("run.started"),
    workflowId: Type.String(),
    version: Type.String(),
    fingerprint: Type.String(),
    input: Type.Unknown(),
    seed: Type.Integer(),
    parentRunId: Type.Optional(Type.String()),
    /** Concurrency limit of the run (absent: unlimited). A decision input, so replay uses it. */
    concurrency: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Failure policy of the run. */
    failurePolicy: Type.Optional(Type.Union([Type.Literal("failFast"), Type.Literal("continue")])),
    /** A dry run: steps with side effects were simulated. */
    dryRun: Type.Optional(Type.Literal(true)),
    /** Structure of the definition (step ids, needs, contract hashes) to explain a later fingerprint mismatch. */
    definition: Type.Optional(
      Type.Object({
        input: Type.String(),
        output: Type.Optional(Type.String()),
        steps: Type.Array(Type.Object({ id: Type.String(), needs: Type.Array(Type.String()), output: Type.String() }))
      })
    )
  }),
  "run.resumed": Type.Object({
    ...base,
    type: Type.Literal("run.resumed"),
    /** Attempts of steps that had started without a recorded end, which run again. */
    restarted: Type.Array(Type.String())
  }),
  "step.started": Type.Object({ ...step, type: Type.Literal("step.started"), attempt: Type.Integer({ minimum: 1 }) }),
  "step.succeeded": Type.Object({
    ...step,
    type: Type.Literal("step.succeeded"),
    attempt: Type.Integer({ minimum: 1 }),
    output: Type.Unknown(),
    /** True when a dry run produced the output without running the step's side effects. */
    simulated: Type.Optional(Type.Literal(true)),
    /** True when the output is the step's fallback after it failed for good. */
    fallback: Type.Optional(Type.Literal(true))
  }),
  "step.fallback": Type.Object({
    ...step,
    type: Type.Literal("step.fallback"),
    attempt: Type.Integer({ minimum: 1 }),
    /** The failure the fallback replaces. */
    error: SerializedErrorSchema
  }),
  "step.healed": Type.Object({
    ...step,
    type: Type.Literal("step.healed"),
    attempt: Type.Integer({ minimum: 1 }),
    /** Index of the rule in the step's `heal` list. */
    rule: Type.Integer({ minimum: 0 }),
    name: Type.Optional(Type.String()),
    then: Type.Union([Type.Literal("retry"), Type.Literal("skip"), Type.Literal("fail"), Type.Literal("fallback")]),
    /** The failure that was healed. */
    error: SerializedErrorSchema
  }),
  "step.failed": Type.Object({
    ...step,
    type: Type.Literal("step.failed"),
    attempt: Type.Integer({ minimum: 1 }),
    error: SerializedErrorSchema,
    willRetry: Type.Boolean(),
    delayMs: Type.Optional(Type.Number({ minimum: 0 }))
  }),
  "step.skipped": Type.Object({
    ...step,
    type: Type.Literal("step.skipped"),
    reason: Type.Union([Type.Literal("condition"), Type.Literal("dependency-skipped"), Type.Literal("dependency-failed"), Type.Literal("remedy")]),
    dependency: Type.Optional(Type.String())
  }),
  "step.cancelled": Type.Object({
    ...step,
    type: Type.Literal("step.cancelled"),
    attempt: Type.Integer({ minimum: 1 }),
    reason: Type.String()
  }),
  "signal.received": Type.Object({
    ...base,
    type: Type.Literal("signal.received"),
    name: Type.String({ minLength: 1 }),
    payload: Type.Unknown()
  }),
  "plugin.recorded": Type.Object({
    ...base,
    type: Type.Literal("plugin.recorded"),
    plugin: Type.String(),
    name: Type.String(),
    stepId: Type.Optional(Type.String()),
    data: Type.Unknown()
  }),
  "compensation.started": Type.Object({ ...step, type: Type.Literal("compensation.started"), attempt: Type.Integer({ minimum: 1 }) }),
  "compensation.succeeded": Type.Object({ ...step, type: Type.Literal("compensation.succeeded"), attempt: Type.Integer({ minimum: 1 }) }),
  "compensation.failed": Type.Object({
    ...step,
    type: Type.Literal("compensation.failed"),
    attempt: Type.Integer({ minimum: 1 }),
    error: SerializedErrorSchema,
    willRetry: Type.Boolean(),
    delayMs: Type.Optional(Type.Number({ minimum: 0 }))
  }),
  "run.compensated": Type.Object({ ...base, type: Type.Literal("run.compensated"), error: SerializedErrorSchema, compensated: Type.Array(Type.String()) }),
  "run.compensation-failed": Type.Object({
    ...base,
    type: Type.Literal("run.compensation-failed"),
    error: SerializedErrorSchema,
    compensated: Type.Array(Type.String()),
    failed: Type.Array(Type.String())
  }),
  "run.succeeded": Type.Object({ ...base, type: Type.Literal("run.succeeded"), output: Type.Unknown() }),
  "run.failed": Type.Object({ ...base, type: Type.Literal("run.failed"), error: SerializedErrorSchema }),
  "run.cancelled": Type.Object({ ...base, type: Type.Literal("run.cancelled"), reason: Type.String() })
};
var JournalEventSchema = Type.Union(Object.values(JournalEventSchemas));
var terminalEventTypes = /* @__PURE__ */ new Set(["run.succeeded", "run.failed", "run.cancelled", "run.compensated", "run.compensation-failed"]);
function isTerminalEvent(event) {
  return terminalEventTypes.has(event.type);
}

// src/runtime/clock.ts
function abortReason(signal) {
  return signal.reason ?? new Error("aborted");
}
var systemClock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve2, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve2();
      }, Math.max(0, ms));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
};

// src/runtime/simulated-clock.ts
var SimulatedClock = class {
  current;
  seq = 0;
  timers = [];
  // binary min-heap on (at, seq)
  live = 0;
  autoAdvance;
  tickScheduled = false;
  constructor(options = {}) {
    this.current = options.start ?? 0;
    this.autoAdvance = options.autoAdvance ?? true;
  }
  /** Current simulated time in ms. */
  now() {
    return this.current;
  }
  /** Number of timers waiting. */
  get pending() {
    return this.live;
  }
  sleep(ms, signal) {
    return new Promise((resolve2, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const at = this.current + Math.max(0, Number.isFinite(ms) ? ms : 0);
      let timer;
      const onAbort = signal === void 0 ? void 0 : () => {
        this.remove(timer);
        reject(signal.reason);
      };
      timer = { cancelled: false, at, seq: this.seq++, resolve: resolve2, reject, signal, onAbort };
      this.insert(timer);
      if (signal !== void 0 && onAbort !== void 0) signal.addEventListener("abort", onAbort, { once: true });
      this.scheduleTick();
    });
  }
  /**
   * Moves time forward by `ms`, firing every timer that falls due, in order; lets promise
   * callbacks run between distinct instants.
   */
  async advance(ms) {
    const target = this.current + ms;
    for (let head = this.peek(); head !== void 0 && head.at <= target; head = this.peek()) {
      this.fireNext();
      await flushMicrotasks();
    }
    this.current = Math.max(this.current, target);
  }
  /** Fires timers until none is left (or `limit` instants were fired). */
  async runAll(limit = 1e6) {
    for (let i = 0; i < limit && this.peek() !== void 0; i++) {
      this.fireNext();
      await flushMicrotasks();
    }
  }
  peek() {
    while (this.timers.length > 0 && this.timers[0].cancelled) this.pop();
    return this.timers[0];
  }
  fireNext() {
    const first = this.peek();
    if (first === void 0) return;
    const at = first.at;
    this.current = Math.max(this.current, at);
    for (let t = this.peek(); t !== void 0 && t.at === at; t = this.peek()) {
      this.pop();
      this.live--;
      if (t.signal !== void 0 && t.onAbort !== void 0) t.signal.removeEventListener("abort", t.onAbort);
      t.resolve();
    }
  }
  insert(timer) {
    const heap = this.timers;
    heap.push(timer);
    this.live++;
    let i = heap.length - 1;
    while (i > 0) {
      const parent = i - 1 >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }
  pop() {
    const heap = this.timers;
    const last = heap.pop();
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l], heap[m])) m = l;
      if (r < heap.length && before(heap[r], heap[m])) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }
  remove(timer) {
    if (timer.cancelled) return;
    timer.cancelled = true;
    this.live--;
  }
  scheduleTick() {
    if (!this.autoAdvance || this.tickScheduled) return;
    this.tickScheduled = true;
    setImmediate(() => {
      this.tickScheduled = false;
      if (this.peek() === void 0) return;
      this.fireNext();
      if (this.peek() !== void 0) this.scheduleTick();
    });
  }
};
function before(a, b) {
  return a.at < b.at || a.at === b.at && a.seq < b.seq;
}
function flushMicrotasks() {
  return new Promise((resolve2) => setImmediate(resolve2));
}

// src/runtime/prng.ts
function mulberry32(seed) {
  let a = seed | 0;
  return () => {
    a = a + 1831565813 | 0;
    let t = Math.imul(a ^ a >>> 15, 1 | a);
    t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t;
    return ((t ^ t >>> 14) >>> 0) / 4294967296;
  };
}
function hash32(text, seed = 0) {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

// src/runtime/entropy.ts
import { randomBytes, randomUUID } from "node:crypto";
var systemEntropy = {
  runId: () => randomUUID(),
  seed: () => randomBytes(4).readUInt32LE(0)
};

// src/runtime/duration.ts
var units = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5 };
var pattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
function parseDuration(value) {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : void 0;
  if (typeof value !== "string") return void 0;
  const match = pattern.exec(value.trim());
  if (match === null) return void 0;
  return Number(match[1]) * units[match[2]];
}

// src/scheduler/ready-queue.ts
var ReadyQueue = class {
  /**
   * @param rank - rank of each node; must be unique per node.
   * @param capacity - most nodes queued at once.
   *   @defaultValue `rank.length` (every node)
   */
  constructor(rank, capacity = rank.length) {
    this.rank = rank;
    this.heap = new Int32Array(Math.max(1, capacity));
  }
  rank;
  heap;
  count = 0;
  /** Number of queued nodes. */
  get size() {
    return this.count;
  }
  /** Adds a node (each node at most once). */
  push(node) {
    const heap = this.heap;
    const rank = this.rank;
    const r = rank[node];
    let i = this.count++;
    while (i > 0) {
      const parent = i - 1 >> 1;
      const p = heap[parent];
      if (rank[p] <= r) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = node;
  }
  /** The best-ranked node without removing it, or -1. */
  peek() {
    return this.count === 0 ? -1 : this.heap[0];
  }
  /** Removes and returns the best-ranked node, or -1 when empty. */
  pop() {
    if (this.count === 0) return -1;
    const heap = this.heap;
    const rank = this.rank;
    const top = heap[0];
    const last = heap[--this.count];
    const n = this.count;
    if (n > 0) {
      const r = rank[last];
      let i = 0;
      for (; ; ) {
        let child = 2 * i + 1;
        if (child >= n) break;
        const right = child + 1;
        if (right < n && rank[heap[right]] < rank[heap[child]]) child = right;
        if (rank[heap[child]] >= r) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
};

// src/scheduler/schedule-plan.ts
function schedulePlan(graph, options = {}) {
  const n = graph.size;
  const priority = new Float64Array(n);
  const getPriority = options.priority;
  if (getPriority !== void 0) for (let i = 0; i < n; i++) priority[i] = getPriority(i);
  const estimate = options.estimate ?? (() => 1);
  const cp = criticalPath(graph, estimate);
  if (cp === void 0) throw new RangeError("schedulePlan: the graph has a cycle");
  const bottom = cp.bottom;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => priority[b] - priority[a] || bottom[b] - bottom[a] || a - b);
  const rank = new Int32Array(n);
  for (let r = 0; r < n; r++) rank[order[r]] = r;
  const indegree = new Int32Array(n);
  for (let i = 0; i < n; i++) indegree[i] = graph.predOffsets[i + 1] - graph.predOffsets[i];
  const resources = planResources(n, options.resources, options.concurrencyKey);
  return resources === void 0 ? { graph, indegree, rank, bottom } : { graph, indegree, rank, bottom, resources };
}
function planResources(n, getResources, getKey) {
  if (getResources === void 0 && getKey === void 0) return void 0;
  const pools = [];
  const poolIndex = /* @__PURE__ */ new Map();
  const keys = [];
  const keyIndex = /* @__PURE__ */ new Map();
  const offsets = new Int32Array(n + 1);
  const poolList = [];
  const amountList = [];
  const key = new Int32Array(n).fill(-1);
  const demandClass = new Int32Array(n);
  const classOf = /* @__PURE__ */ new Map([["", 0]]);
  const sizes = [0];
  let any = false;
  const entries = [];
  for (let i = 0; i < n; i++) {
    entries.length = 0;
    const demand = getResources?.(i);
    if (demand !== void 0 && demand !== null) {
      for (const name of Object.keys(demand)) {
        const amount = demand[name];
        if (amount === 0) continue;
        let p = poolIndex.get(name);
        if (p === void 0) {
          p = pools.length;
          pools.push(name);
          poolIndex.set(name, p);
        }
        entries.push([p, amount]);
      }
    }
    entries.sort((a, b) => a[0] - b[0]);
    const keyName = getKey?.(i);
    let signature = "";
    if (typeof keyName === "string" && keyName.length > 0) {
      let k = keyIndex.get(keyName);
      if (k === void 0) {
        k = keys.length;
        keys.push(keyName);
        keyIndex.set(keyName, k);
      }
      key[i] = k;
      signature = `k${k}`;
    }
    for (const [p, amount] of entries) {
      poolList.push(p);
      amountList.push(amount);
      signature += `|${p}:${amount}`;
    }
    offsets[i + 1] = poolList.length;
    let c = classOf.get(signature);
    if (c === void 0) {
      c = sizes.length;
      classOf.set(signature, c);
      sizes.push(0);
    }
    if (c !== 0) any = true;
    demandClass[i] = c;
    sizes[c]++;
  }
  if (!any) return void 0;
  return {
    pools,
    keys,
    offsets,
    pool: Int32Array.from(poolList),
    amount: Float64Array.from(amountList),
    key,
    demandClass,
    classSize: Int32Array.from(sizes)
  };
}

// src/scheduler/capacity.ts
var Capacity = class {
  constructor(concurrency, pools, limits) {
    this.concurrency = concurrency;
    const poolNames = Object.keys(pools);
    this.cap = new Float64Array(poolNames.length);
    this.used = new Float64Array(poolNames.length);
    this.holders = new Int32Array(poolNames.length);
    poolNames.forEach((name, j) => {
      this.poolIndex.set(name, j);
      this.cap[j] = pools[name];
    });
    const keyNames = Object.keys(limits);
    this.keyLimit = new Float64Array(keyNames.length);
    this.keyRunning = new Int32Array(keyNames.length);
    keyNames.forEach((name, j) => {
      this.keyIndex.set(name, j);
      this.keyLimit[j] = limits[name];
    });
  }
  concurrency;
  /** Nodes holding a slot. */
  running = 0;
  /** Bumped on every release: a cached "nothing fits" is valid while it is unchanged. */
  version = 0;
  poolIndex = /* @__PURE__ */ new Map();
  cap;
  used;
  /** Running nodes holding some of each pool; usage is reset to exactly 0 when it drops to 0. */
  holders;
  keyIndex = /* @__PURE__ */ new Map();
  keyLimit;
  keyRunning;
  /** Maps plan pool indices to this capacity's pool indices (-1: not limited here). */
  mapPools(names) {
    return Int32Array.from(names, (name) => this.poolIndex.get(name) ?? -1);
  }
  /** Maps plan key indices to this capacity's key indices (-1: not limited here). */
  mapKeys(names) {
    return Int32Array.from(names, (name) => this.keyIndex.get(name) ?? -1);
  }
};
function within(total, cap) {
  return total <= cap + 1e-9 * (cap > 1 ? cap : 1);
}

// src/scheduler/check-resources.ts
function checkResources(plan, pools = {}, limits = {}) {
  const problems = optionProblems(pools, limits);
  const r = plan.resources;
  if (r === void 0) return problems;
  const ids = plan.graph.ids;
  const n = plan.graph.size;
  for (let i = 0; i < n; i++) {
    for (let e = r.offsets[i], end = r.offsets[i + 1]; e < end; e++) {
      const pool = r.pools[r.pool[e]];
      const amount = r.amount[e];
      const id = ids[i];
      if (typeof amount !== "number" || !Number.isFinite(amount) || amount < 0) {
        problems.push({ kind: "invalid-amount", node: i, id, pool, requested: amount, message: `step "${id}" asks an invalid amount of pool "${pool}": ${String(amount)} (must be a finite number \u2265 0)` });
      } else if (!Object.hasOwn(pools, pool)) {
        const known = Object.keys(pools);
        problems.push({ kind: "unknown-pool", node: i, id, pool, requested: amount, message: `step "${id}" asks for pool "${pool}", which is not configured (${known.length === 0 ? "no pools" : `pools: ${known.join(", ")}`})` });
      } else {
        const capacity = pools[pool];
        if (!(capacity >= 0)) continue;
        if (!within(amount, capacity)) {
          problems.push({ kind: "exceeds-pool", node: i, id, pool, requested: amount, capacity, message: `step "${id}" asks ${amount} of pool "${pool}", which holds ${capacity}` });
        }
      }
    }
  }
  return problems;
}
function optionProblems(pools, limits) {
  const problems = [];
  for (const pool of Object.keys(pools)) {
    const capacity = pools[pool];
    if (typeof capacity !== "number" || Number.isNaN(capacity) || capacity < 0) {
      problems.push({ kind: "invalid-pool", node: -1, pool, requested: capacity, message: `pool "${pool}" must hold a number \u2265 0, got ${show(capacity)}` });
    }
  }
  for (const key of Object.keys(limits)) {
    const limit = limits[key];
    if (typeof limit !== "number" || !(limit === Infinity || Number.isInteger(limit) && limit >= 1)) {
      problems.push({ kind: "invalid-limit", node: -1, key, requested: limit, message: `limit "${key}" must be an integer \u2265 1 or Infinity, got ${show(limit)}` });
    }
  }
  return problems;
}
function problemsMessage(where, problems) {
  return `${where}: ${problems.length} resource problem${problems.length === 1 ? "" : "s"}:
${problems.map((p) => `  ${p.message}`).join("\n")}`;
}
function show(value) {
  return `\`${typeof value === "string" ? JSON.stringify(value) : String(value)}\` (${value === null ? "null" : typeof value})`;
}

// src/scheduler/class-heap.ts
var ClassHeap = class {
  /** Key of each class: rank of its head node. Write it, then call `push` or `update`. */
  key;
  heap;
  pos;
  count = 0;
  constructor(classes) {
    this.key = new Int32Array(classes);
    this.heap = new Int32Array(Math.max(1, classes));
    this.pos = new Int32Array(classes).fill(-1);
  }
  get size() {
    return this.count;
  }
  has(c) {
    return this.pos[c] >= 0;
  }
  peek() {
    return this.count === 0 ? -1 : this.heap[0];
  }
  push(c) {
    const i = this.count++;
    this.heap[i] = c;
    this.pos[c] = i;
    this.up(i);
  }
  pop() {
    if (this.count === 0) return -1;
    const top = this.heap[0];
    this.removeAt(0);
    return top;
  }
  remove(c) {
    const i = this.pos[c];
    if (i >= 0) this.removeAt(i);
  }
  /** Restores the heap after `key[c]` changed. */
  update(c) {
    const i = this.pos[c];
    if (i < 0) return;
    this.down(this.up(i));
  }
  removeAt(i) {
    const heap = this.heap;
    this.pos[heap[i]] = -1;
    const last = heap[--this.count];
    if (i === this.count) return;
    heap[i] = last;
    this.pos[last] = i;
    this.down(this.up(i));
  }
  up(i) {
    const { heap, pos, key } = this;
    const c = heap[i];
    const k = key[c];
    while (i > 0) {
      const parent = i - 1 >> 1;
      const p = heap[parent];
      if (key[p] <= k) break;
      heap[i] = p;
      pos[p] = i;
      i = parent;
    }
    heap[i] = c;
    pos[c] = i;
    return i;
  }
  down(i) {
    const { heap, pos, key } = this;
    const n = this.count;
    const c = heap[i];
    const k = key[c];
    for (; ; ) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && key[heap[right]] < key[heap[child]]) child = right;
      if (key[heap[child]] >= k) break;
      heap[i] = heap[child];
      pos[heap[i]] = i;
      i = child;
    }
    heap[i] = c;
    pos[c] = i;
  }
};

// src/scheduler/shared-limits.ts
var states = /* @__PURE__ */ new WeakMap();
function poolStateOf(pool) {
  const state = states.get(pool);
  if (state === void 0) throw new TypeError("Expected `shared` to be a pool made by createSlotPool()");
  return state;
}

// src/scheduler/scheduler.ts
var WAITING = 0;
var QUEUED = 1;
var RUNNING = 2;
var SETTLED = 3;
var NO_LIMIT = 2147483647;
var Scheduler = class {
  /**
   * Throws a RangeError listing every problem {@link checkResources} finds with the plan under
   * the effective pools and limits (the smaller of this scheduler's and the shared ones): a
   * node that could never start would otherwise deadlock the run.
   */
  constructor(plan, options = {}) {
    this.plan = plan;
    const n = plan.graph.size;
    this.state = new Uint8Array(n);
    this.remaining = plan.indegree.slice();
    this.blockedBy = new Int32Array(n).fill(-1);
    this.concurrency = options.concurrency ?? Infinity;
    this.backfillLimit = options.backfillLimit ?? 8;
    if (typeof this.backfillLimit !== "number" || !(this.backfillLimit === Infinity || Number.isInteger(this.backfillLimit) && this.backfillLimit >= 0)) {
      throw new RangeError(`Expected \`backfillLimit\` to be an integer from 0 and up (or Infinity), got \`${String(options.backfillLimit)}\` (${typeof options.backfillLimit})`);
    }
    const pools = options.pools ?? {};
    const limits = options.limits ?? {};
    const shared = options.shared;
    if (shared !== void 0) {
      this.pool = poolStateOf(shared);
      this.sharedCap = this.pool.capacity;
    }
    const res = plan.resources;
    const effectivePools = merge(pools, shared?.pools, Math.min);
    const problems = checkResources(plan, effectivePools, merge(limits, shared?.limits, Math.min));
    if (problems.length > 0) throw new RangeError(problemsMessage("Scheduler", problems));
    if (res === void 0) {
      this.ready = new ReadyQueue(plan.rank);
    } else {
      this.res = res;
      const classCount = res.classSize.length;
      for (let c = 0; c < classCount; c++) this.queues.push(new ReadyQueue(plan.rank, res.classSize[c]));
      this.classes = new ClassHeap(classCount);
      this.passes = new Int32Array(n);
      this.dueMark = new Uint8Array(n);
      if (Object.keys(pools).length > 0 || Object.keys(limits).length > 0) {
        this.local = new Capacity(Infinity, pools, limits);
        this.localPool = this.local.mapPools(res.pools);
        this.localKey = this.local.mapKeys(res.keys);
      }
      if (this.sharedCap !== void 0) {
        this.sharedPool = this.sharedCap.mapPools(res.pools);
        this.sharedKey = this.sharedCap.mapKeys(res.keys);
      }
    }
    for (let i = 0; i < n; i++) {
      if (this.remaining[i] === 0) {
        this.state[i] = QUEUED;
        this.enqueue(i);
      }
    }
    if (this.pool !== void 0) {
      const self = this;
      this.member = {
        owner: options.owner === void 0 ? this : options.owner,
        take: () => self.take(),
        get blockedOnShared() {
          return self.sharedBlocked;
        }
      };
      this.pool.join(this.member);
    }
  }
  plan;
  state;
  remaining;
  blockedBy;
  blocked = [];
  blockedHead = 0;
  runningCount = 0;
  settledCount = 0;
  queuedCount = 0;
  closed = false;
  /** Most nodes running at once. */
  concurrency;
  // Unconstrained path: one queue.
  ready;
  // Constrained path: one queue per demand class, classes ordered by their best node.
  res;
  queues = [];
  classes;
  passes;
  dueMark;
  due;
  backfillLimit;
  scratch = [];
  local;
  localPool;
  localKey;
  /** Bumped on every push and release: a cached "nothing fits" is valid while it is unchanged. */
  version = 0;
  stallVersion = -1;
  stallShared = -1;
  sharedBlocked = false;
  // Shared limits.
  pool;
  sharedCap;
  sharedPool;
  sharedKey;
  member;
  /** Nodes currently running. */
  get running() {
    return this.runningCount;
  }
  /** Nodes that have ended (succeeded, failed, skipped). */
  get settled() {
    return this.settledCount;
  }
  /** True when every node has ended. */
  get done() {
    return this.settledCount === this.plan.graph.size;
  }
  /** Ready nodes waiting for a slot. */
  get queued() {
    return this.queuedCount;
  }
  /**
   * True when, at the last {@link Scheduler.take}, the best-ranked ready node fitted this
   * scheduler's own limits but not the shared ones (it waits for other runs).
   */
  get blockedOnShared() {
    return this.sharedBlocked;
  }
  /**
   * The next node to run (now counted as running and holding its resources), or -1 when none
   * is ready or none that may start fits the free capacity.
   */
  take() {
    if (this.runningCount >= this.concurrency || this.closed) {
      this.sharedBlocked = false;
      return -1;
    }
    const shared = this.sharedCap;
    if (shared !== void 0 && shared.running >= shared.concurrency) return -1;
    return this.res === void 0 ? this.takeUnconstrained() : this.takeConstrained();
  }
  /** The next blocked node (a need did not succeed), or -1. The caller must {@link Scheduler.settle} it. */
  takeBlocked() {
    while (this.blockedHead < this.blocked.length) {
      const node = this.blocked[this.blockedHead++];
      if (this.state[node] === QUEUED) return node;
    }
    return -1;
  }
  /** The first need of `node` that did not succeed, or -1. */
  blocker(node) {
    return this.blockedBy[node];
  }
  /**
   * Records that `node` ended and frees what it held. `ok` false (failed or skipped) blocks
   * every node that needs it. Works for running nodes and for nodes that never ran (skipped,
   * or restored from a journal).
   */
  settle(node, ok) {
    const state = this.state[node];
    if (state === SETTLED) return;
    this.state[node] = SETTLED;
    this.settledCount++;
    if (state === RUNNING) {
      this.runningCount--;
      this.release(node);
    } else if (state === QUEUED && this.blockedBy[node] === -1) {
      this.unqueue(node);
    }
    const { succOffsets, succs } = this.plan.graph;
    const remaining = this.remaining;
    for (let k = succOffsets[node], end = succOffsets[node + 1]; k < end; k++) {
      const next = succs[k];
      if (!ok && this.blockedBy[next] === -1) this.blockedBy[next] = node;
      if (--remaining[next] === 0 && this.state[next] === WAITING) {
        this.state[next] = QUEUED;
        if (this.blockedBy[next] === -1) this.enqueue(next);
        else this.blocked.push(next);
      }
    }
  }
  /** True while `node` is running. */
  isRunning(node) {
    return this.state[node] === RUNNING;
  }
  /** True once `node` has ended. */
  isSettled(node) {
    return this.state[node] === SETTLED;
  }
  /**
   * Ends this scheduler's use of shared limits: leaves the pool and returns what its running
   * nodes hold (their bodies are abandoned). Call when the run ends however it ends. Later
   * takes return -1; later settles only update the graph state. Idempotent.
   */
  close() {
    if (this.closed) return;
    for (let i = 0; i < this.state.length; i++) if (this.state[i] === RUNNING) this.release(i);
    this.closed = true;
    if (this.member !== void 0) this.pool.leave(this.member);
  }
  // ---------------------------------------------------------------- queues
  enqueue(node) {
    this.queuedCount++;
    this.version++;
    const res = this.res;
    if (res === void 0) {
      this.ready.push(node);
      return;
    }
    const c = res.demandClass[node];
    const queue = this.queues[c];
    const classes = this.classes;
    queue.push(node);
    if (!classes.has(c)) {
      classes.key[c] = this.plan.rank[node];
      classes.push(c);
    } else if (queue.peek() === node) {
      classes.key[c] = this.plan.rank[node];
      classes.update(c);
    }
  }
  /** A queued ready node settled without running (restored from a journal). */
  unqueue(node) {
    this.queuedCount--;
    const res = this.res;
    if (res === void 0) return;
    const c = res.demandClass[node];
    if (this.queues[c].peek() === node) this.popClass(c);
  }
  /** Pops the head of class c, drops stale nodes behind it and re-sorts the class. */
  popClass(c) {
    const queue = this.queues[c];
    const node = queue.pop();
    while (queue.size > 0 && this.state[queue.peek()] !== QUEUED) queue.pop();
    const classes = this.classes;
    if (queue.size === 0) {
      classes.remove(c);
    } else {
      classes.key[c] = this.plan.rank[queue.peek()];
      classes.update(c);
    }
    return node;
  }
  takeUnconstrained() {
    const ready = this.ready;
    let node = ready.pop();
    while (node >= 0 && this.state[node] !== QUEUED) node = ready.pop();
    if (node < 0) return -1;
    this.queuedCount--;
    this.start(node);
    return node;
  }
  takeConstrained() {
    const shared = this.sharedCap;
    if (this.stallVersion === this.version && (shared === void 0 || this.stallShared === shared.version)) return -1;
    const classes = this.classes;
    const top = classes.peek();
    if (top < 0) {
      this.sharedBlocked = false;
      return -1;
    }
    const rank = this.plan.rank;
    const head = this.queues[top].peek();
    const fitsLocal = this.fits(head, this.local, this.localPool, this.localKey);
    if (fitsLocal && this.fits(head, shared, this.sharedPool, this.sharedKey)) {
      this.sharedBlocked = false;
      return this.startClass(top);
    }
    this.sharedBlocked = shared !== void 0 && fitsLocal;
    const passes = this.passes;
    if (passes[head] >= this.backfillLimit) this.markDue(head);
    const limit = this.dueLimit();
    const popped = this.scratch;
    popped.push(classes.pop());
    let found = -1;
    while (classes.size > 0) {
      const c = classes.peek();
      const x = this.queues[c].peek();
      if (rank[x] > limit) break;
      if (this.fits(x, this.local, this.localPool, this.localKey) && this.fits(x, shared, this.sharedPool, this.sharedKey)) {
        found = c;
        break;
      }
      popped.push(classes.pop());
    }
    for (let k = 0; k < popped.length; k++) classes.push(popped[k]);
    popped.length = 0;
    if (found < 0) {
      this.stallVersion = this.version;
      this.stallShared = shared === void 0 ? 0 : shared.version;
      return -1;
    }
    const node = this.startClass(found);
    if (++passes[head] >= this.backfillLimit) this.markDue(head);
    return node;
  }
  startClass(c) {
    const node = this.popClass(c);
    this.queuedCount--;
    this.start(node);
    return node;
  }
  markDue(node) {
    const mark = this.dueMark;
    if (mark[node] === 1) return;
    mark[node] = 1;
    (this.due ??= new ReadyQueue(this.plan.rank)).push(node);
  }
  /** Rank of the best-ranked due node still waiting, or NO_LIMIT. */
  dueLimit() {
    const due = this.due;
    if (due === void 0) return NO_LIMIT;
    let d = due.peek();
    while (d >= 0 && this.state[d] !== QUEUED) {
      due.pop();
      d = due.peek();
    }
    return d < 0 ? NO_LIMIT : this.plan.rank[d];
  }
  // ---------------------------------------------------------------- capacity
  fits(node, cap, poolMap, keyMap) {
    if (cap === void 0) return true;
    const res = this.res;
    const k = res.key[node];
    if (k >= 0) {
      const j = keyMap[k];
      if (j >= 0 && cap.keyRunning[j] >= cap.keyLimit[j]) return false;
    }
    for (let e = res.offsets[node], end = res.offsets[node + 1]; e < end; e++) {
      const j = poolMap[res.pool[e]];
      if (j >= 0 && !within(cap.used[j] + res.amount[e], cap.cap[j])) return false;
    }
    return true;
  }
  start(node) {
    this.state[node] = RUNNING;
    this.runningCount++;
    const shared = this.sharedCap;
    if (shared !== void 0) shared.running++;
    const res = this.res;
    if (res === void 0) return;
    acquire(res, node, this.local, this.localPool, this.localKey);
    acquire(res, node, shared, this.sharedPool, this.sharedKey);
  }
  release(node) {
    if (this.closed) return;
    this.version++;
    const shared = this.sharedCap;
    if (shared !== void 0) {
      shared.running--;
      shared.version++;
    }
    const res = this.res;
    if (res === void 0) return;
    release(res, node, this.local, this.localPool, this.localKey);
    release(res, node, shared, this.sharedPool, this.sharedKey);
  }
};
function acquire(res, node, cap, poolMap, keyMap) {
  if (cap === void 0) return;
  const k = res.key[node];
  if (k >= 0 && keyMap[k] >= 0) cap.keyRunning[keyMap[k]]++;
  for (let e = res.offsets[node], end = res.offsets[node + 1]; e < end; e++) {
    const j = poolMap[res.pool[e]];
    if (j < 0) continue;
    cap.used[j] += res.amount[e];
    cap.holders[j]++;
  }
}
function release(res, node, cap, poolMap, keyMap) {
  if (cap === void 0) return;
  const k = res.key[node];
  if (k >= 0 && keyMap[k] >= 0) cap.keyRunning[keyMap[k]]--;
  for (let e = res.offsets[node], end = res.offsets[node + 1]; e < end; e++) {
    const j = poolMap[res.pool[e]];
    if (j < 0) continue;
    cap.used[j] = --cap.holders[j] === 0 ? 0 : cap.used[j] - res.amount[e];
  }
}
function merge(a, b, pick) {
  if (b === void 0) return { ...a };
  const out = { ...b };
  for (const name of Object.keys(a)) out[name] = Object.hasOwn(b, name) ? pick(a[name], b[name]) : a[name];
  return out;
}

// src/workflow/define-workflow.ts
import Type2 from "typebox";

// src/workflow/definition-error.ts
var WorkflowDefinitionError = class _WorkflowDefinitionError extends WeftError {
  /** Stable code. */
  static code = "WEFT_WORKFLOW_DEFINITION";
  constructor(workflowId, problems) {
    const lines = problems.map((p) => `  ${p.path || "/"}: ${p.message}`).join("\n");
    super(
      _WorkflowDefinitionError.code,
      `workflow "${workflowId}" has ${problems.length} problem${problems.length === 1 ? "" : "s"}:
${lines}`,
      { workflowId, problems }
    );
  }
};

// src/workflow/fingerprint.ts
import { createHash } from "node:crypto";
function canonicalJson(value) {
  return JSON.stringify(sortKeys(value));
}
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (v !== void 0 && typeof v !== "function") out[key] = sortKeys(v);
  }
  return out;
}
function fingerprintOf(value) {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 32);
}

// src/workflow/define-workflow.ts
var idPattern = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;
var defaultInput = Type2.Undefined();
function isValidId(id) {
  return typeof id === "string" && idPattern.test(id);
}
function describeId(id) {
  return typeof id === "string" ? JSON.stringify(id) : `a ${id === null ? "null" : typeof id}`;
}
function defineWorkflow(spec) {
  const problems = [];
  const workflowId = isValidId(spec.id) ? spec.id : String(spec.id);
  if (!isValidId(spec.id)) {
    problems.push({ path: "/id", code: "invalid-id", message: `workflow id must match ${idPattern} (1-128 characters), got ${describeId(spec.id)}` });
  }
  const version = spec.version === void 0 ? "1" : spec.version;
  if (typeof version !== "string" || version.length === 0) {
    problems.push({ path: "/version", code: "invalid-option", message: `version must be a non-empty string, got ${describeId(version)}` });
  }
  const input = spec.input === void 0 ? defaultInput : spec.input;
  if (!isContract(input)) problems.push({ path: "/input", code: "invalid-contract", message: "input must be a TypeBox schema" });
  if (spec.output !== void 0 && !isContract(spec.output)) {
    problems.push({ path: "/output", code: "invalid-contract", message: "output must be a TypeBox schema" });
  }
  if (spec.result !== void 0 && typeof spec.result !== "function") {
    problems.push({ path: "/result", code: "invalid-option", message: "result must be a function" });
  }
  if (!Array.isArray(spec.steps) || spec.steps.length === 0) {
    problems.push({ path: "/steps", code: "empty-workflow", message: "a workflow needs at least one step" });
  }
  const rawSteps = Array.isArray(spec.steps) ? spec.steps : [];
  const steps = [];
  const seen = /* @__PURE__ */ new Map();
  rawSteps.forEach((raw, position) => {
    const at = `/steps/${position}`;
    const stepId = isValidId(raw?.id) ? raw.id : void 0;
    const label = stepId === void 0 ? {} : { stepId };
    if (stepId === void 0) {
      problems.push({ path: `${at}/id`, code: "invalid-id", message: `step id must match ${idPattern}, got ${describeId(raw?.id)}` });
    } else if (seen.has(stepId)) {
      problems.push({ path: `${at}/id`, code: "duplicate-step", stepId, message: `duplicate step id "${stepId}" (first declared at /steps/${seen.get(stepId)})` });
    } else {
      seen.set(stepId, position);
    }
    let needs = [];
    if (raw?.needs !== void 0) {
      if (!Array.isArray(raw.needs)) {
        problems.push({ path: `${at}/needs`, code: "invalid-option", ...label, message: "needs must be an array of step ids" });
      } else {
        raw.needs.forEach((need, j) => {
          if (typeof need !== "string") {
            problems.push({ path: `${at}/needs/${j}`, code: "invalid-option", ...label, message: `a need must be a step id string, got ${describeId(need)}` });
          } else if (need === stepId) {
            problems.push({ path: `${at}/needs/${j}`, code: "self-dependency", ...label, message: `step "${need}" cannot need itself` });
          } else {
            needs.push(need);
          }
        });
        needs = [...new Set(needs)];
      }
    }
    if (!isContract(raw?.output)) {
      problems.push({ path: `${at}/output`, code: "invalid-contract", ...label, message: "output must be a TypeBox schema" });
    }
    const special = raw?.gate !== void 0 || raw?.child !== void 0;
    if (!special && typeof raw?.run !== "function") {
      problems.push({ path: `${at}/run`, code: "invalid-option", ...label, message: "run must be a function" });
    }
    if (raw?.gate !== void 0 && (typeof raw.gate !== "object" || raw.gate === null || typeof raw.gate.signal !== "string" || raw.gate.signal.length === 0)) {
      problems.push({ path: `${at}/gate`, code: "invalid-option", ...label, message: 'gate must be { signal: "<name>" }' });
    }
    if (raw?.child !== void 0) {
      const child = raw.child;
      if (typeof child !== "object" || child === null || typeof child.workflow?.fingerprint !== "string" || !Array.isArray(child.workflow?.steps)) {
        problems.push({ path: `${at}/workflow`, code: "invalid-option", ...label, message: "workflow must be a built Workflow" });
      } else if (child.input !== void 0 && typeof child.input !== "function") {
        problems.push({ path: `${at}/input`, code: "invalid-option", ...label, message: "input must be a function mapping { input, deps } to the child input" });
      }
    }
    for (const key of ["breaker", "bulkhead", "rateLimit"]) {
      const value = raw?.[key];
      if (value !== void 0 && (typeof value !== "object" || value === null || typeof value.key !== "string" || value.key.length === 0)) {
        problems.push({ path: `${at}/${key}`, code: "invalid-option", ...label, message: `${key} must be an object with a non-empty "key"` });
      }
    }
    if (raw?.fallback !== void 0 && (typeof raw.fallback !== "object" || raw.fallback === null || !("value" in raw.fallback))) {
      problems.push({ path: `${at}/fallback`, code: "invalid-option", ...label, message: "fallback must be { value, when? }" });
    }
    if (raw?.heal !== void 0 && (!Array.isArray(raw.heal) || raw.heal.some((r) => typeof r !== "object" || r === null || !("when" in r) || !["retry", "skip", "fail", "fallback"].includes(r.then ?? "")))) {
      problems.push({ path: `${at}/heal`, code: "invalid-option", ...label, message: "heal must be a list of { when, do?, then: 'retry' | 'skip' | 'fail' | 'fallback' }" });
    }
    if (raw?.sideEffects !== void 0 && typeof raw.sideEffects !== "boolean") {
      problems.push({ path: `${at}/sideEffects`, code: "invalid-option", ...label, message: "sideEffects must be a boolean" });
    }
    if (raw?.dryRun !== void 0 && typeof raw.dryRun !== "function") {
      problems.push({ path: `${at}/dryRun`, code: "invalid-option", ...label, message: "dryRun must be a function" });
    }
    if (raw?.when !== void 0 && typeof raw.when !== "function") {
      problems.push({ path: `${at}/when`, code: "invalid-option", ...label, message: "when must be a function returning a boolean" });
    }
    let estimate;
    if (raw?.estimate !== void 0) {
      estimate = parseDuration(raw.estimate);
      if (estimate === void 0) {
        problems.push({ path: `${at}/estimate`, code: "invalid-option", ...label, message: `estimate must be a non-negative duration (ms or '30s', '5m', '46h'), got ${JSON.stringify(raw.estimate)}` });
      }
    }
    const priority = raw?.priority === void 0 ? 0 : raw.priority;
    if (typeof priority !== "number" || !Number.isFinite(priority)) {
      problems.push({ path: `${at}/priority`, code: "invalid-option", ...label, message: `priority must be a finite number, got ${JSON.stringify(priority)}` });
    }
    if (raw?.meta !== void 0 && (typeof raw.meta !== "object" || raw.meta === null)) {
      problems.push({ path: `${at}/meta`, code: "invalid-option", ...label, message: "meta must be an object" });
    }
    const retry2 = checkRetry(raw?.retry, `${at}/retry`, label, problems);
    const compensateRetry = checkRetry(raw?.compensateRetry, `${at}/compensateRetry`, label, problems);
    let timeout;
    if (raw?.timeout !== void 0) {
      timeout = parseDuration(raw.timeout);
      if (timeout === void 0 || timeout <= 0) {
        problems.push({ path: `${at}/timeout`, code: "invalid-option", ...label, message: `timeout must be a positive duration (ms or '30s', '5m'), got ${JSON.stringify(raw.timeout)}` });
      }
    }
    const resources = checkResources2(raw?.resources, `${at}/resources`, label, problems);
    if (raw?.concurrencyKey !== void 0 && (typeof raw.concurrencyKey !== "string" || raw.concurrencyKey.length === 0)) {
      problems.push({ path: `${at}/concurrencyKey`, code: "invalid-option", ...label, message: "concurrencyKey must be a non-empty string" });
    }
    if (raw?.compensate !== void 0 && typeof raw.compensate !== "function") {
      problems.push({ path: `${at}/compensate`, code: "invalid-option", ...label, message: "compensate must be a function" });
    }
    if (stepId !== void 0 && seen.get(stepId) === position) {
      steps.push({
        id: stepId,
        index: steps.length,
        needs,
        output: raw.output,
        run: typeof raw.run === "function" ? raw.run : unreachableRun,
        ...raw.when === void 0 ? {} : { when: raw.when },
        ...estimate === void 0 ? {} : { estimate },
        priority: typeof priority === "number" ? priority : 0,
        ...typeof raw.description === "string" ? { description: raw.description } : {},
        ...raw.meta === void 0 ? {} : { meta: Object.freeze({ ...raw.meta }) },
        ...retry2 === void 0 ? {} : { retry: retry2 },
        ...timeout === void 0 ? {} : { timeout },
        ...resources === void 0 ? {} : { resources },
        ...typeof raw.concurrencyKey === "string" ? { concurrencyKey: raw.concurrencyKey } : {},
        ...typeof raw.compensate === "function" ? { compensate: raw.compensate } : {},
        ...compensateRetry === void 0 ? {} : { compensateRetry },
        ...raw.sideEffects === true ? { sideEffects: true } : {},
        ...typeof raw.dryRun === "function" ? { dryRun: raw.dryRun } : {},
        ...raw.breaker === void 0 ? {} : { breaker: raw.breaker },
        ...raw.bulkhead === void 0 ? {} : { bulkhead: raw.bulkhead },
        ...raw.rateLimit === void 0 ? {} : { rateLimit: raw.rateLimit },
        ...raw.fallback === void 0 ? {} : { fallback: raw.fallback },
        ...raw.heal === void 0 ? {} : { heal: Object.freeze([...raw.heal]) },
        ...raw.gate === void 0 ? {} : { gate: Object.freeze({ signal: raw.gate.signal }) },
        ...raw.child === void 0 ? {} : { child: Object.freeze({ ...raw.child }) }
      });
    }
  });
  const { graph, unknown } = indexGraph(steps);
  for (const { id, need } of unknown) {
    const position = seen.get(id);
    const j = rawSteps[position].needs.indexOf(need);
    problems.push({ path: `/steps/${position}/needs/${j}`, code: "unknown-need", stepId: id, message: `step "${id}" needs unknown step "${need}"` });
  }
  const cycle = findCycle(graph);
  if (cycle !== void 0) {
    problems.push({ path: `/steps/${seen.get(cycle[0])}`, code: "cycle", stepId: cycle[0], cycle, message: `dependency cycle: ${cycle.join(" -> ")}` });
  }
  const inputSchema = input;
  const outputSchema = spec.output;
  if (problems.length === 0) {
    const contracts = [["/input", inputSchema, void 0], ["/output", outputSchema, void 0]];
    steps.forEach((s) => contracts.push([`/steps/${seen.get(s.id)}/output`, s.output, s.id]));
    for (const [path, schema, stepId] of contracts) {
      if (schema === void 0) continue;
      try {
        compile(schema);
      } catch (error) {
        problems.push({ path, code: "invalid-contract", ...stepId === void 0 ? {} : { stepId }, message: `schema does not compile: ${error.message}` });
      }
    }
  }
  if (problems.length > 0) throw new WorkflowDefinitionError(workflowId, problems);
  const fingerprint = fingerprintOf({
    id: workflowId,
    version,
    input: inputSchema,
    output: outputSchema,
    result: spec.result === void 0 ? void 0 : "mapper",
    steps: steps.map((s) => ({
      id: s.id,
      needs: s.needs,
      output: s.output,
      when: s.when !== void 0,
      estimate: s.estimate,
      priority: s.priority,
      retry: s.retry === void 0 ? void 0 : { ...s.retry, retryOn: s.retry.retryOn === void 0 ? void 0 : "predicate" },
      timeout: s.timeout,
      resources: s.resources,
      concurrencyKey: s.concurrencyKey,
      compensate: s.compensate === void 0 ? void 0 : true,
      sideEffects: s.sideEffects,
      breaker: s.breaker === void 0 ? void 0 : { key: s.breaker.key, halfOpenAfter: s.breaker.halfOpenAfter },
      bulkhead: s.bulkhead,
      rateLimit: s.rateLimit,
      fallback: s.fallback === void 0 ? void 0 : true,
      heal: s.heal === void 0 ? void 0 : s.heal.map((r) => ({ name: r.name, then: r.then })),
      gate: s.gate?.signal,
      child: s.child === void 0 ? void 0 : s.child.workflow.fingerprint,
      compensateRetry: s.compensateRetry === void 0 ? void 0 : { ...s.compensateRetry, retryOn: s.compensateRetry.retryOn === void 0 ? void 0 : "predicate" }
    }))
  });
  for (const step2 of steps) Object.freeze(step2);
  return Object.freeze({
    id: workflowId,
    version,
    input: inputSchema,
    ...outputSchema === void 0 ? {} : { output: outputSchema },
    ...spec.result === void 0 ? {} : { result: spec.result },
    steps: Object.freeze(steps),
    stepById: new Map(steps.map((s) => [s.id, s])),
    graph,
    fingerprint
  });
}
var backoffs = /* @__PURE__ */ new Set(["constant", "linear", "exponential", "decorrelated-jitter"]);
function checkRetry(value, at, label, problems) {
  if (value === void 0) return void 0;
  if (typeof value !== "object" || value === null) {
    problems.push({ path: at, code: "invalid-option", ...label, message: "retry must be an object like { attempts: 3 }" });
    return void 0;
  }
  const r = value;
  const before2 = problems.length;
  if (typeof r.attempts !== "number" || !Number.isInteger(r.attempts) || r.attempts < 1) {
    problems.push({ path: `${at}/attempts`, code: "invalid-option", ...label, message: `retry.attempts must be an integer from 1 and up, got ${JSON.stringify(r.attempts)}` });
  }
  if (r.backoff !== void 0 && !backoffs.has(r.backoff)) {
    problems.push({ path: `${at}/backoff`, code: "invalid-option", ...label, message: `retry.backoff must be one of ${[...backoffs].join(", ")}, got ${JSON.stringify(r.backoff)}` });
  }
  for (const key of ["base", "max"]) {
    if (r[key] !== void 0 && parseDuration(r[key]) === void 0) {
      problems.push({ path: `${at}/${key}`, code: "invalid-option", ...label, message: `retry.${key} must be a duration, got ${JSON.stringify(r[key])}` });
    }
  }
  if (r.retryOn !== void 0 && typeof r.retryOn !== "function") {
    problems.push({ path: `${at}/retryOn`, code: "invalid-option", ...label, message: "retry.retryOn must be a function" });
  }
  return problems.length === before2 ? Object.freeze({ ...value }) : void 0;
}
function checkResources2(value, at, label, problems) {
  if (value === void 0) return void 0;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push({ path: at, code: "invalid-option", ...label, message: "resources must be an object like { cpu: 2 }" });
    return void 0;
  }
  const before2 = problems.length;
  for (const [pool, amount] of Object.entries(value)) {
    if (typeof amount !== "number" || !Number.isFinite(amount) || amount < 0) {
      problems.push({ path: `${at}/${pool}`, code: "invalid-option", ...label, message: `resources.${pool} must be a non-negative number, got ${JSON.stringify(amount)}` });
    }
  }
  return problems.length === before2 ? Object.freeze({ ...value }) : void 0;
}
function unreachableRun() {
  throw new Error("this step is run by the engine (gate or sub-workflow)");
}

// src/store/lease-arguments.ts
function assertLeaseArguments(owner, ttlMs) {
  if (typeof owner !== "string" || owner.length === 0 || owner.length > 256) throw new InvalidArgumentError("owner", "a string of 1 to 256 characters", owner);
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0) throw new InvalidArgumentError("ttlMs", "a finite number of milliseconds above 0", ttlMs);
}
function assertLease(lease) {
  const l = lease;
  if (typeof l !== "object" || l === null || typeof l.runId !== "string" || typeof l.owner !== "string" || !Number.isSafeInteger(l.token)) {
    throw new InvalidArgumentError("lease", "a lease returned by acquireLease", lease);
  }
}
function assertFence(fence) {
  if (fence !== void 0 && !(Number.isSafeInteger(fence) && fence >= 1)) throw new InvalidArgumentError("fence", "a lease token (an integer from 1)", fence);
}
function assertPruneOptions(options) {
  const o = options;
  if (typeof o !== "object" || o === null || o.olderThan === void 0 && o.keepLast === void 0) {
    throw new InvalidArgumentError("options", "an object with `olderThan` and/or `keepLast`", options);
  }
  if (o.olderThan !== void 0 && !(typeof o.olderThan === "number" && Number.isFinite(o.olderThan) && o.olderThan >= 0)) {
    throw new InvalidArgumentError("olderThan", "a number of milliseconds from 0", o.olderThan);
  }
  if (o.keepLast !== void 0 && !(Number.isSafeInteger(o.keepLast) && o.keepLast >= 0)) throw new InvalidArgumentError("keepLast", "an integer from 0", o.keepLast);
}

// src/store/store-errors.ts
var StoreError = class extends WeftError {
};
var RunNotFoundError = class _RunNotFoundError extends StoreError {
  /** Stable code. */
  static code = "WEFT_RUN_NOT_FOUND";
  constructor(runId) {
    super(_RunNotFoundError.code, `run "${runId}" does not exist in this store`, { runId });
  }
};
var RunExistsError = class _RunExistsError extends StoreError {
  /** Stable code. */
  static code = "WEFT_RUN_EXISTS";
  constructor(runId) {
    super(_RunExistsError.code, `run "${runId}" already exists in this store`, { runId });
  }
};
var JournalSequenceError = class _JournalSequenceError extends StoreError {
  /** Stable code. */
  static code = "WEFT_JOURNAL_SEQUENCE";
  constructor(runId, expected, found) {
    super(_JournalSequenceError.code, `run "${runId}": expected event seq ${expected}, got ${found}`, { runId, expected, found });
  }
};
var InvalidRunIdError = class _InvalidRunIdError extends StoreError {
  /** Stable code. */
  static code = "WEFT_INVALID_RUN_ID";
  constructor(runId, reason) {
    super(_InvalidRunIdError.code, `invalid run id ${JSON.stringify(runId)}: ${reason}`, { runId, reason });
  }
};
var LeaseLostError = class _LeaseLostError extends StoreError {
  /** Stable code. */
  static code = "WEFT_LEASE_LOST";
  constructor(runId, token, current, detail) {
    super(_LeaseLostError.code, `lease ${token} on run "${runId}" is lost${detail === void 0 ? current === void 0 ? "" : ` (current token ${current})` : `: ${detail}`}`, { runId, token, current });
  }
};

// src/store/run-id.ts
function runIdProblem(runId) {
  if (typeof runId !== "string") return `expected a string, got ${runId === null ? "null" : typeof runId}`;
  if (runId.includes("\0")) return "contains NUL";
  if (runId.includes("/") || runId.includes("\\")) return "contains a path separator";
  if (runId.includes("..")) return 'contains ".."';
  if (!isValidId(runId)) return "must be 1-128 characters of letters, digits, `_ . : -`, not starting with `.`, `:` or `-`";
  return void 0;
}
function assertRunId(runId) {
  const problem = runIdProblem(runId);
  if (problem !== void 0) throw new InvalidRunIdError(String(runId), problem);
}

// src/store/run-state.ts
function newestFirst(a, b) {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  if (a.ordinal !== b.ordinal) return b.ordinal - a.ordinal;
  return a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0;
}

// src/store/run-summary.ts
function statusAfter(event) {
  switch (event.type) {
    case "run.succeeded":
      return "succeeded";
    case "run.failed":
      return "failed";
    case "run.cancelled":
      return "cancelled";
    case "run.compensated":
      return "compensated";
    case "run.compensation-failed":
      return "compensation-failed";
    case "run.started":
      return "running";
    default:
      return void 0;
  }
}

// src/store/memory-store.ts
var MemoryStore = class {
  runs = /* @__PURE__ */ new Map();
  clock;
  counter = 0;
  /** Prefer {@link memoryStore}. */
  constructor(options = {}) {
    this.clock = options.clock ?? systemClock;
  }
  /** {@inheritDoc RunStore.create} */
  async create(header) {
    assertRunId(header?.runId);
    if (this.runs.has(header.runId)) throw new RunExistsError(header.runId);
    this.runs.set(header.runId, { header: { ...header }, events: [], status: "running", updatedAt: header.createdAt, order: this.counter++, lease: void 0 });
  }
  /** {@inheritDoc RunStore.append} */
  append(runId, events, options) {
    const run = this.runs.get(runId);
    if (run === void 0) throw new RunNotFoundError(runId);
    if (options?.fence !== void 0) {
      assertFence(options.fence);
      if (run.lease !== void 0 && run.lease.token > options.fence) throw new LeaseLostError(runId, options.fence, run.lease.token);
    }
    let next = run.events.length + 1;
    for (const event of events) {
      if (event.seq !== next) throw new JournalSequenceError(runId, next, event.seq);
      next++;
    }
    for (const event of events) {
      run.events.push(event);
      const status = statusAfter(event);
      if (status !== void 0) run.status = status;
    }
    if (events.length > 0) run.updatedAt = events[events.length - 1].at;
  }
  /** {@inheritDoc RunStore.read} */
  async *read(runId) {
    const run = this.runs.get(runId);
    if (run === void 0) {
      assertRunId(runId);
      throw new RunNotFoundError(runId);
    }
    const snapshot = run.events.length;
    for (let i = 0; i < snapshot; i++) yield run.events[i];
  }
  /** {@inheritDoc RunStore.get} */
  async get(runId) {
    const run = this.runs.get(runId);
    if (run === void 0) assertRunId(runId);
    return run === void 0 ? void 0 : summarize(run);
  }
  /** {@inheritDoc RunStore.list} */
  async *list(filter = {}) {
    let count = 0;
    for (const run of this.newestFirst()) {
      if (filter.limit !== void 0 && count >= filter.limit) return;
      if (filter.status !== void 0 && run.status !== filter.status) continue;
      if (filter.workflowId !== void 0 && run.header.workflowId !== filter.workflowId) continue;
      count++;
      yield summarize(run);
    }
  }
  /** {@inheritDoc RunStore.acquireLease} */
  async acquireLease(runId, owner, ttlMs) {
    assertRunId(runId);
    assertLeaseArguments(owner, ttlMs);
    const run = this.runs.get(runId);
    if (run === void 0) throw new RunNotFoundError(runId);
    const now = this.clock.now();
    const current = run.lease;
    if (current !== void 0 && !current.released && current.expiresAt > now) {
      if (current.owner !== owner) return void 0;
      current.expiresAt = now + ttlMs;
      return leaseOf(runId, current);
    }
    run.lease = { token: (current?.token ?? 0) + 1, owner, expiresAt: now + ttlMs, released: false };
    return leaseOf(runId, run.lease);
  }
  /** {@inheritDoc RunStore.renewLease} */
  async renewLease(lease, ttlMs) {
    assertLease(lease);
    assertLeaseArguments(lease.owner, ttlMs);
    const current = this.runs.get(lease.runId)?.lease;
    if (current === void 0 || current.token !== lease.token || current.owner !== lease.owner || current.released) {
      throw new LeaseLostError(lease.runId, lease.token, current?.token, current?.token === lease.token ? "the lease was released" : void 0);
    }
    current.expiresAt = this.clock.now() + ttlMs;
    return leaseOf(lease.runId, current);
  }
  /** {@inheritDoc RunStore.releaseLease} */
  async releaseLease(lease) {
    assertLease(lease);
    const current = this.runs.get(lease.runId)?.lease;
    if (current === void 0 || current.token !== lease.token || current.owner !== lease.owner) return;
    current.released = true;
    current.expiresAt = Math.min(current.expiresAt, this.clock.now());
  }
  /** {@inheritDoc RunStore.orphans} */
  async orphans(now = this.clock.now()) {
    return this.newestFirst().filter((run) => run.status === "running" && !(run.lease !== void 0 && !run.lease.released && run.lease.expiresAt > now)).map((run) => run.header.runId);
  }
  /** {@inheritDoc RunStore.prune} */
  async prune(options) {
    assertPruneOptions(options);
    const now = this.clock.now();
    const removed = [];
    let finished = 0;
    for (const run of this.newestFirst()) {
      if (run.status === "running") continue;
      const kept = options.keepLast !== void 0 && finished < options.keepLast;
      finished++;
      if (kept || options.olderThan !== void 0 && run.updatedAt >= now - options.olderThan) continue;
      this.runs.delete(run.header.runId);
      removed.push(run.header.runId);
    }
    return removed;
  }
  /** {@inheritDoc RunStore.health} */
  async health() {
    return { ok: true, checks: [{ name: "memory", ok: true, detail: `${this.runs.size} runs in memory` }] };
  }
  newestFirst() {
    return [...this.runs.values()].sort(
      (a, b) => newestFirst({ createdAt: a.header.createdAt, ordinal: a.order, runId: a.header.runId }, { createdAt: b.header.createdAt, ordinal: b.order, runId: b.header.runId })
    );
  }
};
function leaseOf(runId, lease) {
  return { runId, owner: lease.owner, token: lease.token, expiresAt: lease.expiresAt };
}
function summarize(run) {
  return { ...run.header, status: run.status, updatedAt: run.updatedAt, events: run.events.length };
}
function memoryStore(options = {}) {
  return new MemoryStore(options);
}

// src/telemetry/event-bus.ts
import { EventEmitter } from "eventemitter3";
var EventBus = class {
  emitter = new EventEmitter();
  listeners = 0;
  onListenerError;
  constructor(onListenerError = () => {
  }) {
    this.onListenerError = onListenerError;
  }
  on(type, listener) {
    const safe = (event) => {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    };
    this.emitter.on(type, safe);
    this.listeners++;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.listeners--;
      this.emitter.off(type, safe);
    };
  }
  /** Subscribes for one event only. */
  once(type, listener) {
    const off = this.on(type, (event) => {
      off();
      listener(event);
    });
    return off;
  }
  /** True when anybody listens. */
  get active() {
    return this.listeners > 0;
  }
  /** Delivers an event to listeners of its type, then to `'*'` listeners. */
  emit(event) {
    if (this.listeners === 0) return;
    this.emitter.emit(event.type, event);
    this.emitter.emit("*", event);
  }
};

// src/executor/inline-executor.ts
function inlineExecutor() {
  return {
    execute(task) {
      try {
        const result = task.step.run(task.ctx);
        return result instanceof Promise ? result : Promise.resolve(result);
      } catch (error) {
        return Promise.reject(error);
      }
    }
  };
}

// src/engine/engine-errors.ts
var RunFailedError = class _RunFailedError extends WeftError {
  /** Stable code. */
  static code = "WEFT_RUN_FAILED";
  constructor(data, cause) {
    super(_RunFailedError.code, `run "${data.runId}" of workflow "${data.workflowId}" failed at step${data.failedSteps.length === 1 ? "" : "s"} ${data.failedSteps.map((s) => `"${s}"`).join(", ")}`, data, { cause });
  }
};
var WorkflowChangedError = class _WorkflowChangedError extends WeftError {
  /** Stable code. */
  static code = "WEFT_WORKFLOW_CHANGED";
  constructor(data) {
    super(_WorkflowChangedError.code, `run "${data.runId}" started with a different definition of "${data.workflowId}" (fingerprint ${data.expected}, now ${data.found}): ${data.changes.map((c) => c.detail).join("; ")}`, data);
  }
};
var NonDeterminismError = class _NonDeterminismError extends WeftError {
  /** Stable code. */
  static code = "WEFT_NON_DETERMINISM";
  constructor(data) {
    super(_NonDeterminismError.code, `run "${data.runId}" diverged from its journal at event ${data.index}: expected ${JSON.stringify(data.expected)}, found ${JSON.stringify(data.found)}`, data);
  }
};
var InvalidJournalError = class _InvalidJournalError extends WeftError {
  /** Stable code. */
  static code = "WEFT_INVALID_JOURNAL";
  constructor(runId, reason) {
    super(_InvalidJournalError.code, `run "${runId}": ${reason}`, { runId, reason });
  }
};
var ChildRunFailedError = class _ChildRunFailedError extends WeftError {
  /** Stable code. */
  static code = "WEFT_CHILD_RUN_FAILED";
  constructor(data) {
    super(_ChildRunFailedError.code, `child run "${data.childRunId}" ${data.status}: ${data.error.message}`, data);
  }
};
var RunEndedError = class _RunEndedError extends WeftError {
  /** Stable code. */
  static code = "WEFT_RUN_ENDED";
  constructor(runId, status) {
    super(_RunEndedError.code, `run "${runId}" has already ended (${status})`, { runId, status });
  }
};
var LeaseConflictError = class _LeaseConflictError extends WeftError {
  /** Stable code. */
  static code = "WEFT_LEASE_CONFLICT";
  constructor(runId, owner) {
    super(_LeaseConflictError.code, `run "${runId}" is leased by another engine; "${owner}" cannot run it now`, { runId, owner });
  }
};

// src/engine/run-execution.ts
import { Value } from "typebox/value";

// src/resilience/arguments.ts
function durationOption(name, value, fallback, positive = false) {
  if (value === void 0) return fallback;
  const ms = parseDuration(value);
  if (ms === void 0 || positive && ms <= 0) {
    throw new InvalidArgumentError(name, `a ${positive ? "positive " : ""}duration (milliseconds, or a string like '250ms', '30s', '5m')`, value);
  }
  return ms;
}
function integerOption(name, value, fallback, min, infinite = false) {
  if (value === void 0) return fallback;
  if (typeof value === "number" && (Number.isInteger(value) && value >= min || infinite && value === Infinity)) return value;
  throw new InvalidArgumentError(name, `an integer from ${min} and up${infinite ? " (or Infinity)" : ""}`, value);
}
function rangeOption(name, value, fallback, min, max, minExclusive = false) {
  if (value === void 0) return fallback;
  if (typeof value === "number" && Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max) return value;
  throw new InvalidArgumentError(name, `a number from ${min}${minExclusive ? " (exclusive)" : ""} to ${max}`, value);
}
function functionOption(name, value) {
  if (value === void 0 || typeof value === "function") return value;
  throw new InvalidArgumentError(name, "a function", value);
}
function clockOption(name, value) {
  if (value === void 0 || typeof value === "object" && value !== null && typeof value.now === "function" && typeof value.sleep === "function") return value;
  throw new InvalidArgumentError(name, "a Clock (an object with now() and sleep())", value);
}
function objectOption(name, value) {
  if (value === void 0) return {};
  if (typeof value === "object" && value !== null) return value;
  throw new InvalidArgumentError(name, "an options object", value);
}
function invalid(name, expected, value) {
  throw new InvalidArgumentError(name, expected, value);
}

// src/resilience/policy.ts
var neverAborted = new AbortController().signal;
function resolveContext(ctx) {
  if (ctx === void 0) return { signal: neverAborted };
  if (ctx.signal !== void 0) return ctx;
  return { ...ctx, signal: neverAborted };
}
function invoke(fn, ctx) {
  return new Promise((resolve2) => resolve2(fn(ctx)));
}
function abortReason2(signal) {
  return signal.reason ?? new Error("aborted");
}
var Listeners = class {
  list = [];
  add(listener) {
    this.list = [...this.list, listener];
    return () => {
      this.list = this.list.filter((l) => l !== listener);
    };
  }
  emit(event) {
    for (const listener of this.list) listener(event);
  }
};

// src/resilience/wrap.ts
function wrap(...policies2) {
  for (let i = 0; i < policies2.length; i++) {
    const p = policies2[i];
    if (typeof p !== "object" || p === null || typeof p.execute !== "function") {
      invalid(`wrap[${i}]`, "a policy (an object with execute())", p);
    }
  }
  const list = Object.freeze([...policies2]);
  return {
    policies: list,
    execute(fn, ctx) {
      const run = (i, c) => {
        if (i === list.length) return invoke(fn, resolveContext(c));
        return list[i].execute((inner) => run(i + 1, inner), c);
      };
      return run(0, ctx);
    }
  };
}

// src/resilience/error-matcher.ts
import { isMatching } from "ts-pattern";
function isErrorClass(value) {
  return typeof value === "function" && (value === Error || value.prototype instanceof Error);
}
function matchesError(matcher, error) {
  if (isErrorClass(matcher)) return error instanceof matcher;
  if (typeof matcher === "function") return Boolean(matcher(error));
  return isMatching(matcher, error);
}

// src/resilience/resilience-errors.ts
var CircuitOpenError = class _CircuitOpenError extends WeftError {
  /** Stable code. */
  static code = "WEFT_CIRCUIT_OPEN";
  constructor(data) {
    const name = data.key === void 0 ? "circuit" : `circuit "${data.key}"`;
    const detail = data.state === "open" ? `is open${data.retryAfterMs === void 0 ? "" : `; next probe in ${data.retryAfterMs} ms`}` : "is half-open and its probe is running";
    super(_CircuitOpenError.code, `${name} ${detail}`, data);
  }
};
var BulkheadRejectedError = class _BulkheadRejectedError extends WeftError {
  /** Stable code. */
  static code = "WEFT_BULKHEAD_REJECTED";
  constructor(data) {
    super(_BulkheadRejectedError.code, `bulkhead${data.key === void 0 ? "" : ` "${data.key}"`} is full (${data.limit} running, ${data.queue} queued)`, data);
  }
};
var RemedyFailedError = class _RemedyFailedError extends WeftError {
  /** Stable code. */
  static code = "WEFT_REMEDY_FAILED";
  constructor(rule, name, healing2, cause) {
    const data = name === void 0 ? { rule, error: serializeError(healing2) } : { rule, name, error: serializeError(healing2) };
    super(_RemedyFailedError.code, `remedy ${name === void 0 ? `#${rule}` : `"${name}"`} failed while healing: ${data.error.message}`, data, { cause });
  }
};

// src/resilience/backoff.ts
function resolve(where, options) {
  const o = objectOption(where, options);
  return {
    base: durationOption(`${where}.base`, o.base, 1e3),
    max: durationOption(`${where}.max`, o.max, 3e5),
    jitter: rangeOption(`${where}.jitter`, o.jitter, 0, 0, 1)
  };
}
function curve(jitter, nominal) {
  return {
    delay(attempt, random) {
      const d = nominal(Math.max(1, attempt));
      return Math.round(jitter === 0 ? d : d * (1 - jitter * random()));
    },
    bounds(attempt) {
      const d = nominal(Math.max(1, attempt));
      return [Math.round(d * (1 - jitter)), Math.round(d)];
    }
  };
}
function constantBackoff(options) {
  const { base: base2, max, jitter } = resolve("constantBackoff", options);
  return curve(jitter, () => Math.min(max, base2));
}
function linearBackoff(options) {
  const { base: base2, max, jitter } = resolve("linearBackoff", options);
  return curve(jitter, (attempt) => Math.min(max, base2 * attempt));
}
function exponentialBackoff(options) {
  const { base: base2, max, jitter } = resolve("exponentialBackoff", options);
  const factor = rangeOption("exponentialBackoff.factor", options?.factor, 2, 1, Number.MAX_VALUE);
  return curve(jitter, (attempt) => Math.min(max, base2 * factor ** (attempt - 1)));
}
function decorrelatedJitter(options) {
  const o = objectOption("decorrelatedJitter", options);
  const base2 = durationOption("decorrelatedJitter.base", o.base, 1e3);
  const max = durationOption("decorrelatedJitter.max", o.max, 3e5);
  const upper = (previousDelay) => Math.max(base2, 3 * (previousDelay ?? base2));
  return {
    delay(_attempt, random, previousDelay) {
      return Math.round(Math.min(max, base2 + random() * (upper(previousDelay) - base2)));
    },
    bounds(_attempt, previousDelay) {
      return [Math.round(Math.min(max, base2)), Math.round(Math.min(max, upper(previousDelay)))];
    }
  };
}

// src/resilience/retry.ts
var neverRetried = /* @__PURE__ */ new Set(["WEFT_NON_RETRYABLE", "WEFT_CONTRACT_VIOLATION", "WEFT_CANCELLED"]);
function isNonRetryable(error) {
  const code = typeof error === "object" && error !== null ? error.code : void 0;
  return typeof code === "string" && neverRetried.has(code);
}
var RetryPolicyImpl = class {
  constructor(attempts, backoff, retryOn, clock, random) {
    this.attempts = attempts;
    this.backoff = backoff;
    this.retryOn = retryOn;
    this.clock = clock;
    this.random = random;
  }
  attempts;
  backoff;
  retryOn;
  clock;
  random;
  retried = new Listeners();
  gaveUp = new Listeners();
  decide(attempt, error, random, previousDelayMs) {
    if (isNonRetryable(error)) return { retry: false, reason: "non-retryable" };
    if (this.retryOn !== void 0 && !matchesError(this.retryOn, error)) return { retry: false, reason: "not-matched" };
    if (attempt >= this.attempts) return { retry: false, reason: "attempts-exhausted" };
    return { retry: true, delayMs: this.backoff.delay(attempt, random, previousDelayMs) };
  }
  onRetry(listener) {
    return this.retried.add(listener);
  }
  onGiveUp(listener) {
    return this.gaveUp.add(listener);
  }
  async execute(fn, partial) {
    const ctx = resolveContext(partial);
    const clock = this.clock ?? ctx.clock ?? systemClock;
    const random = this.random ?? ctx.random ?? mulberry32(hash32(ctx.key ?? ""));
    const key = ctx.key === void 0 ? {} : { key: ctx.key };
    let previous;
    for (let attempt = 1; ; attempt++) {
      if (ctx.signal.aborted) throw abortReason2(ctx.signal);
      try {
        return await invoke(fn, { ...ctx, attempt });
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        const decision = this.decide(attempt, error, random, previous);
        if (!decision.retry) {
          this.gaveUp.emit({ type: "retry.gave-up", ...key, attempt, error, reason: decision.reason });
          throw error;
        }
        this.retried.emit({ type: "retry.scheduled", ...key, attempt, error, delayMs: decision.delayMs });
        await clock.sleep(decision.delayMs, ctx.signal);
        previous = decision.delayMs;
      }
    }
  }
};
function retry(options) {
  const o = objectOption("retry", options);
  if (o.attempts === void 0) invalid("retry.attempts", "an integer from 1 and up (or Infinity)", void 0);
  const attempts = integerOption("retry.attempts", o.attempts, 1, 1, true);
  let backoff;
  const shared = { base: o.base, max: o.max };
  switch (o.backoff ?? "exponential") {
    case "constant":
      backoff = constantBackoff({ ...shared, jitter: o.jitter });
      break;
    case "linear":
      backoff = linearBackoff({ ...shared, jitter: o.jitter });
      break;
    case "exponential":
      backoff = exponentialBackoff({ ...shared, jitter: o.jitter });
      break;
    case "decorrelated-jitter":
      backoff = decorrelatedJitter(shared);
      break;
    default: {
      const b = o.backoff;
      if (typeof b !== "object" || b === null || typeof b.delay !== "function" || typeof b.bounds !== "function") {
        invalid("retry.backoff", "'constant', 'linear', 'exponential', 'decorrelated-jitter' or a Backoff", b);
      }
      backoff = b;
    }
  }
  return new RetryPolicyImpl(attempts, backoff, o.retryOn, clockOption("retry.clock", o.clock), functionOption("retry.random", o.random));
}

// src/resilience/circuit-breaker.ts
var states2 = /* @__PURE__ */ new Set(["closed", "open", "half-open"]);
function isCancellation(error) {
  return typeof error === "object" && error !== null && error.code === "WEFT_CANCELLED";
}
var CircuitBreakerImpl = class {
  constructor(halfOpenAfter, breaker, breakOn, clock, key, initial) {
    this.halfOpenAfter = halfOpenAfter;
    this.breaker = breaker;
    this.breakOn = breakOn;
    this.clock = clock;
    this.key = key;
    this.counts = breaker.initial();
    if (initial === void 0) return;
    this.current = initial.state;
    if (initial.state !== "closed") this.openedAt = Math.min(initial.openedAt, clock.now());
    if (initial.breaker.kind === breaker.kind && breaker.isState(initial.breaker.state)) this.counts = initial.breaker.state;
  }
  halfOpenAfter;
  breaker;
  breakOn;
  clock;
  key;
  changes = new Listeners();
  current = "closed";
  openedAt = 0;
  counts;
  /** Bumped on every transition: outcomes of calls admitted in an earlier state are ignored. */
  generation = 0;
  probing = false;
  get state() {
    this.refresh();
    return this.current;
  }
  onStateChange(listener) {
    return this.changes.add(listener);
  }
  toJSON() {
    this.refresh();
    const breaker = { kind: this.breaker.kind, state: this.counts };
    return this.current === "closed" ? { state: "closed", breaker } : { state: this.current, openedAt: this.openedAt, breaker };
  }
  async execute(fn, partial) {
    const ctx = resolveContext(partial);
    if (ctx.signal.aborted) throw abortReason2(ctx.signal);
    this.refresh();
    const key = this.key ?? ctx.key;
    if (this.current === "open") {
      throw new CircuitOpenError({ ...key === void 0 ? {} : { key }, state: "open", retryAfterMs: Math.max(0, this.openedAt + this.halfOpenAfter - this.clock.now()) });
    }
    const probe = this.current === "half-open";
    if (probe) {
      if (this.probing) throw new CircuitOpenError({ ...key === void 0 ? {} : { key }, state: "half-open" });
      this.probing = true;
    }
    const generation = this.generation;
    let value;
    try {
      value = await invoke(fn, ctx);
    } catch (error) {
      const counted = !ctx.signal.aborted && !isCancellation(error) && (this.breakOn === void 0 || matchesError(this.breakOn, error));
      this.settle(generation, probe, counted ? "failure" : void 0, error);
      throw error;
    }
    this.settle(generation, probe, "success", void 0);
    return value;
  }
  /** Moves an open circuit whose time is up to half-open. */
  refresh() {
    if (this.current !== "open") return;
    const now = this.clock.now();
    if (now < this.openedAt + this.halfOpenAfter) return;
    this.current = "half-open";
    this.generation++;
    this.probing = false;
    this.emit({ type: "breaker.half-open", at: now });
  }
  settle(generation, probe, outcome, error) {
    if (generation !== this.generation) return;
    if (probe) {
      if (outcome === void 0) this.probing = false;
      else if (outcome === "success") this.close();
      else this.open("probe-failed", error);
      return;
    }
    if (outcome === void 0) return;
    const { state, open } = this.breaker.record(this.counts, outcome, this.clock.now());
    this.counts = state;
    if (open) this.open("threshold", error);
  }
  open(reason, error) {
    this.current = "open";
    this.openedAt = this.clock.now();
    this.generation++;
    this.probing = false;
    this.emit({ type: "breaker.opened", at: this.openedAt, reason, error });
  }
  close() {
    this.current = "closed";
    this.counts = this.breaker.initial();
    this.generation++;
    this.probing = false;
    this.emit({ type: "breaker.closed", at: this.clock.now() });
  }
  emit(event) {
    this.changes.emit(this.key === void 0 ? event : { ...event, key: this.key });
  }
};
function checkSnapshot(name, value) {
  if (value === void 0) return void 0;
  const s = value;
  if (typeof s !== "object" || s === null || !states2.has(s.state)) invalid(name, "a snapshot from toJSON() ({ state: 'closed' | 'open' | 'half-open', \u2026 })", value);
  if (s.state !== "closed" && (typeof s.openedAt !== "number" || !Number.isFinite(s.openedAt))) invalid(`${name}.openedAt`, "a finite number", s.openedAt);
  if (typeof s.breaker !== "object" || s.breaker === null || typeof s.breaker.kind !== "string") invalid(`${name}.breaker`, "{ kind, state } from toJSON()", s.breaker);
  return s;
}
function checkBreaker(name, value) {
  const b = value;
  if (typeof b !== "object" || b === null || typeof b.kind !== "string" || typeof b.initial !== "function" || typeof b.record !== "function" || typeof b.isState !== "function") {
    invalid(name, "a Breaker, e.g. consecutiveBreaker(5) or samplingBreaker({ threshold, duration })", value);
  }
  return b;
}
function circuitBreaker(options) {
  const o = objectOption("circuitBreaker", options);
  if (o.halfOpenAfter === void 0) invalid("circuitBreaker.halfOpenAfter", "a duration", void 0);
  const halfOpenAfter = durationOption("circuitBreaker.halfOpenAfter", o.halfOpenAfter, 0);
  const breaker = checkBreaker("circuitBreaker.breaker", o.breaker);
  if (o.key !== void 0 && (typeof o.key !== "string" || o.key === "")) invalid("circuitBreaker.key", "a non-empty string", o.key);
  const clock = clockOption("circuitBreaker.clock", o.clock) ?? systemClock;
  return new CircuitBreakerImpl(halfOpenAfter, breaker, o.breakOn, clock, o.key, checkSnapshot("circuitBreaker.initialState", o.initialState));
}
function breakerRegistry(options) {
  const o = objectOption("breakerRegistry", options);
  const clock = clockOption("breakerRegistry.clock", o.clock);
  const saved = objectOption("breakerRegistry.initialState", o.initialState);
  const breakers = /* @__PURE__ */ new Map();
  const changes = new Listeners();
  return {
    get(key, breakerOptions) {
      const existing = breakers.get(key);
      if (existing !== void 0) return existing;
      if (typeof key !== "string" || key === "") invalid("key", "a non-empty string", key);
      const b = objectOption("breakerRegistry.get", breakerOptions);
      const created = circuitBreaker({
        ...b,
        key,
        clock: b.clock ?? clock,
        initialState: b.initialState ?? (Object.hasOwn(saved, key) ? saved[key] : void 0)
      });
      created.onStateChange((event) => changes.emit(event));
      breakers.set(key, created);
      return created;
    },
    has: (key) => breakers.has(key),
    keys: () => [...breakers.keys()],
    onStateChange: (listener) => changes.add(listener),
    toJSON() {
      const out = { ...saved };
      for (const [key, breaker] of breakers) out[key] = breaker.toJSON();
      return out;
    }
  };
}

// src/resilience/bulkhead.ts
var BulkheadImpl = class {
  constructor(limit, queue) {
    this.limit = limit;
    this.queue = queue;
  }
  limit;
  queue;
  running = 0;
  waiting = [];
  get executing() {
    return this.running;
  }
  get queued() {
    return this.waiting.length;
  }
  execute(fn, partial) {
    const ctx = resolveContext(partial);
    const { signal } = ctx;
    if (signal.aborted) return Promise.reject(abortReason2(signal));
    if (this.running < this.limit) return this.run(fn, ctx);
    if (this.waiting.length >= this.queue) {
      return Promise.reject(new BulkheadRejectedError({ ...ctx.key === void 0 ? {} : { key: ctx.key }, limit: this.limit, queue: this.queue }));
    }
    return new Promise((resolve2, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(abortReason2(signal));
      };
      const waiter = {
        start: () => {
          signal.removeEventListener("abort", onAbort);
          this.run(fn, ctx).then(resolve2, reject);
        }
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }
  run(fn, ctx) {
    this.running++;
    return invoke(fn, ctx).finally(() => {
      this.running--;
      while (this.running < this.limit && this.waiting.length > 0) this.waiting.shift().start();
    });
  }
};
function bulkhead(options) {
  const o = objectOption("bulkhead", options);
  if (o.limit === void 0) invalid("bulkhead.limit", "an integer from 1 and up", void 0);
  return new BulkheadImpl(integerOption("bulkhead.limit", o.limit, 1, 1), integerOption("bulkhead.queue", o.queue, 0, 0, true));
}

// src/resilience/rate-limit.ts
var RateLimitImpl = class {
  constructor(tokens, perMs, clock) {
    this.tokens = tokens;
    this.perMs = perMs;
    this.clock = clock;
    this.units = tokens * perMs;
    this.updatedAt = clock.now();
  }
  tokens;
  perMs;
  clock;
  units;
  updatedAt;
  queue = [];
  wake;
  get available() {
    this.refill();
    return Math.floor(this.units / this.perMs);
  }
  get waiting() {
    return this.queue.length;
  }
  async execute(fn, partial) {
    const ctx = resolveContext(partial);
    await this.acquire(ctx.signal);
    return invoke(fn, ctx);
  }
  acquire(signal) {
    if (signal.aborted) return Promise.reject(abortReason2(signal));
    this.refill();
    if (this.queue.length === 0 && this.units >= this.perMs) {
      this.units -= this.perMs;
      return Promise.resolve();
    }
    return new Promise((resolve2, reject) => {
      const onAbort = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        if (this.queue.length === 0) this.cancelWake();
        reject(abortReason2(signal));
      };
      const waiter = {
        grant: () => {
          signal.removeEventListener("abort", onAbort);
          resolve2();
        }
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
      this.scheduleWake();
    });
  }
  refill() {
    const now = this.clock.now();
    if (now <= this.updatedAt) return;
    this.units = Math.min(this.tokens * this.perMs, this.units + (now - this.updatedAt) * this.tokens);
    this.updatedAt = now;
  }
  /** Sleeps until the head of the queue can have its token (one timer at most). */
  scheduleWake() {
    if (this.wake !== void 0 || this.queue.length === 0) return;
    const wake = new AbortController();
    this.wake = wake;
    const ms = Math.max(1, Math.ceil((this.perMs - this.units) / this.tokens));
    this.clock.sleep(ms, wake.signal).then(
      () => {
        if (this.wake !== wake) return;
        this.wake = void 0;
        this.refill();
        while (this.queue.length > 0 && this.units >= this.perMs) {
          this.units -= this.perMs;
          this.queue.shift().grant();
        }
        this.scheduleWake();
      },
      () => {
      }
      // cancelled: the queue emptied
    );
  }
  cancelWake() {
    this.wake?.abort();
    this.wake = void 0;
  }
};
function rateLimit(options) {
  const o = objectOption("rateLimit", options);
  if (o.tokens === void 0) invalid("rateLimit.tokens", "an integer from 1 and up", void 0);
  if (o.per === void 0) invalid("rateLimit.per", "a positive duration", void 0);
  const tokens = integerOption("rateLimit.tokens", o.tokens, 1, 1);
  const per = durationOption("rateLimit.per", o.per, 0, true);
  return new RateLimitImpl(tokens, per, clockOption("rateLimit.clock", o.clock) ?? systemClock);
}
function rateLimitRegistry(options) {
  const o = objectOption("rateLimitRegistry", options);
  const clock = clockOption("rateLimitRegistry.clock", o.clock);
  const limiters = /* @__PURE__ */ new Map();
  return {
    get(key, limiterOptions) {
      const existing = limiters.get(key);
      if (existing !== void 0) return existing;
      if (typeof key !== "string" || key === "") invalid("key", "a non-empty string", key);
      const l = objectOption("rateLimitRegistry.get", limiterOptions);
      const created = rateLimit({ ...l, clock: l.clock ?? clock });
      limiters.set(key, created);
      return created;
    },
    has: (key) => limiters.has(key),
    keys: () => [...limiters.keys()]
  };
}

// src/resilience/healing.ts
function selectRemedy(rules, error) {
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index];
    if (matchesError(rule.when, error)) return { index, rule };
  }
  return void 0;
}

// src/engine/retry-decision.ts
var policies = /* @__PURE__ */ new WeakMap();
function retryDelay(options, attempt, error, seed, key, previousDelayMs) {
  if (error?.code === "WEFT_SECRET_LEAK") return void 0;
  let policy = policies.get(options);
  if (policy === void 0) {
    policy = retry(options);
    policies.set(options, policy);
  }
  const decision = policy.decide(attempt, error, mulberry32(hash32(`${key}#${attempt}`, seed)), previousDelayMs);
  return decision.retry ? decision.delayMs : void 0;
}

// src/engine/compensation.ts
function emptyCompensationState() {
  return { attempts: /* @__PURE__ */ new Map(), compensated: /* @__PURE__ */ new Set(), failed: /* @__PURE__ */ new Set() };
}
var Compensation = class {
  constructor(host, steps, order, state, done) {
    this.host = host;
    this.steps = steps;
    this.order = order;
    this.state = state;
    this.done = done;
  }
  host;
  steps;
  order;
  state;
  done;
  position = 0;
  lastDelay = /* @__PURE__ */ new Map();
  start() {
    this.next();
  }
  next() {
    while (this.position < this.order.length) {
      const i = this.order[this.position];
      if (this.state.compensated.has(i) || this.state.failed.has(i)) {
        this.position++;
        continue;
      }
      this.attempt(i);
      return;
    }
    const ids = (set) => this.order.filter((i) => set.has(i)).map((i) => this.steps[i].id);
    this.done(ids(this.state.compensated), ids(this.state.failed));
  }
  attempt(i) {
    const host = this.host;
    const step2 = this.steps[i];
    const attempt = (this.state.attempts.get(i) ?? 0) + 1;
    this.state.attempts.set(i, attempt);
    host.record({ seq: host.nextSeq(), at: host.time(), runId: host.runId, type: "compensation.started", stepId: step2.id, attempt });
    host.afterCommit(() => {
      host.execute(i, attempt).then(
        () => {
          this.state.compensated.add(i);
          host.record({ seq: host.nextSeq(), at: host.time(), runId: host.runId, type: "compensation.succeeded", stepId: step2.id, attempt });
          this.position++;
          this.next();
          host.flush();
        },
        (error) => {
          const retry2 = compensationOf(step2).retry;
          const delay = retry2 === void 0 ? void 0 : retryDelay(retry2, attempt, error, host.seed, `${step2.id}#compensate`, this.lastDelay.get(i));
          if (delay !== void 0) this.lastDelay.set(i, delay);
          host.record({
            seq: host.nextSeq(),
            at: host.time(),
            runId: host.runId,
            type: "compensation.failed",
            stepId: step2.id,
            attempt,
            error: serializeError(error),
            willRetry: delay !== void 0,
            ...delay === void 0 ? {} : { delayMs: delay }
          });
          if (delay === void 0) {
            this.state.failed.add(i);
            this.position++;
            this.next();
            host.flush();
            return;
          }
          host.flush();
          host.clock.sleep(delay).then(() => {
            this.attempt(i);
            host.flush();
          });
        }
      );
    });
    host.flush();
  }
};
function compensationOf(step2) {
  if (step2.compensate === void 0) return void 0;
  return { run: step2.compensate, retry: step2.compensateRetry };
}

// src/engine/run-state.ts
var NOT_RUN = 0;
var RUNNING2 = 1;
var SUCCEEDED = 2;
var FAILED = 3;
var SKIPPED = 4;
var CANCELLED = 5;
var BACKOFF = 6;
var statusNames = ["not-run", "not-run", "succeeded", "failed", "skipped", "cancelled", "not-run"];
var RunState = class {
  constructor(steps) {
    this.steps = steps;
    const n = steps.length;
    this.status = new Uint8Array(n);
    this.attempts = new Int32Array(n);
    this.outputs = new Array(n);
  }
  steps;
  status;
  attempts;
  outputs;
  errors = /* @__PURE__ */ new Map();
  reasons = /* @__PURE__ */ new Map();
  simulated = /* @__PURE__ */ new Set();
  /** Steps whose output is their fallback. */
  fallbacks = /* @__PURE__ */ new Set();
  /** Self-healing actions taken per step. */
  healed = /* @__PURE__ */ new Map();
  /** Succeeded steps in completion order (kept only when some step has a compensation). */
  completion = [];
  compensation = emptyCompensationState();
  /** Signals received, latest payload per name. */
  signals = /* @__PURE__ */ new Map();
  /** Last retry delay of each step (decorrelated jitter continues from it). */
  lastDelay = /* @__PURE__ */ new Map();
  failedCount = 0;
  /** How each step ended, by step id. */
  stepResults(compensating) {
    const out = {};
    for (let i = 0; i < this.status.length; i++) {
      const code = this.status[i];
      const entry = { status: statusNames[code], attempts: this.attempts[i] };
      if (code === SUCCEEDED) entry.output = this.outputs[i];
      if (code === SUCCEEDED && this.simulated.has(i)) entry.simulated = true;
      if (code === SUCCEEDED && this.fallbacks.has(i)) entry.fallback = true;
      const healed = this.healed.get(i);
      if (healed !== void 0) entry.healed = healed;
      const error = this.errors.get(i);
      if (error !== void 0) entry.error = error;
      const reason = this.reasons.get(i);
      if (reason !== void 0) entry.reason = reason;
      if (compensating && code === SUCCEEDED && this.steps[i].compensate !== void 0) {
        entry.compensation = this.compensation.compensated.has(i) ? "compensated" : this.compensation.failed.has(i) ? "failed" : "pending";
      }
      out[this.steps[i].id] = entry;
    }
    return out;
  }
};
function applyJournal(state, workflow, validators, events) {
  const index = workflow.stepById;
  const { status, attempts, outputs } = state;
  let cancelled = false;
  const trackCompletion = workflow.steps.some((s) => s.compensate !== void 0);
  for (const event of events) {
    if (event.type === "signal.received") {
      state.signals.set(event.name, event.payload);
      continue;
    }
    if (!("stepId" in event) || event.stepId === void 0 || event.type === "plugin.recorded") continue;
    const step2 = index.get(event.stepId);
    if (step2 === void 0) continue;
    const i = step2.index;
    switch (event.type) {
      case "compensation.started":
      case "compensation.succeeded":
      case "compensation.failed": {
        const c = state.compensation;
        c.attempts.set(i, Math.max(c.attempts.get(i) ?? 0, event.attempt));
        if (event.type === "compensation.succeeded") c.compensated.add(i);
        else if (event.type === "compensation.failed" && !event.willRetry) c.failed.add(i);
        break;
      }
      case "step.started":
        attempts[i] = event.attempt;
        status[i] = RUNNING2;
        break;
      case "step.succeeded":
        if (!validators[i].Check(event.output)) {
          throw new ContractViolation({ workflowId: workflow.id, stepId: step2.id, direction: "step-output", issues: issuesOf(step2.output, event.output) });
        }
        status[i] = SUCCEEDED;
        outputs[i] = event.output;
        if (event.simulated === true) state.simulated.add(i);
        if (event.fallback === true) state.fallbacks.add(i);
        if (trackCompletion) state.completion.push(i);
        break;
      case "step.failed":
        attempts[i] = Math.max(attempts[i], event.attempt);
        if (event.delayMs !== void 0) state.lastDelay.set(i, event.delayMs);
        if (event.willRetry) {
          status[i] = NOT_RUN;
        } else {
          status[i] = FAILED;
          state.errors.set(i, event.error);
          state.failedCount++;
        }
        break;
      case "step.healed": {
        const list = state.healed.get(i) ?? [];
        list.push({ rule: event.rule, then: event.then });
        state.healed.set(i, list);
        break;
      }
      case "step.skipped":
        status[i] = SKIPPED;
        state.reasons.set(i, event.reason);
        break;
      case "step.cancelled":
        status[i] = CANCELLED;
        state.reasons.set(i, event.reason);
        cancelled = true;
        break;
    }
  }
  const last = events[events.length - 1];
  const terminal = isTerminalEvent(last) ? last : void 0;
  const restarted = [];
  for (let i = 0; i < status.length; i++) {
    if (status[i] !== RUNNING2) continue;
    status[i] = NOT_RUN;
    if (terminal === void 0) restarted.push(state.steps[i].id);
  }
  return { lastSeq: last.seq, startedAt: events[0].at, terminal, restarted, cancelled };
}

// src/engine/run-result.ts
function buildRunResult(runId, workflowId, startedAt, terminal, steps) {
  const base2 = { runId, workflowId, startedAt, endedAt: terminal.at };
  let computed;
  const result = terminal.type === "run.succeeded" ? { ...base2, status: "succeeded", output: terminal.output } : terminal.type === "run.failed" ? { ...base2, status: "failed", error: terminal.error } : terminal.type === "run.compensated" ? { ...base2, status: "compensated", error: terminal.error } : terminal.type === "run.compensation-failed" ? { ...base2, status: "compensation-failed", error: terminal.error } : { ...base2, status: "cancelled", error: serializeError(new CancelledError({ runId, reason: terminal.type === "run.cancelled" ? terminal.reason : "" })) };
  Object.defineProperty(result, "steps", {
    enumerable: true,
    get() {
      computed ??= steps();
      return computed;
    }
  });
  return result;
}

// src/engine/signal-board.ts
var SignalBoard = class {
  constructor(received) {
    this.received = received;
  }
  received;
  waiters = /* @__PURE__ */ new Map();
  /** Resolves with the payload of `name` once received; rejects when `signal` aborts. */
  wait(name, signal) {
    if (this.received.has(name)) return Promise.resolve(this.received.get(name));
    return new Promise((resolve2, reject) => {
      const waiter = { resolve: resolve2 };
      const list = this.waiters.get(name) ?? [];
      list.push(waiter);
      this.waiters.set(name, list);
      signal.addEventListener(
        "abort",
        () => {
          this.waiters.set(name, (this.waiters.get(name) ?? []).filter((w) => w !== waiter));
          reject(signal.reason);
        },
        { once: true }
      );
    });
  }
  /** Records `payload` for `name` and opens every gate waiting for it. */
  open(name, payload) {
    this.received.set(name, payload);
    const waiting = this.waiters.get(name) ?? [];
    this.waiters.delete(name);
    for (const waiter of waiting) waiter.resolve(payload);
  }
};

// src/engine/event-stream.ts
var EventStream = class {
  constructor(fromSeq, onClose) {
    this.fromSeq = fromSeq;
    this.onClose = onClose;
  }
  fromSeq;
  onClose;
  buffer = [];
  head = 0;
  waiting;
  failWaiting;
  ended = false;
  failure;
  push(event) {
    if (this.ended) return;
    if (this.waiting !== void 0) {
      const resolve2 = this.waiting;
      this.waiting = this.failWaiting = void 0;
      resolve2({ value: event, done: false });
    } else {
      this.buffer.push(event);
    }
  }
  end(error) {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    if (this.waiting !== void 0) {
      const resolve2 = this.waiting;
      const reject = this.failWaiting;
      this.waiting = this.failWaiting = void 0;
      if (error === void 0) resolve2({ value: void 0, done: true });
      else reject(error);
    }
  }
  next() {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head++];
      if (this.head > 1024 && this.head * 2 > this.buffer.length) {
        this.buffer.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) {
      return this.failure === void 0 ? Promise.resolve({ value: void 0, done: true }) : Promise.reject(this.failure);
    }
    return new Promise((resolve2, reject) => {
      this.waiting = resolve2;
      this.failWaiting = reject;
    });
  }
  return() {
    this.ended = true;
    this.buffer.length = 0;
    this.onClose(this);
    return Promise.resolve({ value: void 0, done: true });
  }
  [Symbol.asyncIterator]() {
    return this;
  }
};

// src/engine/step-runtime.ts
var StepRuntime = class {
  constructor(host, index, stepId, attempt, input, deps, keySuffix) {
    this.host = host;
    this.index = index;
    this.stepId = stepId;
    this.attempt = attempt;
    this.input = input;
    this.deps = deps;
    this.keySuffix = keySuffix;
  }
  host;
  index;
  stepId;
  attempt;
  input;
  deps;
  keySuffix;
  randomFn;
  nowFn;
  sleepFn;
  logger;
  get runId() {
    return this.host.runId;
  }
  get workflowId() {
    return this.host.workflowId;
  }
  get signal() {
    return this.host.signalFor(this.index, this.attempt);
  }
  get idempotencyKey() {
    return this.keySuffix === void 0 ? `${this.host.runId}/${this.stepId}` : `${this.host.runId}/${this.stepId}/${this.keySuffix}`;
  }
  // now/random/sleep are getters returning closures made on first use, so bodies may
  // destructure them (`({ sleep }) => sleep(10)`) without losing `this`, at no cost otherwise.
  get now() {
    return this.nowFn ??= () => this.host.now();
  }
  get random() {
    return this.randomFn ??= mulberry32(hash32(this.stepId, this.host.seed));
  }
  get sleep() {
    return this.sleepFn ??= (ms) => this.host.sleep(ms, this.signal);
  }
  get log() {
    if (this.logger === void 0) {
      const write = (level) => (message, data) => this.host.log({
        type: "step.log",
        runId: this.host.runId,
        stepId: this.stepId,
        at: this.host.now(),
        level,
        message,
        ...data === void 0 ? {} : { data }
      });
      this.logger = { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
    }
    return this.logger;
  }
};

// src/engine/definition-summary.ts
var summaries = /* @__PURE__ */ new WeakMap();
function summarize2(workflow) {
  let summary = summaries.get(workflow);
  if (summary === void 0) {
    summary = {
      input: fingerprintOf(workflow.input),
      ...workflow.output === void 0 ? {} : { output: fingerprintOf(workflow.output) },
      steps: workflow.steps.map((s) => ({ id: s.id, needs: [...s.needs], output: fingerprintOf(s.output) }))
    };
    summaries.set(workflow, summary);
  }
  return summary;
}
function diffDefinitions(before2, after) {
  if (before2 === void 0) return [{ kind: "other", detail: "the journal does not describe its definition" }];
  const changes = [];
  if (before2.input !== after.input) changes.push({ kind: "input-changed", detail: "the input contract changed" });
  if (before2.output !== after.output) changes.push({ kind: "output-changed", detail: "the output contract changed" });
  const old = new Map(before2.steps.map((s) => [s.id, s]));
  const now = new Map(after.steps.map((s) => [s.id, s]));
  for (const s of before2.steps) if (!now.has(s.id)) changes.push({ kind: "step-removed", stepId: s.id, detail: `step "${s.id}" was removed` });
  for (const s of after.steps) {
    const o = old.get(s.id);
    if (o === void 0) {
      changes.push({ kind: "step-added", stepId: s.id, detail: `step "${s.id}" was added` });
      continue;
    }
    if (o.needs.join("\0") !== s.needs.join("\0")) changes.push({ kind: "needs-changed", stepId: s.id, detail: `step "${s.id}" needs [${s.needs.join(", ")}] instead of [${o.needs.join(", ")}]` });
    if (o.output !== s.output) changes.push({ kind: "contract-changed", stepId: s.id, detail: `the output contract of step "${s.id}" changed` });
  }
  if (changes.length === 0) changes.push({ kind: "other", detail: "version, estimates, priorities, conditions or the output mapper changed" });
  return changes;
}

// src/engine/run-execution.ts
var RunExecution = class {
  constructor(services, workflow, plan, settings) {
    this.services = services;
    this.workflow = workflow;
    this.plan = plan;
    this.settings = settings;
    this.runId = settings.runId;
    this.workflowId = workflow.id;
    this.seed = settings.seed;
    this.steps = workflow.steps;
    this.scheduler = new Scheduler(plan.schedule, { concurrency: settings.concurrency });
    this.state = new RunState(workflow.steps);
    this.status = this.state.status;
    this.attempts = this.state.attempts;
    this.outputs = this.state.outputs;
    this.errors = this.state.errors;
    this.reasons = this.state.reasons;
    this.completion = this.state.completion;
    this.compensation = this.state.compensation;
    this.simulated = this.state.simulated;
    this.fallbacks = this.state.fallbacks;
    this.signals = new SignalBoard(this.state.signals);
    this.beforeStep = services.plugins.filter((p) => p.beforeStep !== void 0);
    this.afterStep = services.plugins.filter((p) => p.afterStep !== void 0);
    this.result = new Promise((resolve2, reject) => {
      this.resolveResult = resolve2;
      this.rejectResult = reject;
    });
  }
  services;
  workflow;
  plan;
  settings;
  runId;
  workflowId;
  seed;
  result;
  scheduler;
  steps;
  state;
  // Aliases of the state's per-step storage, for the hot path.
  status;
  attempts;
  outputs;
  errors;
  reasons;
  controllers = /* @__PURE__ */ new Map();
  timers = /* @__PURE__ */ new Map();
  runAbort;
  completion;
  compensation;
  afterCommitActions = [];
  compensating = false;
  simulated;
  fallbacks;
  signals;
  streams = /* @__PURE__ */ new Set();
  beforeStep;
  afterStep;
  seq = 0;
  committedSeq = 0;
  batch = [];
  launches = [];
  flushing = false;
  begun = false;
  stopping;
  cancelReason = "";
  finished = false;
  startedAt = 0;
  resolveResult;
  rejectResult;
  detachSignal;
  infrastructureFailed = false;
  lastContext;
  reactionAt = -1;
  appendOptions;
  resultSettled = false;
  // ---------------------------------------------------------------- lifecycle
  /** Creates the run in the store, journals `run.started`, runs `onRunStart` hooks, then schedules. */
  async begin() {
    const { store, clock } = this.services;
    const wf2 = this.workflow;
    try {
      if (this.settings.restored !== void 0) {
        if (this.restore(this.settings.restored)) return;
        if (!await this.takeLease()) return;
      } else {
        this.startedAt = clock.now();
        try {
          await store.create({
            runId: this.runId,
            workflowId: wf2.id,
            version: wf2.version,
            fingerprint: wf2.fingerprint,
            createdAt: this.startedAt,
            ...this.settings.parentRunId === void 0 ? {} : { parentRunId: this.settings.parentRunId }
          });
        } catch (error) {
          if (!isWeftError(error, "WEFT_RUN_EXISTS") || !await this.isEmptyRunOf(wf2)) throw error;
        }
        if (!await this.takeLease()) return;
        const started = {
          seq: ++this.seq,
          at: this.startedAt,
          runId: this.runId,
          type: "run.started",
          workflowId: wf2.id,
          version: wf2.version,
          fingerprint: wf2.fingerprint,
          input: this.settings.input,
          seed: this.seed,
          ...this.settings.concurrency === Infinity ? {} : { concurrency: this.settings.concurrency },
          failurePolicy: this.settings.failurePolicy,
          ...this.settings.parentRunId === void 0 ? {} : { parentRunId: this.settings.parentRunId },
          ...this.settings.dryRun === true ? { dryRun: true } : {},
          definition: summarize2(wf2)
        };
        await store.append(this.runId, [started], this.appendOptions);
        this.committedSeq = this.seq;
        this.report(started);
      }
      for (const plugin of this.services.plugins) if (plugin.onRunStart !== void 0) await plugin.onRunStart(this.hookContext(plugin));
    } catch (error) {
      if (this.committedSeq === 0 || this.settings.restored !== void 0) return this.abortInfrastructure(error);
      this.failRun(error);
      return;
    }
    this.begun = true;
    const signal = this.settings.signal;
    if (signal !== void 0) {
      const onAbort = () => this.cancel(reasonText(signal.reason, "signal aborted"));
      signal.addEventListener("abort", onAbort, { once: true });
      this.detachSignal = () => signal.removeEventListener("abort", onAbort);
      if (signal.aborted) return this.cancel(reasonText(signal.reason, "signal aborted"));
    }
    if (this.stopping === "cancelled") return this.stop("cancelled", this.cancelReason);
    if (this.state.failedCount > 0 && this.settings.failurePolicy === "failFast") return this.stop("failed", "a step failed before the run was resumed");
    this.drive();
  }
  /**
   * Rebuilds state from a journal (see {@link applyJournal}), settles the scheduler and
   * journals `run.resumed`. Returns true when the journal already ended the run.
   */
  restore(events) {
    const { lastSeq, startedAt, terminal, restarted, cancelled } = applyJournal(this.state, this.workflow, this.plan.validators, events);
    this.seq = lastSeq;
    this.committedSeq = lastSeq;
    this.startedAt = startedAt;
    for (let i = 0; i < this.status.length; i++) {
      const code = this.status[i];
      if (code !== NOT_RUN) this.scheduler.settle(i, code === SUCCEEDED);
    }
    if (terminal !== void 0) {
      this.finished = true;
      void this.settleResult(terminal);
      return true;
    }
    if (cancelled && this.state.failedCount === 0) {
      this.stopping = "cancelled";
      this.cancelReason = "cancelled before the run was resumed";
    }
    this.record({ seq: ++this.seq, at: this.services.clock.now(), runId: this.runId, type: "run.resumed", restarted });
    return false;
  }
  async isEmptyRunOf(wf2) {
    const summary = await this.services.store.get(this.runId);
    return summary !== void 0 && summary.events === 0 && summary.workflowId === wf2.id && summary.fingerprint === wf2.fingerprint;
  }
  /** Takes the run's lease when leasing is on; false (and the result rejected) when another engine holds it. */
  async takeLease() {
    if (this.settings.lease === void 0) return true;
    const token = await this.settings.lease(this);
    if (token === void 0) return false;
    this.appendOptions = { fence: token };
    return true;
  }
  /** The lease was lost: another engine took the run over. Stop without journaling anything. */
  leaseLost(error) {
    this.abortInfrastructure(error);
  }
  /** Cancels the run: running steps are aborted and recorded as cancelled, nothing new starts. */
  cancel(reason = "cancelled by caller") {
    if (this.finished || this.stopping !== void 0) return;
    if (!this.begun) {
      this.stopping = "cancelled";
      this.cancelReason = reason;
      return;
    }
    this.stop("cancelled", reason);
  }
  // ---------------------------------------------------------------- scheduling
  drive() {
    if (this.stopping === void 0 && !this.finished) this.pump();
    this.flush();
  }
  pump() {
    const scheduler = this.scheduler;
    for (; ; ) {
      for (let b = scheduler.takeBlocked(); b >= 0; b = scheduler.takeBlocked()) {
        const blocker = scheduler.blocker(b);
        this.skip(b, this.status[blocker] === FAILED ? "dependency-failed" : "dependency-skipped", this.steps[blocker].id);
      }
      const i = scheduler.take();
      if (i < 0) break;
      const step2 = this.steps[i];
      if (step2.when !== void 0) {
        let go;
        try {
          go = step2.when({ input: this.settings.input, deps: this.depsOf(i) }) === true;
        } catch (error) {
          this.attempts[i] = 1;
          this.status[i] = RUNNING2;
          this.fail(i, 1, error);
          if (this.stopping !== void 0) return;
          continue;
        }
        if (!go) {
          this.skip(i, "condition", void 0);
          continue;
        }
      }
      const attempt = ++this.attempts[i];
      this.status[i] = RUNNING2;
      this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: "step.started", stepId: step2.id, attempt });
      this.launches.push(i);
    }
    if (scheduler.done && !this.finished) this.finish();
  }
  skip(i, reason, dependency) {
    this.status[i] = SKIPPED;
    this.reasons.set(i, reason);
    const event = dependency === void 0 ? { seq: ++this.seq, at: this.time(), runId: this.runId, type: "step.skipped", stepId: this.steps[i].id, reason } : { seq: ++this.seq, at: this.time(), runId: this.runId, type: "step.skipped", stepId: this.steps[i].id, reason, dependency };
    this.record(event);
    this.scheduler.settle(i, false);
  }
  depsOf(i) {
    const { predOffsets, preds, ids } = this.workflow.graph;
    const deps = /* @__PURE__ */ Object.create(null);
    for (let k = predOffsets[i], end = predOffsets[i + 1]; k < end; k++) {
      const p = preds[k];
      deps[ids[p]] = this.outputs[p];
    }
    return deps;
  }
  // ---------------------------------------------------------------- executing
  launch(i) {
    const attempt = this.attempts[i];
    if (this.status[i] !== RUNNING2) return;
    const step2 = this.steps[i];
    const ctx = new StepRuntime(this, i, step2.id, attempt, this.settings.input, this.depsOf(i));
    this.lastContext = ctx;
    if (this.beforeStep.length > 0) {
      this.runStepHooks("before", i, attempt, void 0).then(
        () => this.execute(i, attempt, ctx),
        (error) => this.onError(i, attempt, error)
      );
    } else {
      this.execute(i, attempt, ctx);
    }
  }
  execute(i, attempt, ctx) {
    if (!this.isCurrent(i, attempt)) return;
    const timeout = this.steps[i].timeout;
    if (timeout !== void 0) this.armTimeout(i, attempt, timeout);
    const step2 = this.steps[i];
    let pending;
    try {
      if (step2.gate === void 0 && step2.child === void 0 && (step2.sideEffects !== true || this.settings.dryRun !== true)) {
        const guard = step2.breaker === void 0 && step2.bulkhead === void 0 && step2.rateLimit === void 0 ? void 0 : this.services.guards.guard(step2);
        const executor = this.services.executor;
        pending = guard === void 0 ? executor.execute({ step: step2, ctx }) : guard.execute(() => executor.execute({ step: step2, ctx }), { signal: ctx.signal });
      } else {
        pending = this.services.inline.execute({ step: this.engineStep(i, attempt), ctx });
      }
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => this.onValue(i, attempt, value),
      (error) => this.onError(i, attempt, error)
    );
  }
  /** The definition the engine runs for gates, sub-workflows and dry-run stand-ins. */
  engineStep(i, attempt) {
    const step2 = this.steps[i];
    if (step2.gate !== void 0) {
      const name = step2.gate.signal;
      return { ...step2, run: (ctx) => this.signals.wait(name, ctx.signal) };
    }
    if (step2.child !== void 0) {
      const child = step2.child;
      return {
        ...step2,
        run: (ctx) => this.services.runChild({
          parentRunId: this.runId,
          childRunId: `${this.runId}.${step2.id}.${attempt}`,
          workflow: child.workflow,
          input: child.input === void 0 ? void 0 : child.input({ input: ctx.input, deps: ctx.deps }),
          dryRun: this.settings.dryRun === true,
          signal: ctx.signal
        })
      };
    }
    this.simulated.add(i);
    return { ...step2, run: step2.dryRun ?? (() => Value.Create(step2.output)) };
  }
  /**
   * Journals a signal, then opens the gates waiting for it. The payload is checked against the
   * contract of every gate of this workflow that waits for `name`.
   */
  deliverSignal(name, payload) {
    for (const step2 of this.steps) {
      if (step2.gate?.signal !== name) continue;
      const issues = issuesOf(step2.output, payload);
      if (issues.length > 0) return Promise.reject(new ContractViolation({ workflowId: this.workflowId, stepId: step2.id, direction: "step-input", issues }));
    }
    return new Promise((resolve2, reject) => {
      this.result.catch(reject);
      this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: "signal.received", name, payload });
      this.afterCommitActions.push(() => {
        this.signals.open(name, payload);
        resolve2();
      });
      this.flush();
    });
  }
  /** True once the run has ended (or can no longer journal). */
  get ended() {
    return this.finished;
  }
  isCurrent(i, attempt) {
    return this.status[i] === RUNNING2 && this.attempts[i] === attempt && !this.finished;
  }
  onValue(i, attempt, value) {
    if (!this.isCurrent(i, attempt)) return;
    if (!this.plan.validators[i].Check(value)) {
      const step2 = this.steps[i];
      this.onError(i, attempt, new ContractViolation({ workflowId: this.workflowId, stepId: step2.id, direction: "step-output", issues: issuesOf(step2.output, value) }));
      return;
    }
    if (this.afterStep.length > 0) {
      this.runStepHooks("after", i, attempt, value).then(
        () => this.succeed(i, attempt, value),
        (error) => this.onError(i, attempt, error)
      );
      return;
    }
    this.succeed(i, attempt, value);
  }
  succeed(i, attempt, value) {
    if (!this.isCurrent(i, attempt)) return;
    this.disarmTimeout(i);
    this.status[i] = SUCCEEDED;
    this.outputs[i] = value;
    this.controllers.delete(i);
    if (this.plan.hasCompensation) this.completion.push(i);
    this.record(
      this.simulated.size > 0 && this.simulated.has(i) || this.fallbacks.size > 0 && this.fallbacks.has(i) ? {
        seq: ++this.seq,
        at: this.time(),
        runId: this.runId,
        type: "step.succeeded",
        stepId: this.steps[i].id,
        attempt,
        output: value,
        ...this.simulated.has(i) ? { simulated: true } : {},
        ...this.fallbacks.has(i) ? { fallback: true } : {}
      } : { seq: ++this.seq, at: this.time(), runId: this.runId, type: "step.succeeded", stepId: this.steps[i].id, attempt, output: value }
    );
    this.scheduler.settle(i, true);
    this.drive();
  }
  onError(i, attempt, error) {
    if (!this.isCurrent(i, attempt)) return;
    this.disarmTimeout(i);
    const step2 = this.steps[i];
    if (step2.heal !== void 0 && this.stopping === void 0 && !this.fallbacks.has(i)) {
      const remedy = selectRemedy(step2.heal, error);
      if (remedy !== void 0 && (this.state.healed.get(i)?.length ?? 0) < MAX_HEALS) return this.heal(i, attempt, error, remedy);
    }
    const delay = step2.retry === void 0 || this.stopping !== void 0 ? void 0 : retryDelay(step2.retry, attempt, error, this.seed, step2.id, this.state.lastDelay.get(i));
    if (delay === void 0) {
      if (step2.fallback !== void 0 && this.stopping === void 0 && !this.fallbacks.has(i) && matchesFallback(step2.fallback.when, error)) {
        return this.recover(i, attempt, error, step2.fallback.value);
      }
      this.fail(i, attempt, error);
      this.drive();
      return;
    }
    this.status[i] = BACKOFF;
    this.state.lastDelay.set(i, delay);
    this.controllers.delete(i);
    this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: "step.failed", stepId: step2.id, attempt, error: serializeError(error), willRetry: true, delayMs: delay });
    this.services.clock.sleep(delay, this.runSignal()).then(
      () => this.retry(i, attempt),
      () => {
      }
      // the run stopped during the backoff
    );
    this.flush();
  }
  /**
   * Self-healing: runs the matching rule's action (through the inline executor, so a replay
   * feeds it from the journal), journals `step.healed`, then applies the rule's outcome.
   */
  heal(i, attempt, error, remedy) {
    const step2 = this.steps[i];
    this.status[i] = BACKOFF;
    this.controllers.delete(i);
    const action = remedy.rule.do;
    const ctx = new StepRuntime(this, i, step2.id, attempt, this.settings.input, this.depsOf(i), "heal");
    const healStep = { ...step2, run: () => action === void 0 ? void 0 : action(error, { signal: this.runSignal(), attempt }) };
    let pending;
    try {
      pending = this.services.inline.execute({ step: healStep, ctx, kind: "heal" });
    } catch (failure) {
      pending = Promise.reject(failure);
    }
    pending.then(
      () => {
        if (this.status[i] !== BACKOFF || this.attempts[i] !== attempt || this.finished) return;
        const then = remedy.rule.then;
        const list = this.state.healed.get(i) ?? [];
        list.push({ rule: remedy.index, then });
        this.state.healed.set(i, list);
        this.record({
          seq: ++this.seq,
          at: this.time(),
          runId: this.runId,
          type: "step.healed",
          stepId: step2.id,
          attempt,
          rule: remedy.index,
          ...remedy.rule.name === void 0 ? {} : { name: remedy.rule.name },
          then,
          error: serializeError(error)
        });
        if (then === "retry") return this.retry(i, attempt);
        this.status[i] = RUNNING2;
        if (then === "skip") {
          this.status[i] = SKIPPED;
          this.reasons.set(i, "remedy");
          this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: "step.skipped", stepId: step2.id, reason: "remedy" });
          this.scheduler.settle(i, false);
          return this.drive();
        }
        if (then === "fallback") {
          const value = remedy.rule.fallback ?? step2.fallback?.value;
          if (value !== void 0) return this.recover(i, attempt, error, value);
        }
        this.fail(i, attempt, error);
        this.drive();
      },
      (failure) => {
        if (this.status[i] !== BACKOFF || this.attempts[i] !== attempt || this.finished) return;
        this.status[i] = RUNNING2;
        this.fail(i, attempt, new RemedyFailedError(remedy.index, remedy.rule.name, error, failure));
        this.drive();
      }
    );
  }
  /**
   * Fallback: the step failed for good; its fallback value (or the value a function of the
   * error returns) becomes its output, checked against the output contract.
   */
  recover(i, attempt, error, value) {
    const step2 = this.steps[i];
    this.status[i] = RUNNING2;
    this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: "step.fallback", stepId: step2.id, attempt, error: serializeError(error) });
    this.flush();
    const ctx = new StepRuntime(this, i, step2.id, attempt, this.settings.input, this.depsOf(i), "fallback");
    const fallbackStep = { ...step2, run: () => typeof value === "function" ? value(error) : value };
    let pending;
    try {
      pending = this.services.inline.execute({ step: fallbackStep, ctx, kind: "fallback" });
    } catch (failure) {
      pending = Promise.reject(failure);
    }
    this.fallbacks.add(i);
    pending.then(
      (output) => this.onValue(i, attempt, output),
      (failure) => {
        this.fallbacks.delete(i);
        if (!this.isCurrent(i, attempt)) return;
        this.fail(i, attempt, failure);
        this.drive();
      }
    );
  }
  /** Starts the next attempt of a step whose backoff elapsed. */
  retry(i, previous) {
    if (this.status[i] !== BACKOFF || this.attempts[i] !== previous || this.finished || this.stopping !== void 0) return;
    const attempt = ++this.attempts[i];
    this.status[i] = RUNNING2;
    this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: "step.started", stepId: this.steps[i].id, attempt });
    this.launches.push(i);
    this.flush();
  }
  /** Aborted when the run ends: cancels backoff waits and timeout timers. Created on first use. */
  runSignal() {
    this.runAbort ??= new AbortController();
    return this.runAbort.signal;
  }
  armTimeout(i, attempt, timeoutMs) {
    const timer = new AbortController();
    this.timers.set(i, timer);
    this.services.clock.sleep(timeoutMs, timer.signal).then(
      () => {
        if (!this.isCurrent(i, attempt)) return;
        const error = new StepTimeoutError({ runId: this.runId, stepId: this.steps[i].id, attempt, timeoutMs });
        this.controllers.get(i)?.abort(error);
        this.controllers.delete(i);
        this.onError(i, attempt, error);
      },
      () => {
      }
      // disarmed
    );
  }
  disarmTimeout(i) {
    if (this.timers.size === 0) return;
    const timer = this.timers.get(i);
    if (timer === void 0) return;
    this.timers.delete(i);
    timer.abort();
  }
  fail(i, attempt, error) {
    const serialized = serializeError(error);
    this.status[i] = FAILED;
    this.errors.set(i, serialized);
    this.state.failedCount++;
    this.controllers.delete(i);
    this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: "step.failed", stepId: this.steps[i].id, attempt, error: serialized, willRetry: false });
    this.scheduler.settle(i, false);
    if (this.settings.failurePolicy === "failFast") this.stop("failed", `step "${this.steps[i].id}" failed`);
  }
  /** Stops the run: records every running step as cancelled, aborts their signals, ends the run. */
  stop(kind, reason) {
    if (this.finished) return;
    this.stopping = kind;
    this.cancelReason = reason;
    const now = this.time();
    for (let i = 0; i < this.status.length; i++) {
      if (this.status[i] !== RUNNING2 && this.status[i] !== BACKOFF) continue;
      this.status[i] = CANCELLED;
      this.reasons.set(i, reason);
      const stepId = this.steps[i].id;
      const cancelled = new CancelledError({ runId: this.runId, stepId, reason });
      this.errors.set(i, serializeError(cancelled));
      this.record({ seq: ++this.seq, at: now, runId: this.runId, type: "step.cancelled", stepId, attempt: this.attempts[i], reason });
      this.controllers.get(i)?.abort(cancelled);
    }
    this.controllers.clear();
    this.finish();
    this.flush();
  }
  // ---------------------------------------------------------------- ending
  finish() {
    if (this.finished) return;
    this.finished = true;
    this.detachSignal?.();
    this.runAbort?.abort();
    for (const timer of this.timers.values()) timer.abort();
    this.timers.clear();
    const at = this.time();
    if (this.stopping === "cancelled") {
      this.record({ seq: ++this.seq, at, runId: this.runId, type: "run.cancelled", reason: this.cancelReason });
      return;
    }
    if (this.state.failedCount > 0) {
      const failedSteps = [];
      let cause;
      for (let i = 0; i < this.status.length; i++) {
        if (this.status[i] === FAILED) {
          failedSteps.push(this.steps[i].id);
          cause ??= this.errors.get(i);
        }
      }
      const error = serializeError(new RunFailedError({ runId: this.runId, workflowId: this.workflowId, failedSteps }));
      this.failWith(cause === void 0 ? error : { ...error, cause });
      return;
    }
    let output;
    try {
      output = this.computeOutput();
    } catch (error) {
      this.failWith(serializeError(error));
      return;
    }
    this.record({ seq: ++this.seq, at, runId: this.runId, type: "run.succeeded", output });
  }
  /** Ends a failed run: compensates its succeeded steps first when they have compensations. */
  failWith(error) {
    const order = this.completion.filter((i) => this.steps[i].compensate !== void 0).reverse();
    if (order.length === 0) {
      this.record({ seq: ++this.seq, at: this.time(), runId: this.runId, type: "run.failed", error });
      return;
    }
    this.compensating = true;
    new Compensation(this.compensationHost(), this.steps, order, this.compensation, (compensated, failed) => {
      const at = this.time();
      this.record(
        failed.length === 0 ? { seq: ++this.seq, at, runId: this.runId, type: "run.compensated", error, compensated } : { seq: ++this.seq, at, runId: this.runId, type: "run.compensation-failed", error, compensated, failed }
      );
    }).start();
  }
  compensationHost() {
    const host = { ...this.stepHostBase(), signalFor: () => new AbortController().signal };
    return {
      runId: this.runId,
      seed: this.seed,
      clock: this.services.clock,
      time: () => this.time(),
      nextSeq: () => ++this.seq,
      record: (event) => this.record(event),
      afterCommit: (action) => void this.afterCommitActions.push(action),
      flush: () => this.flush(),
      execute: (i, attempt) => {
        const step2 = this.steps[i];
        const compensate = step2.compensate;
        const output = this.outputs[i];
        const ctx = new StepRuntime(host, i, step2.id, attempt, this.settings.input, this.depsOf(i), "compensate");
        try {
          return this.services.executor.execute({ step: { ...step2, run: (c) => compensate(c, output) }, ctx, kind: "compensate" });
        } catch (error) {
          return Promise.reject(error);
        }
      }
    };
  }
  stepHostBase() {
    return {
      runId: this.runId,
      workflowId: this.workflowId,
      seed: this.seed,
      now: () => this.now(),
      sleep: (ms, signal) => this.sleep(ms, signal),
      log: (event) => this.log(event)
    };
  }
  computeOutput() {
    const wf2 = this.workflow;
    const steps = /* @__PURE__ */ Object.create(null);
    for (let i = 0; i < this.status.length; i++) if (this.status[i] === SUCCEEDED) steps[this.steps[i].id] = this.outputs[i];
    const output = wf2.result === void 0 ? steps : wf2.result({ input: this.settings.input, steps });
    if (wf2.output !== void 0) {
      const issues = issuesOf(wf2.output, output);
      if (issues.length > 0) throw new ContractViolation({ workflowId: wf2.id, direction: "workflow-output", issues });
    }
    return output;
  }
  /** A failure outside any step after the run started (a hook threw): the run fails. */
  failRun(error) {
    if (this.finished) return;
    this.finished = true;
    this.stopping = "failed";
    this.record({ seq: ++this.seq, at: this.services.clock.now(), runId: this.runId, type: "run.failed", error: serializeError(error) });
    this.flush();
  }
  /** The store failed: nothing more can be journaled, so nothing more may happen. */
  abortInfrastructure(error) {
    if (this.infrastructureFailed) return;
    this.infrastructureFailed = true;
    this.finished = true;
    this.detachSignal?.();
    for (const controller of this.controllers.values()) controller.abort(error);
    this.controllers.clear();
    for (const stream of this.streams) stream.end(error);
    this.streams.clear();
    this.rejectResult(error);
  }
  async settleResult(terminal) {
    const result = this.buildResult(terminal);
    const plugins = this.services.plugins;
    for (const plugin of plugins) {
      if (plugin.onRunEnd === void 0) continue;
      try {
        await plugin.onRunEnd({ ...this.hookContext(plugin), result });
      } catch (error) {
        this.report({ type: "engine.warning", runId: this.runId, at: this.services.clock.now(), message: `plugin "${plugin.name}" onRunEnd failed`, error: serializeError(error) });
      }
    }
    this.flush();
    this.resultSettled = true;
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    this.resolveResult(result);
  }
  buildResult(terminal) {
    return buildRunResult(this.runId, this.workflowId, this.startedAt, terminal, () => this.state.stepResults(this.compensating));
  }
  // ---------------------------------------------------------------- journal
  /**
   * The clock's time, read once per reaction (one synchronous pass from an outcome to the
   * commit): every event of the reaction carries the same `at`, and the clock is read once.
   */
  time() {
    if (this.reactionAt < 0) this.reactionAt = this.services.clock.now();
    return this.reactionAt;
  }
  record(event) {
    this.batch.push(event);
  }
  /** Appends the pending batch, then reports it and launches the steps it started. */
  flush() {
    this.reactionAt = -1;
    if (this.flushing) return;
    this.flushing = true;
    while (this.batch.length > 0) {
      const events = this.batch;
      const launches = this.launches;
      const actions = this.afterCommitActions;
      this.batch = [];
      this.launches = [];
      if (actions.length > 0) this.afterCommitActions = [];
      let pending;
      try {
        pending = this.services.store.append(this.runId, events, this.appendOptions);
      } catch (error) {
        this.flushing = false;
        return this.abortInfrastructure(error);
      }
      if (pending !== void 0) {
        pending.then(
          () => {
            this.flushing = false;
            this.committed(events, launches, actions);
            this.flush();
          },
          (error) => {
            this.flushing = false;
            this.abortInfrastructure(error);
          }
        );
        return;
      }
      this.committed(events, launches, actions);
    }
    this.flushing = false;
  }
  committed(events, launches, actions) {
    if (this.infrastructureFailed) return;
    this.committedSeq = events[events.length - 1].seq;
    for (const event of events) this.report(event);
    for (const i of launches) this.launch(i);
    if (actions.length > 0) for (const action of actions) action();
    const last = events[events.length - 1];
    if (isTerminalEvent(last)) void this.settleResult(last);
  }
  report(event) {
    this.services.bus.emit(event);
    this.services.telemetry?.event(event);
    if (this.streams.size > 0) for (const stream of this.streams) stream.push(event);
  }
  // ---------------------------------------------------------------- StepHost
  now() {
    return this.services.clock.now();
  }
  sleep(ms, signal) {
    return this.services.clock.sleep(ms, signal);
  }
  signalFor(i, attempt) {
    let controller = this.controllers.get(i);
    if (controller === void 0) {
      controller = new AbortController();
      if (this.isCurrent(i, attempt)) this.controllers.set(i, controller);
      else controller.abort(new CancelledError({ runId: this.runId, stepId: this.steps[i].id, reason: this.cancelReason || "attempt is over" }));
    }
    return controller.signal;
  }
  log(event) {
    this.report(event);
  }
  // ---------------------------------------------------------------- subscriptions and hooks
  /** Opens a live event stream starting after the last committed event. */
  subscribe() {
    const stream = new EventStream(this.committedSeq, (s) => this.streams.delete(s));
    if (this.resultSettled || this.infrastructureFailed) stream.end();
    else this.streams.add(stream);
    return stream;
  }
  hookContext(plugin, stepId) {
    return {
      runId: this.runId,
      workflow: this.workflow,
      input: this.settings.input,
      seed: this.seed,
      record: (name, data) => {
        this.record({
          seq: ++this.seq,
          at: this.services.clock.now(),
          runId: this.runId,
          type: "plugin.recorded",
          plugin: plugin.name,
          name,
          ...stepId === void 0 ? {} : { stepId },
          data
        });
      }
    };
  }
  async runStepHooks(which, i, attempt, output) {
    const stepId = this.steps[i].id;
    for (const plugin of which === "before" ? this.beforeStep : this.afterStep) {
      const ctx = { ...this.hookContext(plugin, stepId), stepId, attempt };
      if (which === "before") await plugin.beforeStep(ctx);
      else await plugin.afterStep({ ...ctx, output });
    }
  }
};
var MAX_HEALS = 3;
function matchesFallback(when, error) {
  if (error?.code === "WEFT_CANCELLED") return false;
  return when === void 0 || matchesError(when, error);
}
function reasonText(reason, fallback) {
  if (reason instanceof Error) return reason.message;
  if (typeof reason === "string") return reason;
  return fallback;
}

// src/engine/workflow-plan.ts
var plans = /* @__PURE__ */ new WeakMap();
function planOf(workflow) {
  let plan = plans.get(workflow);
  if (plan === void 0) {
    const steps = workflow.steps;
    plan = {
      schedule: schedulePlan(workflow.graph, {
        priority: (i) => steps[i].priority,
        estimate: (i) => steps[i].estimate ?? 1
      }),
      validators: steps.map((s) => compile(s.output)),
      hasConditions: steps.some((s) => s.when !== void 0),
      hasCompensation: steps.some((s) => s.compensate !== void 0)
    };
    plans.set(workflow, plan);
  }
  return plan;
}

// src/engine/lease-keeper.ts
var LeaseKeeper = class {
  constructor(store, lease, ttlMs, clock, lost) {
    this.store = store;
    this.ttlMs = ttlMs;
    this.clock = clock;
    this.lost = lost;
    this.current = lease;
    void this.loop();
  }
  store;
  ttlMs;
  clock;
  lost;
  stop = new AbortController();
  current;
  /** The fencing token appends must carry. */
  get token() {
    return this.current.token;
  }
  async loop() {
    const signal = this.stop.signal;
    for (; ; ) {
      try {
        await this.clock.sleep(this.ttlMs / 3, signal);
      } catch {
        return;
      }
      try {
        this.current = await this.store.renewLease(this.current, this.ttlMs);
      } catch (error) {
        if (!signal.aborted) this.lost(error);
        return;
      }
    }
  }
  /** Stops renewing and gives the lease up. */
  async release() {
    this.stop.abort();
    await this.store.releaseLease?.(this.current);
  }
};

// src/engine/step-guards.ts
var StepGuards = class {
  breakers;
  limiters;
  bulkheads = /* @__PURE__ */ new Map();
  guards = /* @__PURE__ */ new WeakMap();
  constructor(clock, bus) {
    this.breakers = breakerRegistry({ clock });
    this.limiters = rateLimitRegistry({ clock });
    this.breakers.onStateChange((event) => bus.emit({ type: event.type, key: event.key ?? "", at: event.at }));
  }
  /** The composed policy of a step, or undefined when it declares none. */
  guard(step2) {
    let guard = this.guards.get(step2);
    if (guard === void 0) {
      const layers = [];
      if (step2.rateLimit !== void 0) layers.push(this.limiters.get(step2.rateLimit.key, { tokens: step2.rateLimit.tokens, per: step2.rateLimit.per }));
      if (step2.bulkhead !== void 0) {
        const { key, limit, queue } = step2.bulkhead;
        let shared = this.bulkheads.get(key);
        if (shared === void 0) {
          shared = bulkhead({ limit, ...queue === void 0 ? {} : { queue } });
          this.bulkheads.set(key, shared);
        }
        layers.push(shared);
      }
      if (step2.breaker !== void 0) {
        const { key, halfOpenAfter, breaker, breakOn } = step2.breaker;
        layers.push(this.breakers.get(key, { halfOpenAfter, breaker, ...breakOn === void 0 ? {} : { breakOn } }));
      }
      guard = layers.length === 0 ? null : layers.length === 1 ? layers[0] : wrap(...layers);
      this.guards.set(step2, guard);
    }
    return guard ?? void 0;
  }
};

// src/engine/replay.ts
function comparable(event) {
  const { at: _at, ...rest } = event;
  if ("error" in rest) {
    const e = rest.error;
    return { ...rest, error: { name: e.name, message: e.message, code: e.code } };
  }
  return rest;
}
function same(a, b) {
  return JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
}
async function replayJournal(workflow, journal, failurePolicy) {
  const runId = journal[0].runId;
  const started = journal[0];
  const events = journal.filter((e) => e.type !== "plugin.recorded");
  const cuts = [];
  events.forEach((e, i) => e.type === "run.resumed" && cuts.push(i));
  let segments = 0;
  let from = 0;
  for (const cut of [...cuts, events.length]) {
    segments++;
    await replaySegment(workflow, events, from, cut, started, failurePolicy);
    from = cut;
  }
  return { runId, events: journal.length, segments };
}
async function replaySegment(workflow, events, from, to, started, failurePolicy) {
  const runId = started.runId;
  let cursor = from;
  let divergence;
  const pending = /* @__PURE__ */ new Map();
  const diverge = (expected, found) => {
    divergence ??= new NonDeterminismError({ runId, index: cursor < events.length ? events[cursor].seq : events.length + 1, expected, found });
  };
  const store = {
    create: async (_header) => {
    },
    append(_runId, appended) {
      for (const event of appended) {
        if (divergence !== void 0) return;
        if (cursor >= to) {
          if (to === events.length) diverge("end of journal", comparable(event));
          return;
        }
        const expected = events[cursor];
        if (!same(expected, event)) {
          diverge(comparable(expected), comparable(event));
          return;
        }
        cursor++;
      }
      queueMicrotask(advance);
    },
    read: async function* () {
    },
    get: async () => void 0,
    list: async function* () {
    }
  };
  const executor = {
    execute(task) {
      return new Promise((resolve2, reject) => {
        pending.set(`${task.kind ?? "run"}:${task.step.id}#${task.ctx.attempt}`, { resolve: resolve2, reject });
        queueMicrotask(advance);
      });
    }
  };
  const clock = new SimulatedClock({ start: started.at });
  const execution = new RunExecution(
    {
      store,
      executor,
      clock,
      bus: new EventBus(),
      telemetry: void 0,
      plugins: [],
      inline: executor,
      runChild: () => Promise.reject(new Error("replay never starts child runs")),
      guards: new StepGuards(clock, new EventBus())
    },
    workflow,
    planOf(workflow),
    {
      runId,
      seed: started.seed,
      input: started.input,
      concurrency: started.concurrency ?? Infinity,
      failurePolicy: started.failurePolicy ?? failurePolicy,
      signal: void 0,
      ...from === 0 ? {} : { restored: events.slice(0, from) },
      ...started.dryRun === true ? { dryRun: true } : {},
      ...started.parentRunId === void 0 ? {} : { parentRunId: started.parentRunId }
    }
  );
  function advance() {
    if (divergence !== void 0 || cursor >= to) return;
    const next = events[cursor];
    if (next.type === "run.cancelled" || next.type === "step.cancelled" && events.slice(cursor, to).some((e) => e.type === "run.cancelled")) {
      const end = events.slice(cursor, to).find((e) => e.type === "run.cancelled");
      execution.cancel(end.reason);
      return;
    }
    if (next.type === "signal.received") {
      void execution.deliverSignal(next.name, next.payload).catch(() => {
      });
      return;
    }
    if (!("stepId" in next) || next.stepId === void 0 || !("attempt" in next)) return;
    const at = `${next.stepId}#${next.attempt}`;
    const take = (kind) => {
      const waiting = pending.get(`${kind}:${at}`);
      if (waiting !== void 0) pending.delete(`${kind}:${at}`);
      return waiting;
    };
    const recorded = (e) => Object.assign(new Error(e.message), { name: e.name, ...e.code === void 0 ? {} : { code: e.code } });
    switch (next.type) {
      case "step.succeeded":
        take(next.fallback === true ? "fallback" : "run")?.resolve(next.output);
        return;
      case "step.failed": {
        const waiting = take("fallback") ?? take("run");
        waiting?.reject(recorded(next.error));
        return;
      }
      case "step.fallback":
        take("run")?.reject(recorded(next.error));
        return;
      case "step.healed": {
        const body = take("run");
        if (body !== void 0) body.reject(recorded(next.error));
        else take("heal")?.resolve(void 0);
        return;
      }
      case "compensation.succeeded":
        take("compensate")?.resolve(void 0);
        return;
      case "compensation.failed":
        take("compensate")?.reject(recorded(next.error));
        return;
    }
  }
  void execution.begin();
  let idle = 0;
  let lastCursor = -1;
  while (divergence === void 0 && cursor < to) {
    await new Promise((r) => setImmediate(r));
    if (cursor === lastCursor && clock.pending === 0) idle++;
    else idle = 0;
    lastCursor = cursor;
    advance();
    if (idle > 3) diverge(comparable(events[cursor]), "no event: the run is waiting");
  }
  if (divergence !== void 0) {
    execution.cancel("replay diverged");
    throw divergence;
  }
}

// src/engine/engine.ts
var Engine = class {
  store;
  executor;
  clock;
  entropy;
  telemetry;
  plugins;
  concurrency;
  failurePolicy;
  bus;
  active = /* @__PURE__ */ new Map();
  services;
  owner;
  leaseTtlMs;
  leaseClock;
  /**
   * The most recently ended run, kept alive on purpose: V8 holds the hidden classes of the run
   * loop's objects weakly, so when every run object has died (e.g. a forced GC between runs)
   * it drops them and deoptimizes the whole run loop, which then costs 5-10× until re-optimized.
   */
  lastEnded;
  constructor(options = {}) {
    this.store = options.store ?? memoryStore();
    this.executor = options.executor ?? inlineExecutor();
    this.clock = options.clock ?? systemClock;
    this.entropy = options.entropy ?? systemEntropy;
    this.telemetry = options.telemetry;
    this.plugins = [...options.plugins ?? []];
    this.concurrency = checkConcurrency("concurrency", options.concurrency);
    this.failurePolicy = checkPolicy("failurePolicy", options.failurePolicy);
    this.bus = new EventBus();
    this.owner = options.owner ?? `engine-${this.entropy.runId()}`;
    const ttl = parseDuration(options.leaseTtl ?? "30s");
    if (ttl === void 0 || ttl <= 0) throw new InvalidArgumentError("leaseTtl", "a positive duration (ms or '30s')", options.leaseTtl);
    this.leaseTtlMs = ttl;
    this.leaseClock = options.leaseClock ?? systemClock;
    this.services = {
      store: this.store,
      executor: this.executor,
      clock: this.clock,
      bus: this.bus,
      telemetry: this.telemetry,
      plugins: this.plugins,
      inline: inlineExecutor(),
      runChild: (request) => this.runChild(request),
      guards: new StepGuards(this.clock, this.bus)
    };
  }
  /**
   * Starts a run. The input is checked against the workflow's input contract first: a
   * violation throws a `ContractViolation` and nothing is journaled.
   * @example
   * ```ts
   * const run = engine.start(release, { tag: 'v1.2.0' })
   * for await (const e of run.events) console.log(e.type)
   * const result = await run.result
   * ```
   */
  start(workflow, ...args) {
    const [input, options = {}] = args;
    const wf2 = workflow;
    assert(wf2.input, input, { workflowId: wf2.id, direction: "workflow-input" });
    if (options.runId !== void 0 && !isValidId(options.runId)) {
      throw new InvalidArgumentError("runId", "letters, digits, `_ . : -` (1-128 characters, not starting with a dot or dash)", options.runId);
    }
    if (options.seed !== void 0 && !Number.isInteger(options.seed)) throw new InvalidArgumentError("seed", "an integer", options.seed);
    const execution = new RunExecution(
      this.services,
      wf2,
      planOf(wf2),
      {
        runId: options.runId ?? this.entropy.runId(),
        seed: (options.seed ?? this.entropy.seed()) | 0,
        input,
        concurrency: options.concurrency === void 0 ? this.concurrency : checkConcurrency("concurrency", options.concurrency),
        failurePolicy: options.failurePolicy === void 0 ? this.failurePolicy : checkPolicy("failurePolicy", options.failurePolicy),
        signal: options.signal,
        ...options.dryRun === true ? { dryRun: true } : {},
        ...options.parentRunId === void 0 ? {} : { parentRunId: options.parentRunId },
        ...this.store.acquireLease === void 0 ? {} : { lease: (run) => this.lease(run, void 0) }
      }
    );
    return this.launch(execution);
  }
  launch(execution) {
    if (this.active.has(execution.runId)) throw new InvalidArgumentError("runId", "a run that is not already active in this engine", execution.runId);
    this.active.set(execution.runId, execution);
    const done = () => {
      this.active.delete(execution.runId);
      this.lastEnded = execution;
    };
    execution.result.then(done, done);
    void execution.begin();
    const store = this.store;
    return {
      runId: execution.runId,
      seed: execution.seed,
      result: execution.result,
      events: {
        [Symbol.asyncIterator]: () => runEvents(store, execution)
      },
      cancel: (reason) => execution.cancel(reason)
    };
  }
  /**
   * Continues a run from its journal after a crash or a stop: steps with a recorded success
   * are not run again (their recorded outputs, checked again against their contracts, feed
   * their dependents); steps that had started without an end run again with the attempt count
   * continued. A run that already ended resolves with its recorded result. Refuses a
   * definition whose fingerprint differs from the journal's with a {@link WorkflowChangedError}
   * naming what changed, unless `allowDefinitionChange` is set.
   */
  async resume(runId, workflow, options = {}) {
    const wf2 = workflow;
    const journal = await this.journalOf(runId, wf2, options.allowDefinitionChange === true);
    const started = journal[0];
    let held;
    if (this.store.acquireLease !== void 0 && !isTerminalEvent(journal[journal.length - 1])) {
      held = await this.store.acquireLease(runId, this.owner, this.leaseTtlMs);
      if (held === void 0) throw new LeaseConflictError(runId, this.owner);
      journal.splice(0, journal.length, ...await this.journalOf(runId, wf2, options.allowDefinitionChange === true));
    }
    const execution = new RunExecution(
      this.services,
      wf2,
      planOf(wf2),
      {
        runId,
        seed: started.seed,
        input: started.input,
        concurrency: options.concurrency === void 0 ? started.concurrency ?? Infinity : checkConcurrency("concurrency", options.concurrency),
        failurePolicy: options.failurePolicy === void 0 ? started.failurePolicy ?? this.failurePolicy : checkPolicy("failurePolicy", options.failurePolicy),
        signal: options.signal,
        restored: journal,
        ...started.dryRun === true ? { dryRun: true } : {},
        ...started.parentRunId === void 0 ? {} : { parentRunId: started.parentRunId },
        ...held === void 0 ? {} : { lease: (run) => this.lease(run, held) }
      }
    );
    return this.launch(execution);
  }
  /**
   * Re-derives every decision of a recorded run from its recorded step outcomes, without
   * running any step body, and checks it against the journal. Throws a
   * {@link NonDeterminismError} at the first divergence (naming the event, what was expected
   * and what was found) and a {@link WorkflowChangedError} when the definition changed.
   */
  async replay(runId, workflow, options = {}) {
    const journal = await this.journalOf(runId, workflow, false);
    return replayJournal(workflow, journal, options.failurePolicy === void 0 ? this.failurePolicy : checkPolicy("failurePolicy", options.failurePolicy));
  }
  async journalOf(runId, wf2, allowChange) {
    const journal = [];
    for await (const event of this.store.read(runId)) journal.push(event);
    const started = journal[0];
    if (started === void 0 || started.type !== "run.started") throw new InvalidJournalError(runId, "the journal does not begin with run.started");
    if (started.workflowId !== wf2.id) throw new InvalidJournalError(runId, `the journal is a run of "${started.workflowId}", not "${wf2.id}"`);
    if (started.fingerprint !== wf2.fingerprint && !allowChange) {
      throw new WorkflowChangedError({
        runId,
        workflowId: wf2.id,
        expected: started.fingerprint,
        found: wf2.fingerprint,
        changes: diffDefinitions(started.definition, summarize2(wf2))
      });
    }
    return journal;
  }
  /**
   * Sends a signal to a run: opens its gates waiting for `name` (now or later) with `payload`.
   * For a run active in this engine the payload is checked against the gates' contracts
   * (`ContractViolation` with direction `step-input`); for a run no engine is running, the signal
   * is journaled and seen when the run is resumed. Resolves once the signal is journaled.
   */
  async signal(runId, name, payload) {
    if (typeof name !== "string" || name.length === 0) throw new InvalidArgumentError("name", "a non-empty signal name", name);
    const active = this.active.get(runId);
    if (active !== void 0 && !active.ended) return active.deliverSignal(name, payload);
    let last;
    for await (const event of this.store.read(runId)) last = event;
    if (last === void 0) throw new InvalidJournalError(runId, "the journal is empty");
    if (isTerminalEvent(last)) throw new RunEndedError(runId, last.type.slice("run.".length));
    await this.store.append(runId, [{ seq: last.seq + 1, at: this.clock.now(), runId, type: "signal.received", name, payload }]);
  }
  /**
   * Takes (or adopts) the lease of a run and keeps it until the run ends. Resolves the fencing
   * token, or undefined after failing the run with a LeaseConflictError.
   */
  async lease(run, held) {
    const lease = held ?? await this.store.acquireLease(run.runId, this.owner, this.leaseTtlMs);
    if (lease === void 0) {
      run.abortInfrastructure(new LeaseConflictError(run.runId, this.owner));
      return void 0;
    }
    const keeper = new LeaseKeeper(this.store, lease, this.leaseTtlMs, this.leaseClock, (error) => run.leaseLost(error));
    const release2 = () => void keeper.release().catch(() => {
    });
    run.result.then(release2, release2);
    return keeper.token;
  }
  /**
   * Self-healing of orphaned runs: finds runs still `running` whose owner's lease expired (their
   * engine died) and resumes them here. Each is resumed at most by one engine (leases).
   */
  async recover(options) {
    if (this.store.orphans === void 0) throw new InvalidArgumentError("store", "a store with leases (orphans())", "this store");
    const byId = new Map(options.workflows.map((w) => [w.id, w]));
    const resumed = [];
    const skipped = [];
    for (const runId of await this.store.orphans()) {
      if (this.active.has(runId)) continue;
      const summary = await this.store.get(runId);
      const wf2 = summary === void 0 ? void 0 : byId.get(summary.workflowId);
      if (wf2 === void 0) {
        skipped.push({ runId, reason: `no definition of workflow "${summary?.workflowId ?? "?"}" was given` });
        continue;
      }
      try {
        resumed.push(await this.resume(runId, wf2, { allowDefinitionChange: options.allowDefinitionChange === true }));
      } catch (error) {
        skipped.push({ runId, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    return { resumed, skipped };
  }
  async runChild(request) {
    const { childRunId, workflow, signal } = request;
    const existing = await this.store.get(childRunId);
    const handle = existing === void 0 ? this.start(workflow, request.input, { runId: childRunId, parentRunId: request.parentRunId, dryRun: request.dryRun, signal }) : await this.resume(childRunId, workflow, { signal });
    const result = await handle.result;
    if (result.status === "succeeded") return result.output;
    throw new ChildRunFailedError({ childRunId, status: result.status, error: result.error });
  }
  /** Starts a run and waits for its result. */
  run(workflow, ...args) {
    try {
      return this.start(workflow, ...args).result;
    } catch (error) {
      return Promise.reject(error);
    }
  }
  on(type, listener) {
    return this.bus.on(type, listener);
  }
  /** Summary of one run from the store. */
  get(runId) {
    return this.store.get(runId);
  }
  /** Runs in the store, newest first. */
  list(filter) {
    return this.store.list(filter);
  }
  /** Number of runs in progress in this engine. */
  get activeRuns() {
    return this.active.size;
  }
  /**
   * Cancels active runs (when `cancelActive`), waits for them to settle, then closes the
   * executor, telemetry and store.
   */
  async close(options = {}) {
    const runs = [...this.active.values()];
    if (options.cancelActive === true) for (const run of runs) run.cancel("engine closing");
    await Promise.allSettled(runs.map((r) => r.result));
    await this.executor.close?.();
    await this.telemetry?.flush?.();
    await this.store.close?.();
  }
};
async function* runEvents(store, execution) {
  const live = execution.subscribe();
  try {
    if (live.fromSeq > 0) {
      for await (const event of store.read(execution.runId)) {
        if (event.seq > live.fromSeq) break;
        yield event;
      }
    }
    yield* live;
  } finally {
    await live.return();
  }
}
function checkConcurrency(name, value) {
  if (value === void 0) return Infinity;
  if (value === Infinity || Number.isInteger(value) && value >= 1) return value;
  throw new InvalidArgumentError(name, "an integer from 1 and up (or Infinity)", value);
}
function checkPolicy(name, value) {
  if (value === void 0) return "failFast";
  if (value === "failFast" || value === "continue") return value;
  throw new InvalidArgumentError(name, "'failFast' or 'continue'", value);
}
function createEngine(options = {}) {
  return new Engine(options);
}

// bench/workloads.ts
var MOD = 1000000007;
function mulberry322(a) {
  return () => {
    a |= 0;
    a = a + 1831565813 | 0;
    let t = Math.imul(a ^ a >>> 15, 1 | a);
    t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t;
    return ((t ^ t >>> 14) >>> 0) / 4294967296;
  };
}
function fan(width, concurrency = 64) {
  const rnd = mulberry322(42);
  const n = width + 2;
  const weights = new Int32Array(n);
  const deps = [];
  for (let i = 0; i < n; i++) weights[i] = Math.floor(rnd() * 1e3);
  deps.push([]);
  for (let i = 1; i <= width; i++) deps.push([0]);
  deps.push(Array.from({ length: width }, (_, k) => k + 1));
  return { name: `W2 fan ${n}`, weights, deps, concurrency };
}
function sinks(shape2) {
  const used = new Uint8Array(shape2.weights.length);
  for (const d of shape2.deps) for (const x of d) used[x] = 1;
  const out = [];
  for (let i = 0; i < used.length; i++) if (used[i] === 0) out.push(i);
  return out;
}
async function stepFn(w, inputs) {
  let v = w;
  for (const x of inputs) v = (v + x.v) % MOD;
  return { v };
}

// bench/weft-workload.ts
import Type3 from "typebox";
var Output = Type3.Object({ v: Type3.Integer() });
function toWorkflow(shape2) {
  const ids = Array.from({ length: shape2.weights.length }, (_, i) => `s${i}`);
  const steps = ids.map((id, i) => {
    const w = shape2.weights[i];
    const needs = shape2.deps[i].map((d) => ids[d]);
    return {
      id,
      needs,
      output: Output,
      run: ({ deps }) => stepFn(w, needs.map((d) => deps[d]))
    };
  });
  const sinkIds = sinks(shape2).map((s) => ids[s]);
  return defineWorkflow({
    id: shape2.name.replace(/[^A-Za-z0-9]+/g, "-"),
    output: Type3.Integer(),
    result: ({ steps: steps2 }) => {
      let total = 0;
      for (const s of sinkIds) total = (total + steps2[s].v) % MOD;
      return total;
    },
    steps
  });
}

// bench/tmp-prof2.ts
var shape = fan(1e3, 64);
var wf = toWorkflow(shape);
var engine = createEngine({ concurrency: shape.concurrency });
for (let i = 0; i < 1500; i++) await engine.run(wf);
