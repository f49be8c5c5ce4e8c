import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GatewayConfigSchema } from './schema.ts'

export const CONFIG_JSON_SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), '../../config.schema.json')

/** The gateway config schema as editors read it (YAML language server, VS Code). */
export function configJsonSchema(): string {
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://leping-safety.example/schemas/gateway-config.schema.json',
    title: 'Edge gateway config',
    description: 'One site gateway: its uplink, local buffer, Modbus buses, the devices on them and the interlocks it enforces. Check with edge-agent check --config FILE.',
    ...JSON.parse(JSON.stringify(GatewayConfigSchema)),
  }
  return `${JSON.stringify(schema, null, 2)}\n`
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(CONFIG_JSON_SCHEMA_FILE, configJsonSchema())
  console.log(`wrote ${CONFIG_JSON_SCHEMA_FILE}`)
}
