/**
 * The published JSON Schemas of MQTT protocol v1 (protocols/mqtt/schemas): one file per topic, up to
 * date with the TypeBox declarations, and usable as they are by a third party's plain Ajv 8.
 * Everything below reads the files from disk, never the TypeBox objects.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import AjvModule from 'ajv'
import { describe, expect, it } from 'vitest'
import { mqttJsonSchemas, writeMqttJsonSchemas } from '../../../protocols/mqtt/json-schema.ts'
import { encodeTelemetry } from '../../../protocols/mqtt/index.ts'
import { tempDir } from '../../support/gateway-config.ts'

const Ajv = AjvModule.default ?? AjvModule
const DIR = join(import.meta.dirname, '../../../protocols/mqtt/schemas')
const TOPICS = ['telemetry', 'events', 'status', 'inventory', 'cmd-result',
  'cmd/ack-alarm', 'cmd/reset-interlock', 'cmd/bypass-interlock', 'cmd/end-bypass', 'cmd/safety-status']

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).map((f) => relative(dir, join(dir, f))).sort()

const published = (topic: string): Record<string, unknown> => JSON.parse(readFileSync(join(DIR, `${topic}.schema.json`), 'utf8')) as Record<string, unknown>

/** A third party's Ajv: default options (strict mode), warnings collected instead of printed. */
function strictAjv(): { ajv: InstanceType<typeof Ajv>; warnings: unknown[] } {
  const warnings: unknown[] = []
  const ajv = new Ajv({ logger: { log: () => undefined, warn: (...w: unknown[]) => void warnings.push(w), error: (...e: unknown[]) => void warnings.push(e) } })
  return { ajv, warnings }
}

describe('protocols/mqtt/schemas', () => {
  it('holds one file per topic, each up to date with protocols/mqtt (npm run schemas)', () => {
    const generated = mqttJsonSchemas()
    expect([...generated.keys()].sort()).toEqual(TOPICS.map((t) => `${t}.schema.json`).sort())
    expect(filesUnder(DIR)).toEqual([...generated.keys()].sort())
    for (const [file, text] of generated) expect(readFileSync(join(DIR, file), 'utf8'), file).toBe(text)
  })

  it('the generator removes a file of a topic that no longer exists', () => {
    const dir = tempDir('mqtt-schemas')
    try {
      writeMqttJsonSchemas(dir.path)
      writeMqttJsonSchemas(dir.path) // over its own output
      const stale = join(dir.path, 'cmd', 'retired-command.schema.json')
      writeFileSync(stale, '{}')
      writeMqttJsonSchemas(dir.path)
      expect(filesUnder(dir.path)).toEqual(TOPICS.map((t) => `${t}.schema.json`).sort())
    } finally {
      dir.remove()
    }
  })

  it('each is a self-contained draft-07 schema with $id, title and description that plain Ajv 8 compiles in strict mode', () => {
    const { ajv, warnings } = strictAjv()
    const ids = new Set<string>()
    for (const topic of TOPICS) {
      const text = readFileSync(join(DIR, `${topic}.schema.json`), 'utf8')
      const schema = JSON.parse(text) as Record<string, unknown>
      expect(schema.$schema, topic).toBe('http://json-schema.org/draft-07/schema#')
      expect(schema.$id, topic).toBe(`https://leping-safety.example/schemas/mqtt/v1/${topic}.schema.json`)
      expect(schema.title, topic).toEqual(expect.stringContaining(`fleet/v1/{site}/{gateway}/${topic}`))
      expect(schema.description, topic).toEqual(expect.any(String))
      expect((schema.description as string).length, topic).toBeGreaterThan(20)
      expect(text, topic).not.toMatch(/"\$ref"|"~|"\$defs"|"definitions"/u)
      ids.add(schema.$id as string)
      ajv.compile(schema)
    }
    expect(ids.size).toBe(TOPICS.length)
    expect(warnings).toEqual([])
  })

  it('telemetry: accepts what the codec packs, rejects an unknown key and a wrong type', () => {
    const { ajv } = strictAjv()
    const validate = ajv.compile(published('telemetry'))
    const batch = encodeTelemetry('gw-1', [
      { seq: 7, device: 'ch4-1', channel: 'ch4', ts: 1_700_000_000_000, value: 0.42, quality: 'good' },
      { seq: 8, device: 'ch4-1', channel: 'fault', ts: 1_700_000_000_000, value: null, quality: 'comm-fail', reason: 'no answer' },
    ])
    expect(validate(batch), JSON.stringify(validate.errors)).toBe(true)
    expect(validate({ ...batch, extra: 1 })).toBe(false)
    expect(validate({ ...batch, g: [{ ...batch.g[0]!, ts: '1700000000000' }] })).toBe(false)
    expect(validate({ ...batch, g: [{ ...batch.g[0]!, q: { 1: 'fine' } }] })).toBe(false)
  })

  it('each command: the envelope with the args that command declares; args required unless the command takes none', () => {
    const { ajv } = strictAjv()
    const envelope = { v: 1, id: 'c-1', ts: 1_700_000_000_000, by: 'li.wei' }
    const ack = ajv.compile(published('cmd/ack-alarm'))
    expect(ack({ ...envelope, args: { device: 'ch4-1', channel: 'ch4', kind: 'level', by: 'ops' } }), JSON.stringify(ack.errors)).toBe(true)
    expect(ack({ ...envelope, args: { all: true } }), JSON.stringify(ack.errors)).toBe(true)
    expect(ack(envelope)).toBe(false)
    expect(ack({ ...envelope, args: { device: 'ch4-1', channel: 'ch4', colour: 'red' } })).toBe(false)
    expect(ack({ ...envelope, args: { device: 'ch4-1', channel: 'ch4', kind: 'loud' } })).toBe(false)
    expect(ack({ ...envelope, args: { all: true }, retain: true })).toBe(false)

    const bypass = ajv.compile(published('cmd/bypass-interlock'))
    expect(bypass({ ...envelope, args: { interlock: 'cut', reason: 'calibration', minutes: 30 } }), JSON.stringify(bypass.errors)).toBe(true)
    expect(bypass({ ...envelope, args: { interlock: 'cut', reason: 'calibration', minutes: '30' } })).toBe(false)
    expect(bypass({ ...envelope, args: { interlock: 'cut', minutes: 30 } })).toBe(false)

    const status = ajv.compile(published('cmd/safety-status'))
    expect(status(envelope), JSON.stringify(status.errors)).toBe(true)
    expect(status({ ...envelope, args: {} }), JSON.stringify(status.errors)).toBe(true)
    expect(status({ ...envelope, args: { verbose: true } })).toBe(false)
    // every command names the fleet user who issued it
    const { by: _by, ...anonymous } = envelope
    expect(status(anonymous)).toBe(false)
    expect(bypass({ ...anonymous, args: { interlock: 'cut', reason: 'calibration', minutes: 30 } })).toBe(false)
  })
})
