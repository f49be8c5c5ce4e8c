/**
 * The published JSON Schemas against the real wire: the agent (`edge-agent run`) polls a simulated
 * methane sensor running a leak and a power-cut relay on one RS-485 line (a socat pty pair) and
 * reports to mosquitto. Every message under `fleet/v1/#` — live, retained status and inventory, the
 * commands sent and their cmd-results, the offline status at the stop — is validated by a plain Ajv 8
 * against the files in protocols/mqtt/schemas as published (read from disk, never the TypeBox
 * declarations), and a few broken copies of them must be rejected.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import AjvModule, { type ValidateFunction } from 'ajv'
import { stringify } from 'yaml'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { GatewayConfig } from '../../../edge-agent/src/config/index.ts'
import { tempDir, type TempDir } from '../../support/gateway-config.ts'
import { FleetWatcher, startMosquitto, type Arrival, type Mosquitto } from '../../support/mosquitto.ts'
import { ProcessGroup } from '../../support/processes.ts'
import { startPtyPair, type PtyPair } from '../../support/socat.ts'
import { CLI, ROOT, startAgent } from '../../support/store-forward.ts'
import { explained, until } from '../../support/until.ts'

const Ajv = AjvModule.default ?? AjvModule
const SCHEMAS = join(ROOT, 'protocols/mqtt/schemas')
const GATEWAY = { id: 'schema-gw', site: 'mine-7' }
const ROOT_TOPIC = `fleet/v1/${GATEWAY.site}/${GATEWAY.id}/`
const METHANE = 'ccri-gjc4-catalytic-methane'
const RELAY = 'generic-kdg4-power-cut-controller'

const group = new ProcessGroup()
let dir: TempDir
let pty: PtyPair | undefined
let broker: Mosquitto | undefined
const watchers: FleetWatcher[] = []

beforeAll(() => {
  dir = tempDir('published-schemas')
})
afterAll(async () => {
  for (const w of watchers) await w.close()
  await group.stopAll()
  await broker?.dispose()
  await pty?.stop()
  dir?.remove()
}, 60_000)

/** A third party's validator: Ajv 8 with its default options, one schema file as published. */
const ajv = new Ajv()
const validators = new Map<string, ValidateFunction>()
function publishedValidator(topicBelowRoot: string): ValidateFunction {
  let validate = validators.get(topicBelowRoot)
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(SCHEMAS, `${topicBelowRoot}.schema.json`), 'utf8')) as object
    validators.set(topicBelowRoot, (validate = ajv.compile(schema)))
  }
  return validate
}

/** '' when the message is valid against its topic's published file, else why not. */
function problemOf(topic: string, body: unknown): string {
  if (!topic.startsWith(ROOT_TOPIC)) return `${topic}: not under ${ROOT_TOPIC}`
  const below = topic.slice(ROOT_TOPIC.length)
  let validate: ValidateFunction
  try {
    validate = publishedValidator(below)
  } catch (error) {
    return `${topic}: no published schema (${(error as Error).message})`
  }
  return validate(body) ? '' : `${topic}: ${ajv.errorsText(validate.errors)}`
}

function writeConfig(line: string, uplinkUrl: string): string {
  const config: GatewayConfig = {
    gateway: GATEWAY,
    uplink: { url: uplinkUrl },
    buffer: { path: join(dir.path, 'outbox.sqlite') },
    buses: [{ id: 'line-a', type: 'rtu', path: line, baud: 9600 }],
    devices: [
      { id: 'ch4-leak', bus: 'line-a', unit: 1, profile: METHANE, pollMs: 500, priority: 'safety' },
      { id: 'relay-a', bus: 'line-a', unit: 5, profile: RELAY, pollMs: 500, priority: 'safety' },
    ],
    interlocks: [{
      id: 'leak-cut',
      when: [{ device: 'ch4-leak', channel: 'ch4', above: 1.5, restore: 1.0 }],
      action: { device: 'relay-a', channel: 'cut_1', value: true },
      restoreAfterMs: 2000,
    }],
  }
  const file = join(dir.path, 'gateway.yaml')
  writeFileSync(file, `# written by tests/protocols/mqtt/published-schemas.test.ts\n${stringify(config)}`)
  return file
}

