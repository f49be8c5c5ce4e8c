import type { FastifyInstance } from 'fastify'
import { generateSigningKey, signRun, verifySignedRun } from '../../../../protocols/commissioning/index.ts'
import { sampleRun } from '../../../support/commissioning-run.ts'
import type { CommandRecord, Health, User } from '../../../../fleet-server/src/api/index.ts'
import { buildApp, type CommandPort } from '../../../../fleet-server/src/app.ts'
import { hashToken, newToken } from '../../../../fleet-server/src/auth/tokens.ts'
import type { Catalog } from '../../../../fleet-server/src/compliance/catalog-schema.ts'
import { loadCatalog } from '../../../../fleet-server/src/compliance/catalog.ts'
import type { SiteType } from '../../../../fleet-server/src/model/index.ts'
import { hashSecret } from '../../../../fleet-server/src/mqtt/secrets.ts'
import { openSqliteStore, type SqliteStore } from '../../../../fleet-server/src/store/sqlite/index.ts'
import type { FleetStore } from '../../../../fleet-server/src/store/types.ts'

/**
 * The tenants the access matrix probes: three enterprises over two townships, each site with a gateway,
 * a device, an alarm, an interlock action, a command, a commissioning record, a signed test run and an audit entry whose strings are its own
 * (so an answer carrying another tenant's row is found by searching it for those strings).
 */

export const NOW = Date.UTC(2026, 5, 1, 4, 0, 0)
const YONGSHAN = '涌山镇'
const SHITAN = '石潭镇'

interface SiteSeed { id: string; enterpriseId: string; enterpriseName: string; name: string; type: SiteType; jurisdiction: string }

const SITES: readonly SiteSeed[] = [
  { id: 'site-a1', enterpriseId: 'ent-a', enterpriseName: '甲矿业有限公司', name: '甲煤矿', type: 'coal-mine', jurisdiction: YONGSHAN },
  { id: 'site-a2', enterpriseId: 'ent-a', enterpriseName: '甲矿业有限公司', name: '甲尾矿库', type: 'tailings-pond', jurisdiction: SHITAN },
  { id: 'site-b1', enterpriseId: 'ent-b', enterpriseName: '乙化工有限公司', name: '乙化工厂', type: 'chemical-plant', jurisdiction: YONGSHAN },
  { id: 'site-c1', enterpriseId: 'ent-c', enterpriseName: '丙石油有限公司', name: '丙加油站', type: 'petrol-station', jurisdiction: SHITAN },
]

/** The ids a request names a site's resources by. */
export interface TenantIds {
  siteId: string
  enterpriseId: string
  jurisdiction: string
  gatewayId: string
  deviceId: string
  alarmId: number
  commandId: string
  commissioningId: number
  /** a signed commissioning run of the site's gateway, verified and kept */
  runId: string
}

export interface Identity {
  /** the user name; undefined for anonymous */
  name: string | undefined
  user?: User
  /** the sites the CONTRACT lets it read (the test's own oracle, not the server's scopeFor) */
  sites: readonly string[]
}

const ALL = SITES.map((s) => s.id)
const inTownship = (township: string) => SITES.filter((s) => s.jurisdiction === township).map((s) => s.id)
const ofEnterprise = (id: string) => SITES.filter((s) => s.enterpriseId === id).map((s) => s.id)

/** Every role of the CONTRACT, the scope edge cases (city-wide, a user missing its role's field), and anonymous. */
export const IDENTITIES: readonly Identity[] = [
  { name: undefined, sites: [] },
  { name: 'admin', user: { name: 'admin', role: 'admin' }, sites: ALL },
  { name: 'reg-yongshan', user: { name: 'reg-yongshan', role: 'regulator', jurisdiction: YONGSHAN }, sites: inTownship(YONGSHAN) },
  { name: 'reg-shitan', user: { name: 'reg-shitan', role: 'regulator', jurisdiction: SHITAN }, sites: inTownship(SHITAN) },
  { name: 'reg-city', user: { name: 'reg-city', role: 'regulator', jurisdiction: '*' }, sites: ALL },
  { name: 'reg-unassigned', user: { name: 'reg-unassigned', role: 'regulator' }, sites: [] },
  { name: 'ent-a', user: { name: 'ent-a', role: 'enterprise', enterpriseId: 'ent-a' }, sites: ofEnterprise('ent-a') },
  { name: 'ent-b', user: { name: 'ent-b', role: 'enterprise', enterpriseId: 'ent-b' }, sites: ofEnterprise('ent-b') },
  { name: 'inst-a2', user: { name: 'inst-a2', role: 'installer', siteIds: ['site-a2'] }, sites: ['site-a2'] },
  { name: 'inst-unassigned', user: { name: 'inst-unassigned', role: 'installer', siteIds: [] }, sites: [] },
]

