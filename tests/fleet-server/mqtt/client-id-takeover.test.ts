import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startIngest, type RunningIngest } from '../../../fleet-server/src/ingest/index.ts'
import { hashSecret, startEmbeddedBroker, type EmbeddedBroker } from '../../../fleet-server/src/mqtt/index.ts'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { memoryStore, seedRegistry, topic } from '../store/fixtures.ts'
import { attempt, session, stillConnected, type Session } from './sessions.ts'

// Hole 5 of issue 15 (client-id takeover): the embedded broker with the server's real ingest client
// (client id fleet-server-ingest) and real gateways over TCP.

const SERVER = { username: 'fleet-server', password: 'server-secret' }
const now = { value: Date.now() }
let store: SqliteStore
let broker: EmbeddedBroker
let ingest: RunningIngest
let ingestCloses = 0
const sessions: Session[] = []
// two enterprises, one site each, two gateways each; each test's attacker is another gateway, so
// that its refusals stay below the failed sign-ins after which the broker slows a user down
const A = { site: 'site-0-0', gateway: 'gw-0-0-0' }
const A2 = { site: 'site-0-0', gateway: 'gw-0-0-1' }
const B = { site: 'site-1-0', gateway: 'gw-1-0-0' }
const B2 = { site: 'site-1-0', gateway: 'gw-1-0-1' }
const ownId = (g: { site: string; gateway: string }) => `edge-${g.site}-${g.gateway}`

async function connectAs(g: { site: string; gateway: string }, clientId: string) {
  return attempt(broker.url, { username: g.gateway, password: `pw-${g.gateway}`, clientId })
}

beforeAll(async () => {
  store = memoryStore(now)
  const { gateways } = seedRegistry(store, { enterprises: 2, sitesPerEnterprise: 1, gatewaysPerSite: 2, devicesPerGateway: 0 })
  // two gateways whose own client ids are the same string: site x-y's gateway z and site x's gateway y-z
  store.upsertSite({ id: 'x-y', enterpriseId: 'ent-0', name: 'x-y', type: 'coal-mine', jurisdiction: '涌山镇' })
  store.upsertSite({ id: 'x', enterpriseId: 'ent-0', name: 'x', type: 'coal-mine', jurisdiction: '涌山镇' })
  gateways.push({ id: 'z', site: 'x-y' }, { id: 'y-z', site: 'x' })
  for (const g of gateways) store.setGatewayCredentials({ gatewayId: g.id, siteId: g.site, username: g.id, passwordHash: await hashSecret(`pw-${g.id}`) })
  broker = await startEmbeddedBroker({ port: 0, store, serverCredentials: SERVER })
  // the server's own client id (fleet-server-ingest), as the server runs it
  ingest = await startIngest({ url: broker.url, store, clientOptions: SERVER })
  ingest.client.on('close', () => { ingestCloses += 1 })
})

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.client.endAsync(true)))
  await ingest.close()
  await broker.close()
  store.close()
})

describe('client ids (issue 15, hole 5)', () => {
  it('refuses a gateway that signs in with the server\'s ingest client id (not authorized); the ingest stays connected', async () => {
    expect(ingest.client.options.clientId).toBe('fleet-server-ingest')
    for (let i = 0; i < 3; i++) expect((await connectAs(A, 'fleet-server-ingest')).refused).toBe(5)
    await ingest.client.publishAsync(topic(A.site, A.gateway, 'cmd/ping'), '{}', { qos: 1 })
    expect(ingestCloses).toBe(0)
    expect(ingest.connected()).toBe(true)
  })

  it('refuses a gateway that signs in with another gateway\'s client id; that gateway stays connected', async () => {
    const victim = await session(broker.url, { username: B.gateway, password: `pw-${B.gateway}`, clientId: ownId(B) })
    sessions.push(victim)
    expect((await connectAs(A2, ownId(B))).refused).toBe(5)
    expect(await stillConnected(victim, topic(B.site, B.gateway, 'status'))).toBe(true)
  })

  it('refuses any other id than the gateway\'s own, and lets its own id take over its own older session', async () => {
    for (const clientId of ['agent-x', 'fleet-server', `${ownId(B2)}x`, `edge-${A.site}-${B2.gateway}`]) {
      expect((await connectAs(B2, clientId)).refused, clientId).toBe(5)
    }
    const older = await session(broker.url, { username: B2.gateway, password: `pw-${B2.gateway}`, clientId: ownId(B2) })
    const newer = await session(broker.url, { username: B2.gateway, password: `pw-${B2.gateway}`, clientId: ownId(B2) })
    sessions.push(older, newer)
    await older.closed
    expect(await stillConnected(newer, topic(B2.site, B2.gateway, 'status'))).toBe(true)
  })

  it('refuses a gateway whose own client id is the same string as a connected gateway\'s (ids may contain -)', async () => {
    const z = { site: 'x-y', gateway: 'z' }
    const yz = { site: 'x', gateway: 'y-z' }
    expect(ownId(z)).toBe(ownId(yz))
    const holder = await session(broker.url, { username: z.gateway, password: `pw-${z.gateway}`, clientId: ownId(z) })
    sessions.push(holder)
    expect((await connectAs(yz, ownId(yz))).refused).toBe(5)
    expect(await stillConnected(holder, topic(z.site, z.gateway, 'status'))).toBe(true)
  })
})
