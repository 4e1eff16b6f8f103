import Type, { type Static } from 'typebox'
import { SECRET_NAME_PATTERN } from '../secrets/secret-name.js'

const Duration = Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' })], {
  description: "Milliseconds, or a string such as '30s', '5m', '2h'",
})

/**
 * The schema of `weft.config.json` (also `.weft/config.json`). Exported as JSON Schema at
 * `schema/config.schema.json` for editors.
 * @public
 */
export const WeftConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    store: Type.Optional(
      Type.Object(
        {
          dir: Type.Optional(Type.String({ minLength: 1, description: 'Directory of the file journal. Default: .weft' })),
          durability: Type.Optional(Type.Union([Type.Literal('always'), Type.Literal('batch'), Type.Literal('none')], { description: "fsync policy. Default: 'always'" })),
        },
        { additionalProperties: false },
      ),
    ),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, description: 'Most steps of one run at once. Default: unlimited' })),
    pools: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Number({ minimum: 0 }), { description: 'Resource pools, e.g. { "cpu": 8 }' })),
    limits: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Integer({ minimum: 1 }), { description: 'Concurrency limits per concurrencyKey' })),
    retry: Type.Optional(
      Type.Object(
        {
          attempts: Type.Integer({ minimum: 1 }),
          backoff: Type.Optional(Type.Union([Type.Literal('constant'), Type.Literal('linear'), Type.Literal('exponential'), Type.Literal('decorrelated-jitter')])),
          base: Type.Optional(Duration),
          max: Type.Optional(Duration),
        },
        { additionalProperties: false, description: 'Retry policy of steps that declare none' },
      ),
    ),
    timeout: Type.Optional(Duration),
    telemetry: Type.Optional(
      Type.Object(
        {
          console: Type.Optional(Type.Boolean({ description: 'Live progress on the terminal. Default: true' })),
          jsonl: Type.Optional(Type.String({ minLength: 1, description: 'Write every event as a JSON line to this file' })),
        },
        { additionalProperties: false },
      ),
    ),
    templates: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Modules whose default export registers step templates' })),
    secrets: Type.Optional(
      Type.Object(
        {
          envPrefix: Type.Optional(Type.String({ description: "Secrets are read from environment variables named <envPrefix><NAME>. Default: 'WEFT_SECRET_'" })),
          allow: Type.Optional(Type.Array(Type.String({ pattern: SECRET_NAME_PATTERN }), { description: 'Only these secret names are served' })),
          file: Type.Optional(Type.String({ minLength: 1, description: 'A secrets file (KEY=value lines or JSON) readable only by its owner, consulted after the environment' })),
        },
        { additionalProperties: false, description: 'Where `ctx.secret(name)` and exec `secretEnv` read secrets' },
      ),
    ),
    exec: Type.Optional(
      Type.Object(
        {
          allow: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Programs the exec template may run (as written in `command`). Default: any' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

/** A validated `weft.config.json`. @public */
export type WeftConfig = Static<typeof WeftConfigSchema>
