import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectAsync, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashToken, newToken } from '../../../fleet-server/src/auth/index.ts'
import { hashSecret } from '../../../fleet-server/src/mqtt/secrets.ts'
import { startFleetServer, type FleetServer } from '../../../fleet-server/src/server.ts'
import { encodeTelemetry, type AgentEvent, type AlarmEvent, type SequencedSample } from '../../../protocols/mqtt/index.ts'
import { freePort } from '../../support/ports.ts'
import { until, valueOf } from '../../support/until.ts'

// hole 6 of issue 15 as the audit did it: an enrolled gateway publishing through the server's own broker
const SITE = 'site-1'
const GW = 'gw-1'
const DAY = 86_400_000
const dir = mkdtempSync(join(tmpdir(), 'fleet-claims-'))
let server: FleetServer
let gateway: MqttClient
let seq = 0

const alarm = (ts: number, state: AlarmEvent['state'], channel: string, extra: Partial<AlarmEvent> = {}): AlarmEvent =>
  ({ seq: seq++, ts, type: 'alarm', state, device: 'ch4-1', channel, kind: 'level', level: 'alarm', value: 1.2, threshold: 1, unit: '%CH4', ...extra })
const publishEvents = (events: AgentEvent[]) => gateway.publishAsync(`fleet/v1/${SITE}/${GW}/events`, JSON.stringify({ v: 1, gw: GW, events }), { qos: 1 })
const samplesAt = (ts: number, n: number): SequencedSample[] =>
  Array.from({ length: n }, (_, i) => ({ seq: seq++, device: 'ch4-1', channel: `c${i}`, ts, value: 0.2, quality: 'good' as const }))
const alarmOf = (channel: string) => server.store.listAlarms({ role: 'admin' }).find((a) => a.channel === channel)
const health = async () => (await (await fetch(`${server.url}/api/health`)).json()) as { ingest: { accepted: number; rejected: Record<string, number> } }

beforeAll(async () => {
  server = await startFleetServer({ port: await freePort(), mqttPort: await freePort(), dbPath: join(dir, 'fleet.sqlite'), webRoot: dir })
  server.store.upsertEnterprise({ id: 'ent-a', name: '甲' })
  server.store.upsertSite({ id: SITE, enterpriseId: 'ent-a', name: '一号矿', type: 'coal-mine', jurisdiction: '涌山镇' })
  server.store.addUser({ name: 'admin', role: 'admin', passwordHash: await hashSecret('admin-password') })
  const token = newToken()
  server.store.createEnrollToken(hashToken(token), SITE, Date.now() + 60_000)
  const enrolled = await fetch(`${server.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, gatewayId: GW }) })
  expect(enrolled.status).toBe(200)
  const { username, password } = await enrolled.json() as { username: string; password: string }
  gateway = await connectAsync(server.mqttUrl, { username, password, clientId: `edge-${SITE}-${GW}`, reconnectPeriod: 0 })
}, 30_000)

afterAll(async () => {
  await gateway?.endAsync()
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a gateway\'s claims through the server\'s broker', () => {
  it('an acknowledgement by "admin" with no command behind it is stored as the gateway\'s local operator\'s', async () => {
    // (the gateway enrolled a moment ago: anything it stamps before that is refused)
    const now = Date.now()
    await publishEvents([alarm(now, 'raised', 'forged'), alarm(now + 1, 'acknowledged', 'forged', { by: 'admin' })])
    const acknowledged = await valueOf('the forged acknowledgement stored', () => (alarmOf('forged')?.acknowledged ? alarmOf('forged') : undefined))
    expect(acknowledged.acknowledgedBy).toBe(`local operator at ${GW}: admin`)
  })

  it('an acknowledgement sent from the API as admin comes back as admin\'s', async () => {
    await publishEvents([alarm(Date.now(), 'raised', 'real')])
    const raised = await valueOf('the alarm raised', () => alarmOf('real'))
    const commands: { topic: string; by: string }[] = []
    gateway.on('message', (topic, payload) => commands.push({ topic, by: (JSON.parse(payload.toString()) as { by: string }).by }))
    await gateway.subscribeAsync(`fleet/v1/${SITE}/${GW}/cmd/#`, { qos: 1 })
    const login = await fetch(`${server.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password: 'admin-password' }) })
    const { token } = await login.json() as { token: string }
    const ack = await fetch(`${server.url}/api/alarms/${raised.id}/ack`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: server.url }, body: '{}',
    })
    expect(ack.status).toBe(202)
    const command = await valueOf('the ack-alarm command at the gateway', () => commands.find((c) => c.topic.endsWith('/cmd/ack-alarm')))
    expect(command.by).toBe('admin')
    // the gateway does what the agent does: acknowledges and reports it by the command's issuer
    await publishEvents([alarm(Date.now(), 'acknowledged', 'real', { by: command.by })])
    await until('the acknowledgement stored', () => alarmOf('real')?.acknowledged === true)
    expect(alarmOf('real')?.acknowledgedBy).toBe('admin')
  })

  it('samples 40 days old (before the enrolment) and of the year 2223 are refused and counted by reason; the good ones of the batch are stored', async () => {
    const before = await health()
    const now = Date.now()
    const batch = [...samplesAt(now - 40 * DAY, 3), ...samplesAt(now, 4), ...samplesAt(Date.parse('2223-06-01T00:00:00Z'), 5)]
    await gateway.publishAsync(`fleet/v1/${SITE}/${GW}/telemetry`, JSON.stringify(encodeTelemetry(GW, batch)), { qos: 1 })
    const after = await valueOf('the batch counted', async () => {
      const h = await health()
      return h.ingest.accepted > before.ingest.accepted ? h : undefined
    })
    expect(after.ingest.accepted - before.ingest.accepted).toBe(4)
    expect((after.ingest.rejected['ts-before-enrolment'] ?? 0) - (before.ingest.rejected['ts-before-enrolment'] ?? 0)).toBe(3)
    expect((after.ingest.rejected['ts-future'] ?? 0) - (before.ingest.rejected['ts-future'] ?? 0)).toBe(5)
    // nothing of the year 2223 among the latest values: the newest is the good samples'
    server.store.flushAggregates()
    expect(server.store.db.prepare('SELECT max(ts) AS ts FROM latest').get()).toEqual({ ts: now })
  })
})