export interface SentCommand { gatewayId: string; name: string }

export interface World {
  app: FastifyInstance
  store: SqliteStore
  /** commands the app handed to the (fake) broker */
  sent: SentCommand[]
  tenants: ReadonlyMap<string, TenantIds>
  /** every string that belongs to a site's tenant: its ids, names, notes */
  strings: ReadonlyMap<string, readonly string[]>
  /** a fresh bearer header for a user (a session straight in the store: no scrypt per request) */
  as(name: string): { authorization: string }
  /** what an admin could learn of a site, to see whether a request changed it */
  snapshot(siteId: string): string
  close(): Promise<void>
}

let passwordHash: Promise<string> | undefined
let catalog: Catalog | undefined

export interface WorldOptions {
  /** registers more routes on the app before it is used (the bite tests) */
  extend?: (app: FastifyInstance, store: SqliteStore) => void
  /** the store the app is given, made from the seeded one (the bite tests: a broken read) */
  storeForApp?: (store: SqliteStore) => FleetStore
}

/** A fresh store and app. */
export async function world({ extend, storeForApp }: WorldOptions = {}): Promise<World> {
  const store = openSqliteStore(':memory:', { clock: () => NOW })
  const tenants = seed(store)
  passwordHash ??= hashSecret(newToken())
  const hash = await passwordHash
  for (const { user } of IDENTITIES) if (user) store.addUser({ ...user, passwordHash: hash })

  const sent: SentCommand[] = []
  let next = 1
  const commands: CommandPort = {
    async send(gatewayId, name, args, by) {
      sent.push({ gatewayId, name })
      const command: CommandRecord = { id: `cmd-sent-${next++}`, gatewayId, name, sentAt: NOW, by }
      store.recordCommand({ ...command, args })
      return command
    },
    result: (id) => store.getCommand(id),
  }
  const health = (): Health => ({ ok: true, version: 'test', uptimeS: 1, mqtt: { connected: true, url: 'mqtt://127.0.0.1:1883' }, ingest: { accepted: 0, duplicates: 0, rejected: {} } })
  catalog ??= loadCatalog()
  const app = await buildApp({ store: storeForApp?.(store) ?? store, commands, health, clock: () => NOW, catalog })
  extend?.(app, store)

  const strings = new Map(SITES.map((site) => {
    const ids = tenants.get(site.id)!
    return [site.id, [site.id, site.name, site.enterpriseId, site.enterpriseName, site.jurisdiction, ids.gatewayId, ids.deviceId, ids.commandId, noteOf(site.id), ids.runId, technicianOf(site.id)]] as const
  }))
  const admin = { role: 'admin' } as const
  return {
    app, store, sent, tenants, strings,
    as(name) {
      const token = newToken()
      store.createSession(hashToken(token), name, NOW + 3_600_000)
      return { authorization: `Bearer ${token}` }
    },
    snapshot(siteId) {
      const gateway = tenants.get(siteId)!.gatewayId
      return JSON.stringify([
        store.getSite(admin, siteId), store.commissioningOf(siteId), store.listAlarms(admin, { siteId }),
        store.interlockActions(admin, { siteId }), store.gatewayCredentials(gateway) ?? null,
        store.audit.list(admin).filter((entry) => entry.siteId === siteId),
      ])
    },
    async close() {
      await app.close()
      store.close()
    },
  }
}

