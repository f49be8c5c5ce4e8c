import { afterEach, beforeEach, expect, it } from 'vitest'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { inventory, memoryStore, seedRegistry } from './fixtures.ts'

// rows from the year 2223 stored before the ingest refused them (hole 6 of issue 15): they never head a "latest" list
const T0 = Date.parse('2026-11-29T02:00:00Z')
const Y2223 = Date.parse('2223-01-01T00:00:00Z')
const GW = 'gw-0-0-0'
const admin = { role: 'admin' } as const
const now = { value: T0 }
let store: SqliteStore

beforeEach(() => {
  store = memoryStore(now)
  seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
  store.storeInventory(GW, 'site-0-0', inventory(GW, 2, T0), T0)
  store.storeTelemetry({ gatewayId: GW, samples: [
    { seq: 1, device: 'gas-0', channel: 'ch4', ts: T0 - 1000, value: 0.2, quality: 'good' },
    { seq: 2, device: 'gas-1', channel: 'ch4', ts: T0 - 1000, value: 0.3, quality: 'good' },
  ], ranges: [{ first: 1, last: 2 }], duplicates: 0, now: T0 })
  store.storeEvents(GW, 'site-0-0', [
    { seq: 3, ts: T0 - 500, type: 'interlock', interlock: 'power-cut', state: 'tripped' },
    { seq: 4, ts: Y2223, type: 'interlock', interlock: 'power-cut', state: 'restored' },
  ], [{ first: 1, last: 4 }], 0, T0)
  store.flushAggregates()
  // as an older server stored it: gas-1's latest value and last good sample in 2223
  store.db.prepare(`UPDATE latest SET ts = ? WHERE channel_id = (SELECT id FROM channels WHERE device = 'gas-1')`).run(Y2223)
  store.db.prepare(`UPDATE devices SET last_good_ts = ? WHERE id = 'gas-1'`).run(Y2223)
})
afterEach(() => store.close())

it('an interlock action stamped 2223 does not head the latest actions', () => {
  expect(store.interlockActions(admin).map((a) => a.state)).toEqual(['tripped'])
})

it('a latest value stamped 2223 is not shown as a device\'s reading, nor makes it count as reporting', () => {
  const devices = store.listDevices(admin)
  expect(devices.find((d) => d.id === 'gas-0')?.readings).toMatchObject([{ channel: 'ch4', ts: T0 - 1000 }])
  expect(devices.find((d) => d.id === 'gas-1')?.readings).toEqual([])
  expect(store.getSite(admin, 'site-0-0')?.systems).toMatchObject([{ system: 'monitoring', devices: 2, reporting: 1 }])
})