it('every message of an alarm and interlock scenario is valid against the published schema of its topic; broken copies are not', async () => {
  pty = await startPtyPair()
  await group.startReady(process.execPath, [CLI, 'simulate', '--rtu', pty.a, '--baud', '9600', '--device', `1:${METHANE}:leak`, '--device', `5:${RELAY}:steady`, '--period-s', '20'],
    /simulator ready/u, { cwd: ROOT, name: 'simulator', timeoutMs: 30_000 })
  broker = await startMosquitto()
  const live = await FleetWatcher.connect(broker.url)
  watchers.push(live)
  const agent = group.add(startAgent(writeConfig(pty.b, broker.url)))

  const bodies = (kind: string, from: FleetWatcher = live) => from.of(kind).map((a) => JSON.parse(a.payload) as Record<string, unknown>)
  const events = () => bodies('events').flatMap((b) => b.events as Record<string, unknown>[])
  const hasEvent = (match: Record<string, unknown>) => events().some((e) => Object.entries(match).every(([k, v]) => e[k] === v))
  await explained(until('an alarm raised and the interlock tripped and actuated', () =>
    hasEvent({ type: 'alarm', device: 'ch4-leak', kind: 'level', state: 'raised' }) &&
    hasEvent({ type: 'interlock', interlock: 'leak-cut', state: 'tripped' }) &&
    hasEvent({ type: 'interlock', interlock: 'leak-cut', state: 'actuated' }), { timeoutMs: 90_000, everyMs: 50 }),
    () => `${agent.describe()}\n${JSON.stringify(events().slice(-5))}`)

  // the fleet's side: two commands, each answered on cmd-result
  const send = (name: string, body: object) => live.client.publishAsync(`${ROOT_TOPIC}cmd/${name}`, JSON.stringify(body), { qos: 1 })
  await send('ack-alarm', { v: 1, id: 'ack-1', ts: Date.now(), by: 'fleet user', args: { all: true } })
  await send('safety-status', { v: 1, id: 'status-1', ts: Date.now(), by: 'fleet user' })
  await explained(until('both cmd-results', () => ['ack-1', 'status-1'].every((id) => bodies('cmd-result').some((r) => r.id === id)), { timeoutMs: 30_000, everyMs: 50 }),
    () => JSON.stringify(bodies('cmd-result')))

  // a subscriber arriving later gets the retained status and inventory
  const late = await FleetWatcher.connect(broker.url)
  watchers.push(late)
  await until('the retained status and inventory', () => late.of('status').some((a) => a.retain) && late.of('inventory').some((a) => a.retain), { timeoutMs: 30_000, everyMs: 50 })
  await until('telemetry', () => live.of('telemetry').length > 0, { timeoutMs: 30_000, everyMs: 50 })

  await agent.stop('SIGTERM')
  await until('the offline status', () => bodies('status').some((s) => s.state === 'offline'), { timeoutMs: 30_000, everyMs: 50 })

  const arrivals: Arrival[] = [...live.arrivals, ...late.arrivals]
  const kinds = new Set(arrivals.map((a) => a.topic.slice(ROOT_TOPIC.length)))
  expect([...kinds].sort()).toEqual(['cmd-result', 'cmd/ack-alarm', 'cmd/safety-status', 'events', 'inventory', 'status', 'telemetry'])
  expect(arrivals.map((a) => problemOf(a.topic, JSON.parse(a.payload))).filter((p) => p !== '')).toEqual([])

  // what the scenario produced, so the check above covered it
  expect(bodies('cmd-result')).toEqual(expect.arrayContaining([
    expect.objectContaining({ id: 'ack-1', command: 'ack-alarm', ok: true }),
    expect.objectContaining({ id: 'status-1', command: 'safety-status', ok: true }),
  ]))
  expect(hasEvent({ type: 'alarm', state: 'acknowledged', by: 'fleet user' })).toBe(true)
  expect(bodies('status', late).find((s) => s.state === 'online')).toMatchObject({ gw: GATEWAY.id, buses: [expect.objectContaining({ id: 'line-a' })] })
  expect(bodies('inventory', late)[0]!.devices).toEqual(expect.arrayContaining([
    expect.objectContaining({ device: 'ch4-leak', profile: METHANE }), expect.objectContaining({ device: 'relay-a', profile: RELAY }),
  ]))
  expect(bodies('telemetry').flatMap((t) => t.ch as string[])).toEqual(expect.arrayContaining(['ch4-leak/ch4', 'relay-a/cut_1']))

  // the published files reject what a consumer must not take: an unknown key, a wrong type, an unknown state
  const first = (kind: string, from: FleetWatcher = live) => JSON.parse(from.of(kind)[0]!.payload) as Record<string, unknown>
  const telemetry = first('telemetry')
  const eventBatch = first('events')
  const inventory = first('inventory', late)
  const [event] = eventBatch.events as Record<string, unknown>[]
  const [group0] = telemetry.g as Record<string, unknown>[]
  const [device] = inventory.devices as Record<string, unknown>[]
  const broken: [string, unknown][] = [
    ['telemetry', { ...telemetry, unit: '%CH4' }],
    ['telemetry', { ...telemetry, g: [{ ...group0, values: ['0.5', { ppm: 5000 }] }] }],
    ['telemetry', { ...telemetry, g: [{ ...group0, q: { 0: 'probably-fine' } }] }],
    ['events', { ...eventBatch, events: [{ ...event, seq: String(event!.seq) }] }],
    ['events', { ...eventBatch, events: [{ ...event, note: 'hello' }] }],
    ['status', { ...first('status'), state: 'sleeping' }],
    ['inventory', { ...inventory, devices: [{ ...device, serial: 'X1' }] }],
    ['cmd-result', { ...first('cmd-result'), ok: 'yes' }],
    ['cmd/ack-alarm', { v: 1, id: 'ack-2', ts: Date.now(), by: 'fleet user', args: { all: true, everything: true } }],
    ['cmd/safety-status', { v: 1, id: 'status-2', ts: String(Date.now()), by: 'fleet user' }],
    ['cmd/safety-status', { v: 1, id: 'status-3', ts: Date.now() }],
  ]
  for (const [kind, body] of broken) expect(problemOf(`${ROOT_TOPIC}${kind}`, body), `${kind}: ${JSON.stringify(body).slice(0, 300)}`).not.toBe('')
}, 240_000)
