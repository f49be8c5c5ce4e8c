import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'mqtt'
import { startIngest } from '../../../fleet-server/src/ingest/index.ts'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto.ts'
import { until } from '../../support/until.ts'
import { dataRowCounts, memoryStore, seedRegistry } from '../store/fixtures.ts'
import { hostileMessages } from './hostile-payloads.ts'

const now = { value: Date.parse('2026-11-29T02:00:00Z') }
const totalRejects = (store: SqliteStore) => Object.values(store.ingestStats().rejected).reduce((a, b) => a + b, 0)

function registry(): SqliteStore {
  const store = memoryStore(now)
  seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 2, gatewaysPerSite: 1, devicesPerGateway: 1 })
  return store
}

describe('ingest fuzz through mosquitto: hostile payloads are counted, never stored', () => {
  let broker: Mosquitto
  beforeAll(async () => {
    broker = await startMosquitto()
  })
  afterAll(async () => {
    await broker.dispose()
  })

  it('~500 deliverable messages: each counted under a reason, nothing stored', async () => {
    const store = registry()
    const running = await startIngest({ url: broker.url, store, clock: () => now.value, clientOptions: { clientId: 'fuzz-ingest' } })
    const messages = hostileMessages(700, 7, 'site-0-0', 'gw-0-0-0', 'site-0-1').filter((m) => m.deliverable).slice(0, 500)
    const before = dataRowCounts(store)
    const publisher = connect(broker.url, { protocolVersion: 4 })
    await new Promise((resolve) => publisher.once('connect', resolve))
    for (const m of messages) await publisher.publishAsync(m.topic, m.payload, { qos: 1 })
    await until('every message counted', () => totalRejects(store) >= messages.length, { timeoutMs: 20_000 })
    expect(totalRejects(store)).toBe(messages.length)
    expect(dataRowCounts(store)).toEqual(before)
    await publisher.endAsync()
    await running.close()
    store.close()
  })
})
