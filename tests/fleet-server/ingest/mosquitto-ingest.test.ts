import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type MqttClient } from 'mqtt'
import { startIngest } from '../../../fleet-server/src/ingest/index.ts'
import type { AgentEvent } from '../../../protocols/mqtt/index.ts'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto.ts'
import { until } from '../../support/until.ts'
import { eventsPayload, json, inventory, memoryStore, samples, seedRegistry, status, telemetryPayload, topic } from '../store/fixtures.ts'

const T0 = Date.parse('2026-11-29T02:00:00Z')
const now = { value: T0 }
const count = (db: { prepare(sql: string): { get(): unknown } }, sql: string) => (db.prepare(sql).get() as { n: number }).n

async function gatewayClient(url: string, id: string): Promise<MqttClient> {
  const client = connect(url, { protocolVersion: 4, clientId: id, reconnectPeriod: 50 })
  client.on('error', () => undefined)
  await new Promise((resolve) => client.once('connect', resolve))
  return client
}

describe('ingest through mosquitto from 50 gateways', () => {
  let broker: Mosquitto
  beforeAll(async () => {
    broker = await startMosquitto()
  })
  afterAll(async () => {
    await broker.dispose()
  })

  it('stores exactly what was sent; resends after a reconnect and messages sent while the server was down are stored once', async () => {
    const store = memoryStore(now)
    const { gateways } = seedRegistry(store, { enterprises: 5, sitesPerEnterprise: 5, gatewaysPerSite: 2, devicesPerGateway: 10 })
    expect(gateways).toHaveLength(50)
    let running = await startIngest({ url: broker.url, store, clock: () => now.value, clientOptions: { clientId: 'ingest-50' } })
    const clients = await Promise.all(gateways.map((g) => gatewayClient(broker.url, `agent-${g.id}`)))
    const BATCHES = 6
    const PER_BATCH = 100
    const sentSamples = BATCHES * PER_BATCH
    const eventsOf = (b: number): AgentEvent[] => [{ seq: 10_000 + b, ts: T0 + b, type: 'device-state', device: 'gas-1', from: 'online', to: b % 2 ? 'fault' : 'online' }]
    const publishBatch = (client: MqttClient, g: { id: string; site: string }, b: number) => Promise.all([
      client.publishAsync(topic(g.site, g.id, 'telemetry'), telemetryPayload(g.id, samples(b * PER_BATCH, PER_BATCH, T0 + b * 10_000)), { qos: 1 }),
      client.publishAsync(topic(g.site, g.id, 'events'), eventsPayload(g.id, eventsOf(b)), { qos: 1 }),
    ])
    await Promise.all(gateways.map(async (g, i) => {
      const client = clients[i]!
      await client.publishAsync(topic(g.site, g.id, 'inventory'), json(inventory(g.id, 10, T0)), { qos: 1, retain: true })
      await client.publishAsync(topic(g.site, g.id, 'status'), json(status(g.id, T0)), { qos: 1, retain: true })
      for (let b = 0; b < 4; b++) await publishBatch(client, g, b)
    }))
    await until('the first 4 batches of every gateway', () => store.ingestStats().accepted === 50 * 4 * (PER_BATCH + 1), { timeoutMs: 30_000 })

    // every fifth gateway loses its connection and resends its last two batches, as an agent does without PUBACKs
    const resending = gateways.filter((_, i) => i % 5 === 0)
    await Promise.all(resending.map(async (g) => {
      const i = gateways.indexOf(g)
      clients[i]!.stream.destroy()
      await new Promise((resolve) => clients[i]!.once('connect', resolve))
      for (let b = 2; b < 4; b++) await publishBatch(clients[i]!, g, b)
    }))
    await until('the resends', () => store.ingestStats().duplicates === resending.length * 2 * (PER_BATCH + 1), { timeoutMs: 30_000 })

    // the server restarts; its persistent session keeps what the gateways publish meanwhile
    await running.close()
    await Promise.all(gateways.map(async (g, i) => {
      for (let b = 4; b < BATCHES; b++) await publishBatch(clients[i]!, g, b)
    }))
    running = await startIngest({ url: broker.url, store, clock: () => now.value, clientOptions: { clientId: 'ingest-50' } })
    await until('every batch', () => store.ingestStats().accepted === 50 * BATCHES * (PER_BATCH + 1), { timeoutMs: 30_000 })

    store.flushAggregates()
    expect(count(store.db, 'SELECT sum(count) AS n FROM telemetry_raw')).toBe(50 * sentSamples)
    expect(count(store.db, 'SELECT count(*) AS n FROM events')).toBe(50 * BATCHES)
    expect(count(store.db, 'SELECT sum(count) AS n FROM rollup_1m')).toBe(50 * sentSamples)
    expect(count(store.db, 'SELECT sum(count) AS n FROM rollup_1h')).toBe(50 * sentSamples)
    expect(count(store.db, 'SELECT count(*) AS n FROM devices')).toBe(500)
    expect(store.ingestStats()).toMatchObject({ duplicates: resending.length * 2 * (PER_BATCH + 1), rejected: {} })
    for (const g of gateways) expect(store.seqRanges(g.id)).toEqual([{ first: 0, last: sentSamples - 1 }, { first: 10_000, last: 10_000 + BATCHES - 1 }])
    expect(store.listSites({ role: 'admin' }).every((s) => s.gateways.online === 2 && s.devices.total === 20)).toBe(true)

    await Promise.all(clients.map((c) => c.endAsync()))
    await running.close()
    store.close()
  }, 90_000)
})
