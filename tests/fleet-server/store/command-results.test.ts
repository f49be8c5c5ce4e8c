/** The first cmd-result for a command id is the one kept (issue 15, hole 10): through the real ingest and the SQLite store. */
import { afterEach, expect, it } from 'vitest'
import { Ingest } from '../../../fleet-server/src/ingest/index.ts'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { json, memoryStore, seedRegistry, topic } from './fixtures.ts'

const T0 = Date.parse('2026-11-29T02:00:00Z')
let store: SqliteStore
afterEach(() => store?.close())

it('a second cmd-result for the same command id does not overwrite the first', () => {
  const now = { value: T0 }
  store = memoryStore(now)
  const { gateways } = seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1, jurisdictions: ['涌山镇'] })
  const { id: gw, site } = gateways[0]!
  const ingest = new Ingest({ store, clock: () => now.value })
  store.recordCommand({ id: 'c1', gatewayId: gw, name: 'reset-interlock', sentAt: T0, by: 'li', args: { interlock: 'cut' } })
  const result = (ok: boolean, message: string, ts: number) => json({ v: 1, gw, id: 'c1', command: 'reset-interlock', ok, ts, message })
  expect(ingest.handle(topic(site, gw, 'cmd-result'), result(false, 'cannot be reset: methane 1.8 %', T0 + 1000))).toMatchObject({ ok: true })
  now.value += 5000
  ingest.handle(topic(site, gw, 'cmd-result'), result(true, 'reset accepted; output restored', T0 + 5000))
  expect(store.getCommand('c1')?.result).toEqual({ ok: false, message: 'cannot be reset: methane 1.8 %', at: T0 + 1000 })
})
