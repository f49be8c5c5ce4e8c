import { describe, expect, it } from 'vitest'
import { Ingest } from '../../../fleet-server/src/ingest/index.ts'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { dataRowCounts, memoryStore, seedRegistry } from '../store/fixtures.ts'
import { hostileMessages } from './hostile-payloads.ts'

const now = { value: Date.parse('2026-11-29T02:00:00Z') }
const totalRejects = (store: SqliteStore) => Object.values(store.ingestStats().rejected).reduce((a, b) => a + b, 0)

function registry(): SqliteStore {
  const store = memoryStore(now)
  seedRegistry(store, { enterprises: 1, sitesPerEnterprise: 2, gatewaysPerSite: 1, devicesPerGateway: 1 })
  return store
}

describe('ingest fuzz: hostile payloads are counted, never stored', () => {
  it('10,000 messages fed to Ingest directly', () => {
    const store = registry()
    const ingest = new Ingest({ store, clock: () => now.value })
    const messages = hostileMessages(10_000, 20261129, 'site-0-0', 'gw-0-0-0', 'site-0-1')
    const before = dataRowCounts(store)
    const outcomes = new Map<string, Set<string>>()
    for (const m of messages) {
      const result = ingest.handle(m.topic, m.payload)
      expect(result.ok, `${m.what}: ${m.topic} ${m.payload.subarray(0, 200).toString()}`).toBe(false)
      if (!result.ok) outcomes.set(m.what, (outcomes.get(m.what) ?? new Set()).add(result.reason))
    }
    expect(dataRowCounts(store)).toEqual(before)
    expect(totalRejects(store)).toBe(messages.length)
    expect(store.ingestStats()).toMatchObject({ messages: 0, accepted: 0 })
    const reasons = new Set([...outcomes.values()].flatMap((s) => [...s]))
    expect([...reasons].sort()).toEqual(['gateway-mismatch', 'inconsistent', 'json', 'oversize', 'schema', 'topic', 'unknown-gateway', 'version'])
    store.close()
  })
})
