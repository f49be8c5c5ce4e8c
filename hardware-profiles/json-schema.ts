import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ProfileSchema } from './schema.ts'

export const PROFILE_JSON_SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), 'profile.schema.json')

/** The profile schema as editors read it (YAML language server, VS Code). */
export function profileJsonSchema(): string {
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://leping-safety.example/schemas/hardware-profile.schema.json',
    title: 'Hardware profile',
    description: 'One Modbus device model: identification, channels, default alarm levels with sources, and test vectors.',
    ...JSON.parse(JSON.stringify(ProfileSchema)),
  }
  return `${JSON.stringify(schema, null, 2)}\n`
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(PROFILE_JSON_SCHEMA_FILE, profileJsonSchema())
  console.log(`wrote ${PROFILE_JSON_SCHEMA_FILE}`)
}
