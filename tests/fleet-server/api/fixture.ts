import type { FastifyInstance } from 'fastify'
import type { CommandRecord, Health, User } from '../../../fleet-server/src/api/index.ts'
import { buildApp, type CommandPort } from '../../../fleet-server/src/app.ts'
import { hashSecret } from '../../../fleet-server/src/mqtt/secrets.ts'
import { openSqliteStore, type SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'

export const NOW = Date.UTC(2026, 5, 1, 4, 0, 0)
export const PASSWORD = 'correct horse battery'

/** Two enterprises: A has a site in 涌山镇 and one in 石潭镇, B one in 涌山镇. One gateway and one alarm per site. */
export const USERS: User[] = [
  { name: 'admin', role: 'admin' },
  { name: 'reg-ys', role: 'regulator', jurisdiction: '涌山镇' },
  { name: 'ent-a', role: 'enterprise', enterpriseId: 'ent-a' },
  { name: 'ent-b', role: 'enterprise', enterpriseId: 'ent-b' },
  { name: 'inst', role: 'installer', siteIds: ['site-a2'] },
]

export interface SentCommand { gatewayId: string; name: string; args: unknown; by: string }

export interface Fixture {
  app: FastifyInstance
  store: SqliteStore
  sent: SentCommand[]
  clock: { now: number }
  /** a Bearer header for a user of USERS */
  as(name: string): Promise<{ authorization: string }>
  alarmId(gatewayId: string): number
  close(): Promise<void>
}

export async function fixture(opts: { webRoot?: string; sendError?: Error; publicUrl?: string } = {}): Promise<Fixture> {
  const clock = { now: NOW }
  const store = openSqliteStore(':memory:', { clock: () => clock.now })
  seed(store)
  const passwordHash = await hashSecret(PASSWORD)
  for (const user of USERS) store.addUser({ ...user, passwordHash })

  const sent: SentCommand[] = []
  let next = 1
  const commands: CommandPort = {
    async send(gatewayId, name, args, by) {
      if (opts.sendError) throw opts.sendError
      sent.push({ gatewayId, name, args, by })
      const command: CommandRecord = { id: `cmd-${next++}`, gatewayId, name, sentAt: clock.now, by }
      store.recordCommand({ ...command, args })
      return command
    },
    result: (id) => store.getCommand(id),
  }
  const health = (): Health => ({ ok: true, version: 'test', uptimeS: 1, mqtt: { connected: true, url: 'mqtt://127.0.0.1:1883' }, ingest: { accepted: 0, duplicates: 0, rejected: {} } })
  const app = await buildApp({ store, commands, health, clock: () => clock.now, ...(opts.webRoot ? { webRoot: opts.webRoot } : {}), ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}) })

  const tokens = new Map<string, string>()
  return {
    app, store, sent, clock,
    async as(name) {
      if (!tokens.has(name)) {
        const reply = await app.inject({ method: 'POST', url: '/api/login', payload: { name, password: PASSWORD } })
        if (reply.statusCode !== 200) throw new Error(`login ${name}: ${reply.statusCode} ${reply.body}`)
        tokens.set(name, reply.json<{ token: string }>().token)
      }
      return { authorization: `Bearer ${tokens.get(name)}` }
    },
    alarmId(gatewayId) {
      const alarm = store.listAlarms({ role: 'admin' }).find((a) => a.gatewayId === gatewayId)
      if (!alarm) throw new Error(`no alarm on ${gatewayId}`)
      return alarm.id
    },
    async close() {
      await app.close()
      store.close()
    },
  }
}

function seed(store: SqliteStore): void {
  store.upsertEnterprise({ id: 'ent-a', name: '甲矿业有限公司' })
  store.upsertEnterprise({ id: 'ent-b', name: '乙化工有限公司' })
  store.upsertSite({ id: 'site-a1', enterpriseId: 'ent-a', name: '甲煤矿', type: 'coal-mine', jurisdiction: '涌山镇' })
  store.upsertSite({ id: 'site-a2', enterpriseId: 'ent-a', name: '甲尾矿库', type: 'tailings-pond', jurisdiction: '石潭镇' })
  store.upsertSite({ id: 'site-b1', enterpriseId: 'ent-b', name: '乙化工厂', type: 'chemical-plant', jurisdiction: '涌山镇' })
  const gateways = [['gw-a1', 'site-a1'], ['gw-a2', 'site-a2'], ['gw-b1', 'site-b1']] as const
  for (const [gatewayId, siteId] of gateways) {
    store.upsertGateway({ id: gatewayId, siteId })
    const t0 = NOW - 10 * 60_000
    store.storeInventory(gatewayId, siteId, {
      v: 1, gw: gatewayId, ts: t0,
      devices: [{ device: 'ch4-1', profile: 'gas-ch4', profileVersion: '1', bus: 'rs485-1', unit: 1, vendor: 'ACME', model: 'GJC4', system: 'monitoring' }],
    }, t0)
    store.storeTelemetry({ gatewayId, samples: [
      { seq: 1, device: 'ch4-1', channel: 'ch4', ts: t0, value: 0.2, quality: 'good' },
      { seq: 2, device: 'ch4-1', channel: 'ch4', ts: t0 + 60_000, value: 0.4, quality: 'good' },
    ], ranges: [{ first: 1, last: 2 }], duplicates: 0, now: NOW })
    store.storeEvents(gatewayId, siteId, [
      { seq: 3, ts: t0 + 120_000, type: 'alarm', state: 'raised', device: 'ch4-1', channel: 'ch4', kind: 'level', level: 'alarm', value: 1.2, threshold: 1, unit: '%' },
      { seq: 4, ts: t0 + 130_000, type: 'interlock', interlock: 'power-cut', state: 'tripped', cause: 'ch4 >= 1.5' },
    ], [{ first: 3, last: 4 }], 0, NOW)
  }
}
