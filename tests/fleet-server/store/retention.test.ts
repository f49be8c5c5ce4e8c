import { afterEach, expect, it } from 'vitest'
import { Ingest } from '../../../fleet-server/src/ingest/index.ts'
import { openSqliteStore, type SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { rawSamples, samples, seedRegistry, telemetryPayload, topic } from './fixtures.ts'

const T0 = Date.parse('2026-11-29T02:00:00Z')
const DAY_MS = 86_400_000
const now = { value: T0 }
let store: SqliteStore
afterEach(() => store?.close())

/** One whole retention sweep: the samples it deleted. */
function sweep(s: SqliteStore): number {
  let deleted = 0
  for (let batch = s.pruneSamples(T0, 100); ; batch = s.pruneSamples(T0, 100)) {
    deleted += batch.deleted
    if (batch.done) return deleted
  }
}

const rolledUp = (s: SqliteStore) => (s.db.prepare('SELECT coalesce(sum(count), 0) AS n FROM rollup_1h').get() as { n: number }).n

it('deletes no raw row whose roll-ups are still only in memory: amid a group they cannot be written, so the row stays', () => {
  store = openSqliteStore(':memory:', { clock: () => now.value, retentionDays: 1 })
  seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 1, gatewaysPerSite: 1, devicesPerGateway: 1 })
  const ingest = new Ingest({ store, clock: () => now.value })
  store.group(() => {
    ingest.handle(topic('site-0-0', 'gw-0-0-0', 'telemetry'), telemetryPayload('gw-0-0-0', samples(0, 50, T0 - 2 * DAY_MS)))
    // the group may still roll back: its roll-ups wait in memory, and so does the raw row they come from
    expect(sweep(store)).toBe(0)
    expect(rawSamples(store)).toBe(50)
  })
  // committed: the sweep writes the roll-ups first, then the row past the retention goes
  expect(sweep(store)).toBe(50)
  expect(rawSamples(store)).toBe(0)
  expect(rolledUp(store)).toBe(50)
})