const noteOf = (siteId: string) => `commissioning note of ${siteId}`
const technicianOf = (siteId: string) => `technician of ${siteId}`

/** A run of the gateway signed with a key registered for it, kept through the store's verified path; its id. */
function seedRun(store: SqliteStore, gatewayId: string, siteId: string, at: number): string {
  const { privateKeyPem, publicKey } = generateSigningKey()
  store.setGatewayCredentials({ gatewayId, siteId, username: gatewayId, passwordHash: 'scrypt$irrelevant', signingKey: publicKey })
  const run = sampleRun({ id: `${gatewayId}:${at}`, site: siteId, gateway: gatewayId, startedAt: at, endedAt: at + 60_000, technician: { name: technicianOf(siteId) } })
  const signed = signRun(run, privateKeyPem)
  store.storeEvents(gatewayId, siteId, [{ seq: 5, ts: NOW, type: 'commissioning', signed }], [{ first: 3, last: 5 }], 0, NOW,
    new Map([[5, verifySignedRun(signed, { publicKey, site: siteId, gateway: gatewayId })]]))
  return run.id
}

function seed(store: SqliteStore): Map<string, TenantIds> {
  const tenants = new Map<string, TenantIds>()
  const t0 = NOW - 10 * 60_000
  for (const site of SITES) {
    const suffix = site.id.replace('site-', '')
    const gatewayId = `gw-${suffix}`
    const deviceId = `ch4-${suffix}`
    const commandId = `cmd-seed-${suffix}`
    store.upsertEnterprise({ id: site.enterpriseId, name: site.enterpriseName })
    store.upsertSite({ id: site.id, enterpriseId: site.enterpriseId, name: site.name, type: site.type, jurisdiction: site.jurisdiction })
    store.upsertGateway({ id: gatewayId, siteId: site.id })
    store.storeInventory(gatewayId, site.id, {
      v: 1, gw: gatewayId, ts: t0,
      devices: [{ device: deviceId, profile: 'gas-ch4', profileVersion: '1', bus: 'rs485-1', unit: 1, vendor: 'ACME', model: 'GJC4', system: 'monitoring' }],
    }, t0)
    store.storeTelemetry({ gatewayId, samples: [
      { seq: 1, device: deviceId, channel: 'ch4', ts: t0, value: 0.2, quality: 'good' },
      { seq: 2, device: deviceId, channel: 'ch4', ts: t0 + 60_000, value: 0.4, quality: 'good' },
    ], ranges: [{ first: 1, last: 2 }], duplicates: 0, now: NOW })
    store.storeEvents(gatewayId, site.id, [
      { seq: 3, ts: t0 + 120_000, type: 'alarm', state: 'raised', device: deviceId, channel: 'ch4', kind: 'level', level: 'alarm', value: 1.2, threshold: 1, unit: '%' },
      { seq: 4, ts: t0 + 130_000, type: 'interlock', interlock: `power-cut-${suffix}`, state: 'tripped', cause: 'ch4 >= 1.5' },
    ], [{ first: 3, last: 4 }], 0, NOW)
    store.recordCommand({ id: commandId, gatewayId, name: 'ack-alarm', sentAt: t0, by: 'admin', args: {} })
    const commissioning = store.addCommissioning({ siteId: site.id, system: 'monitoring', commissionedOn: '2026-01-15', by: 'admin', devices: [deviceId], note: noteOf(site.id), createdAt: t0 })
    store.audit.record({ actor: 'admin', action: 'gateway-revoke', siteId: site.id, subject: gatewayId, detail: { note: noteOf(site.id) }, at: t0 })
    const runId = seedRun(store, gatewayId, site.id, t0 - 3_600_000)
    const alarm = store.listAlarms({ role: 'admin' }, { siteId: site.id })[0]
    if (!alarm) throw new Error(`seed: no alarm on ${site.id}`)
    tenants.set(site.id, {
      siteId: site.id, enterpriseId: site.enterpriseId, jurisdiction: site.jurisdiction,
      gatewayId, deviceId, alarmId: alarm.id, commandId, commissioningId: commissioning.id, runId,
    })
  }
  return tenants
}
