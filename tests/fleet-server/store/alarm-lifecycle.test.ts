import { afterEach, beforeEach, expect, it } from 'vitest'
import { Ingest } from '../../../fleet-server/src/ingest/index.ts'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import type { AlarmEvent } from '../../../protocols/mqtt/index.ts'
import { eventsPayload, memoryStore, seedRegistry, topic } from './fixtures.ts'

// the edges of the stored alarms' lifecycle: events lost on the way between the agent and the server
const T0 = Date.parse('2026-11-29T02:00:00Z')
const now = { value: T0 }
const admin = { role: 'admin' } as const
let store: SqliteStore
let ingest: Ingest

const alarm = (seq: number, state: AlarmEvent['state'], extra: Partial<AlarmEvent> = {}): AlarmEvent =>
  ({ seq, ts: T0 + seq * 1000, type: 'alarm', state, device: 'gas-0', channel: 'ch4', kind: 'level', level: 'high', value: 1.2, unit: '%CH4', threshold: 1, ...extra })
const send = (...events: AlarmEvent[]) => expect(ingest.handle(topic('site-0-0', 'gw-0-0-0', 'events'), eventsPayload('gw-0-0-0', events))).toMatchObject({ ok: true })
const oldestFirst = () => store.listAlarms(admin).sort((a, b) => a.id - b.id)

beforeEach(() => {
  store = memoryStore(now)
  seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
  ingest = new Ingest({ store, clock: () => now.value })
})
afterEach(() => store.close())

it('a raise while the alarm is still active (its clear was lost) ends the active row at the new raise', () => {
  send(alarm(1, 'raised'))
  send(alarm(2, 'raised', { level: 'alarm' }))
  expect(oldestFirst()).toMatchObject([
    { state: 'cleared', level: 'high', raisedAt: T0 + 1000, clearedAt: T0 + 2000 },
    { state: 'active', level: 'alarm', raisedAt: T0 + 2000 },
  ])
})

it('an escalation without an active row (its raise was lost) raises one at the escalation', () => {
  send(alarm(1, 'escalated', { level: 'power-cut', from: 'alarm', value: 1.6, threshold: 1.5 }))
  expect(oldestFirst()).toMatchObject([{ state: 'active', level: 'power-cut', raisedAt: T0 + 1000, value: 1.6, threshold: 1.5 }])
})

it('an acknowledgement after the clear acknowledges the last row; a clear of no active row changes nothing', () => {
  send(alarm(1, 'raised'), alarm(2, 'cleared'))
  send(alarm(3, 'acknowledged', { by: '张工' }))
  send(alarm(4, 'cleared'))
  expect(oldestFirst()).toMatchObject([{ state: 'cleared', clearedAt: T0 + 2000, acknowledged: true, acknowledgedBy: 'local operator at gw-0-0-0: 张工', acknowledgedAt: T0 + 3000 }])
})

it('a raise already acknowledged (acknowledged on the gateway before its report) keeps who and when', () => {
  send(alarm(1, 'raised', { acknowledged: true, by: 'op' }))
  expect(oldestFirst()).toMatchObject([{ state: 'active', acknowledged: true, acknowledgedBy: 'local operator at gw-0-0-0: op', acknowledgedAt: T0 + 1000 }])
})
