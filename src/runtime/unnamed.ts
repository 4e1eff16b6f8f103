/**
 * Returns `fn` as it is. A function created as the value of a `const`, a property or a class field
 * gets that name, and esbuild's `keepNames` (on in this package's build and in `tsx`) then sets
 * it with `Object.defineProperty` every time the function is created: about 300 ns per closure
 * against 20 ns. Closures created for every run or every step are passed through this instead,
 * which leaves them unnamed (an argument gets no name), so they cost what a closure costs.
 * `tests/engine/run-objects-gc.test.ts` counts the names set during a run.
 * @internal
 */
export function unnamed<F extends (...args: never[]) => unknown>(fn: F): F {
  return fn
}
