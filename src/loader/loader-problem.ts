import type { DefinitionProblem, WorkflowDefinitionError } from '../workflow/index.js'

/**
 * Finer kind of a {@link LoaderProblem} than its `code`:
 * - `syntax`: the text is not valid JSON or YAML (or holds more than one YAML document);
 * - `too-large` / `too-deep`: a size or nesting limit was exceeded (see {@link LoaderLimits});
 * - `forbidden-key`: a `__proto__`, `constructor` or `prototype` key;
 * - `duplicate-key`: a key given twice in one object;
 * - `not-json`: an object source holds something that is not JSON data (a function, a class
 *   instance, a cycle);
 * - `unknown-key`: a key the file format does not have (a typo, usually);
 * - `schema`: any other mismatch with the file format ({@link WorkflowFileSchema});
 * - `unknown-template`: `uses` names no template of the registry;
 * - `invalid-with`: `with` does not satisfy the template's contract;
 * - `invalid-when`: a `when` condition refers to a step outside `needs`;
 * - `definition`: found by `defineWorkflow` (unknown needs, cycles, duplicate ids, …).
 * @public
 */
export type LoaderProblemKind =
  | 'syntax'
  | 'too-large'
  | 'too-deep'
  | 'forbidden-key'
  | 'duplicate-key'
  | 'not-json'
  | 'unknown-key'
  | 'schema'
  | 'unknown-template'
  | 'invalid-with'
  | 'invalid-when'
  | 'definition'

/**
 * One problem of a workflow file: a {@link DefinitionProblem} (JSON pointer, code, step id,
 * message) with its finer `kind` and, when the source was text, its 1-based line and column.
 * @public
 */
export interface LoaderProblem extends DefinitionProblem {
  /** Finer kind of the problem. */
  readonly kind: LoaderProblemKind
  /** 1-based line in the source text, when known. */
  readonly line?: number
  /** 1-based column in the source text, when known. */
  readonly column?: number
}

/**
 * True when a problem of a `WorkflowDefinitionError` came from the declarative loader (and so
 * has a `kind`, and possibly `line` and `column`).
 * @public
 */
export function isLoaderProblem(problem: DefinitionProblem): problem is LoaderProblem {
  return typeof (problem as { kind?: unknown }).kind === 'string'
}

/**
 * The problems of a `WorkflowDefinitionError` thrown by the loader, typed as
 * {@link LoaderProblem}s (problems without a `kind` are given `definition`).
 * @public
 */
export function loaderProblemsOf(error: WorkflowDefinitionError): readonly LoaderProblem[] {
  return error.data.problems.map((p) => (isLoaderProblem(p) ? p : { ...p, kind: 'definition' as const }))
}
