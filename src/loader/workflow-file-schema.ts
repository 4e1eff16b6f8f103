import Type, { type Static } from 'typebox'
import { DurationSchema } from '../templates/index.js'
import { SECRET_NAME_PATTERN } from '../secrets/secret-name.js'

/** Step and workflow ids, as `defineWorkflow` accepts them. */
const idPattern = '^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$'
/** Template names, as a `TemplateRegistry` accepts them. */
const templateNamePattern = '^[A-Za-z0-9_@][A-Za-z0-9_.:/@-]{0,127}$'
/** RFC 6901 JSON pointers (`""` is the whole value). */
const pointerPattern = '^(/([^~/]|~[01])*)*$'

const idMessage = 'must be an id: 1-128 letters, digits and _ . : - (not starting with . : -)'
const Id = Type.String({ pattern: idPattern, description: 'An id: letters, digits and _ . : - (1-128 characters, not starting with . : -).', errorMessage: idMessage })
const TemplateName = Type.String({
  pattern: templateNamePattern,
  description: 'Name of a template in the registry the file is loaded with (built in: noop, sleep, simulate, exec).',
  errorMessage: 'must be a template name: 1-128 letters, digits and _ . : / @ -',
})
const JsonObject = Type.Unsafe<Readonly<Record<string, unknown>>>(Type.Object({}, { additionalProperties: true }))
const JsonSchemaObject = Type.Unsafe<Readonly<Record<string, unknown>>>(Type.Object({}, { additionalProperties: true, description: 'A JSON Schema.' }))
const ConditionRef = Type.Unsafe<FileCondition>({ $ref: '#/$defs/Condition' })

/**
 * A declarative condition in a workflow file (the `when` of a step): a test on the output of a
 * step the step `needs`, or a combination of conditions.
 *
 * - `{ step, path?, equals }`: the value at `path` (a JSON pointer into the step's output,
 *   `""` = the whole output, the default) deep-equals `equals`;
 * - `{ step, path?, notEquals }`: it does not (a missing value is not equal to anything);
 * - `{ step, path?, in: [...] }`: it deep-equals one of the listed values;
 * - `{ step, path?, exists: true | false }`: the path exists (or not) in the output;
 * - `{ not }`, `{ all: [...] }`, `{ any: [...] }`: negation, conjunction, disjunction.
 * @public
 */
export type FileCondition =
  | { readonly step: string; readonly path?: string; readonly equals: unknown }
  | { readonly step: string; readonly path?: string; readonly notEquals: unknown }
  | { readonly step: string; readonly path?: string; readonly in: readonly unknown[] }
  | { readonly step: string; readonly path?: string; readonly exists: boolean }
  | { readonly not: FileCondition }
  | { readonly all: readonly FileCondition[] }
  | { readonly any: readonly FileCondition[] }

const leaf = (operator: Record<string, ReturnType<typeof Type.Unknown> | ReturnType<typeof Type.Boolean> | ReturnType<typeof Type.Array>>) =>
  Type.Object(
    {
      step: Type.String({ pattern: idPattern, description: 'A step listed in `needs`.', errorMessage: idMessage }),
      path: Type.Optional(Type.String({ pattern: pointerPattern, description: 'JSON pointer into the step output; "" (the default) is the whole output.', errorMessage: 'must be a JSON pointer such as "/ok" or "/items/0/name" ("" for the whole output)' })),
      ...operator,
    },
    { additionalProperties: false },
  )

/**
 * JSON Schema of a {@link FileCondition} (it refers to itself as `#/$defs/Condition`).
 * @public
 */
export const ConditionSchema = Type.Union(
  [
    leaf({ equals: Type.Unknown() }),
    leaf({ notEquals: Type.Unknown() }),
    leaf({ in: Type.Array(Type.Unknown()) }),
    leaf({ exists: Type.Boolean() }),
    Type.Object({ not: ConditionRef }, { additionalProperties: false }),
    Type.Object({ all: Type.Array(ConditionRef, { minItems: 1 }) }, { additionalProperties: false }),
    Type.Object({ any: Type.Array(ConditionRef, { minItems: 1 }) }, { additionalProperties: false }),
  ],
  {
    description: 'A condition on the output of a needed step: {step, path, equals | notEquals | in | exists}, or {not}, {all: [...]}, {any: [...]}.',
  },
)

