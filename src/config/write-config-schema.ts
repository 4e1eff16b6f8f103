/**
 * Writes `schema/config.schema.json` from {@link WeftConfigSchema}:
 *   npx tsx src/config/write-config-schema.ts
 * The test suite fails when the committed file differs from the generated one.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { WeftConfigSchema } from './config-schema.js'

/** The config schema as a JSON Schema document (draft 2020-12). @internal */
export function configJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Weft configuration (weft.config.json)',
    ...(JSON.parse(JSON.stringify(WeftConfigSchema)) as Record<string, unknown>),
  }
}

/** The text of `schema/config.schema.json`. @internal */
export function configSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = fileURLToPath(new URL('../../schema/config.schema.json', import.meta.url))
  writeFileSync(target, configSchemaText())
  console.log(`wrote ${target}`)
}
