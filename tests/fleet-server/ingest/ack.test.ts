import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'mqtt'
import { startIngest, type Logger } from '../../../fleet-server/src/ingest/index.ts'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto.ts'
import { until } from '../../support/until.ts'
import { memoryStore, rawSamples, samples, seedRegistry, telemetryPayload, topic } from '../store/fixtures.ts'

const T0 = Date.parse('2026-11-29T02:00:00Z')
const now = { value: T0 }

describe('ingest acknowledges a QoS 1 message only after it is stored', () => {
  let broker: Mosquitto
  beforeAll(async () => {
    broker = await startMosquitto()
  })
  afterAll(async () => {
    await broker.dispose()
  })

  it('a write that fails once: no PUBACK, the broker delivers the message again, it is stored exactly once', async () => {
    const store = memoryStore(now)
    seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
    // the disk fails for the first telemetry write; the failure is logged, and the disk recovers
    store.db.exec(`CREATE TRIGGER fail_once BEFORE INSERT ON telemetry_raw BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
    const errors: string[] = []
    const logger: Logger = {
      info: () => undefined,
      warn: () => undefined,
      error: (object, message) => {
        errors.push(`${message}: ${String((object as { err?: Error }).err?.message)}`)
        store.db.exec('DROP TRIGGER IF EXISTS fail_once')
      },
    }
    const running = await startIngest({ url: broker.url, store, clock: () => now.value, logger, clientOptions: { clientId: 'ack-ingest', reconnectPeriod: 100 } })
    let connects = 0
    // on the ingest's current connection: messages delivered to it, and acknowledged by it
    let delivered = 0
    let acknowledged = 0
    running.client.on('connect', () => {
      connects++
      delivered = acknowledged = 0
    })
    running.client.on('packetreceive', (packet) => {
      if (packet.cmd === 'publish') delivered++
    })
    running.client.on('packetsend', (packet) => {
      if (packet.cmd === 'puback') acknowledged++
    })

    const publisher = connect(broker.url, { protocolVersion: 4, clientId: 'ack-gateway' })
    await new Promise((resolve) => publisher.once('connect', resolve))
    await publisher.publishAsync(topic('site-0-0', 'gw-0-0-0', 'telemetry'), telemetryPayload('gw-0-0-0', samples(0, 40, T0)), { qos: 1 })
    await publisher.publishAsync(topic('site-0-0', 'gw-0-0-0', 'telemetry'), telemetryPayload('gw-0-0-0', samples(40, 10, T0 + 10_000)), { qos: 1 })

    await until('both messages stored', () => store.ingestStats().accepted === 50)
    expect(errors).toEqual(['storing a message failed: not acknowledged, the broker delivers it again: disk on fire'])
    expect(connects).toBeGreaterThanOrEqual(1)
    // nothing more arrives: each delivery on the connection was acknowledged once stored, so the broker holds none to send again
    await until('every delivery acknowledged', () => running.client.connected && delivered > 0 && acknowledged === delivered)
    // when the second message came in the same group it was stored but not acknowledged either
    // (PUBACKs go in order): delivered again, it counts as 10 duplicates
    const stats = store.ingestStats()
    expect(stats).toMatchObject({ accepted: 50, rejected: {} })
    expect([{ messages: 2, duplicates: 0 }, { messages: 3, duplicates: 10 }]).toContainEqual({ messages: stats.messages, duplicates: stats.duplicates })
    expect(rawSamples(store)).toBe(50)
    expect(store.seqRanges('gw-0-0-0')).toEqual([{ first: 0, last: 49 }])
    const series = store.series({ role: 'admin' }, { gatewayId: 'gw-0-0-0', device: 'gas-0', channel: 'ch4', from: T0, to: T0 + 3_600_000, stepMs: 3_600_000 })!
    expect(series.points.map((p) => p.count)).toEqual([5])

    await publisher.endAsync()
    await running.close()
    store.close()
  }, 30_000)
})