const Retry = Type.Object(
  {
    attempts: Type.Integer({ minimum: 1, description: 'Total attempts, the first included (1 = no retry).' }),
    backoff: Type.Optional(Type.Union([Type.Literal('constant'), Type.Literal('linear'), Type.Literal('exponential'), Type.Literal('decorrelated-jitter')], { description: "Delay growth between attempts. Default: 'exponential'.", errorMessage: "must be one of 'constant', 'linear', 'exponential', 'decorrelated-jitter'" })),
    base: Type.Optional(DurationSchema),
    max: Type.Optional(DurationSchema),
  },
  { additionalProperties: false, description: 'Retry policy of the attempts.' },
)

const Compensate = Type.Object(
  {
    uses: TemplateName,
    with: Type.Optional(JsonObject),
    retry: Type.Optional(Retry),
  },
  { additionalProperties: false, description: 'Template run to undo the step when the run fails after the step succeeded (saga).' },
)

/**
 * JSON Schema of one step of a workflow file.
 * @public
 */
export const FileStepSchema = Type.Object(
  {
    id: Id,
    needs: Type.Optional(Type.Array(Id, { description: 'Ids of the steps whose outputs this step needs (they run first).' })),
    uses: TemplateName,
    with: Type.Optional(Type.Unsafe<Readonly<Record<string, unknown>>>(Type.Object({}, { additionalProperties: true, description: "Parameters of the template, checked against its `with` contract." }))),
    when: Type.Optional(ConditionRef),
    estimate: Type.Optional(DurationSchema),
    retry: Type.Optional(Retry),
    timeout: Type.Optional(DurationSchema),
    resources: Type.Optional(Type.Record(Type.String(), Type.Number({ minimum: 0 }), { description: 'Resources held while running, by pool name, e.g. { "cpu": 2 }.' })),
    priority: Type.Optional(Type.Number({ description: 'Higher runs first among ready steps. Default: 0.' })),
    concurrencyKey: Type.Optional(Type.String({ minLength: 1, description: "Steps sharing a key share the engine's limits[key]." })),
    description: Type.Optional(Type.String()),
    inputs: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 256, description: "Globs of the files the step reads (e.g. ['src/**', 'package.json']): `weft run --affected` runs a step when one of them changed." }),
    ),
    secrets: Type.Optional(
      Type.Array(Type.String({ pattern: SECRET_NAME_PATTERN }), { maxItems: 64, description: "Secrets the step reads (e.g. the exec template's secretEnv), from the engine's secret provider." }),
    ),
    compensate: Type.Optional(Compensate),
  },
  { additionalProperties: false },
)

/**
 * The declarative workflow file format, as a TypeBox schema (exported as JSON Schema to
 * `schema/workflow.schema.json`). Unknown keys are errors everywhere.
 * @public
 */
export const WorkflowFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'Where editors find this schema.' })),
    id: Id,
    version: Type.Optional(Type.String({ minLength: 1, description: "Version label recorded with every run. Default: '1'." })),
    description: Type.Optional(Type.String()),
    input: Type.Optional(JsonSchemaObject),
    output: Type.Optional(JsonSchemaObject),
    steps: Type.Array(FileStepSchema, { minItems: 1 }),
  },
  {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Weft workflow file',
    description: 'A Weft workflow: steps that use registered templates, with needs, conditions and policies.',
    additionalProperties: false,
    $defs: { Condition: ConditionSchema },
  },
)

/**
 * A workflow file, as typed data.
 * @public
 */
export type WorkflowFile = Static<typeof WorkflowFileSchema>

/**
 * One step of a {@link WorkflowFile}.
 * @public
 */
export type FileStep = Static<typeof FileStepSchema>
