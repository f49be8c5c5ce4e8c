import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Type, { type TSchema } from 'typebox'
import { createValidator } from '../validation/ajv.ts'
import { COMMAND_ARGS_SCHEMAS, type CommandName } from './commands.ts'
import { CommandSchema, PAYLOAD_SCHEMAS } from './payloads.ts'
import { TOPIC_PREFIX } from './topics.ts'

/**
 * The payloads of MQTT protocol v1 published as JSON Schema files, one per topic below a gateway's
 * root: `telemetry.schema.json` … `cmd-result.schema.json`, and `cmd/{name}.schema.json` for each
 * command with the args it declares, so a third party validates a whole command. Draft-07, which
 * Ajv 8's default export validates as it is. Regenerate: node --import tsx protocols/mqtt/json-schema.ts
 */
export const MQTT_SCHEMAS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'schemas')

const ID_BASE = 'https://leping-safety.example/schemas/mqtt/v1/'
const SUFFIX = '.schema.json'

/** A command's whole payload: the cmd envelope with its declared args in place of "any args". */
function commandPayloadSchema(name: CommandName): TSchema {
  const args = COMMAND_ARGS_SCHEMAS[name]
  const { description } = args as { description?: string }
  if (!description) throw new Error(`the args schema of command ${name} has no description to publish`)
  // the agent reads absent args as {}: they may be left out exactly when {} is valid for the command
  const argsOptional = createValidator(args)({})
  return Type.Object({ ...CommandSchema.properties, args: argsOptional ? Type.Optional(args) : args }, {
    additionalProperties: false,
    description: `Command ${name} to one gateway (server → gateway, QoS 1, never retained): ${description}. ` +
      'The gateway answers on cmd-result with the same id.',
  })
}

/** Topic below the gateway's root → its payload's schema. */
function payloadSchemasByTopic(): [string, TSchema][] {
  return Object.entries(PAYLOAD_SCHEMAS).flatMap(([kind, schema]): [string, TSchema][] => kind === 'cmd'
    ? (Object.keys(COMMAND_ARGS_SCHEMAS) as CommandName[]).map((name) => [`cmd/${name}`, commandPayloadSchema(name)])
    : [[kind, schema]])
}

function published(topic: string, schema: TSchema): string {
  const { description, ...rest } = JSON.parse(JSON.stringify(schema)) as { description?: string }
  if (!description) throw new Error(`the payload schema of ${topic} has no description to publish`)
  const file = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `${ID_BASE}${topic}${SUFFIX}`,
    title: `MQTT v1 ${topic} payload (${TOPIC_PREFIX}/{site}/{gateway}/${topic})`,
    description,
    ...rest,
  }
  return `${JSON.stringify(file, null, 2)}\n`
}

/** File path below the schemas folder → its text. */
export function mqttJsonSchemas(): Map<string, string> {
  return new Map(payloadSchemasByTopic().map(([topic, schema]) => [`${topic}${SUFFIX}`, published(topic, schema)]))
}

/** Write every file into `dir` and remove the schema files of topics that no longer exist. Returns the files written. */
export function writeMqttJsonSchemas(dir = MQTT_SCHEMAS_DIR): string[] {
  const files = mqttJsonSchemas()
  mkdirSync(dir, { recursive: true })
  for (const old of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (old.endsWith(SUFFIX) && !files.has(old)) rmSync(join(dir, old))
  }
  for (const [file, text] of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    writeFileSync(join(dir, file), text)
  }
  return [...files.keys()].map((file) => join(dir, file))
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of writeMqttJsonSchemas()) console.log(`wrote ${file}`)
}
