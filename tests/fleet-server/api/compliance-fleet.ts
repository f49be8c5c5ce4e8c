/**
 * A generated fleet for the compliance API tests, and an oracle written independently of
 * fleet-server/src/compliance (its own date arithmetic, rule binding and coverage counting).
 */
import type { FastifyInstance } from 'fastify'
import { SITE_TYPES, type SiteType, type User } from '../../../fleet-server/src/api/index.ts'
import { buildApp } from '../../../fleet-server/src/app.ts'
import type { Catalog, Rule } from '../../../fleet-server/src/compliance/catalog-schema.ts'
import { loadCatalog } from '../../../fleet-server/src/compliance/index.ts'
import { hashSecret } from '../../../fleet-server/src/mqtt/secrets.ts'
import { openSqliteStore, type SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'

export const DAY_MS = 86_400_000
const MIN_MS = 60_000
export const JURISDICTIONS = ['涌山镇', '石潭镇', '城关镇'] as const
/** names that need RFC 4180 quoting (comma, quote, line break) */
export const ENTERPRISES = [
  { id: 'ent-0', name: '乐平市涌山煤业有限责任公司' },
  { id: 'ent-1', name: '甲矿业, "东方" 有限公司' },
  { id: 'ent-2', name: '乙化工\n有限公司' },
  { id: 'ent-3', name: 'Plain Trading Co' },
]

import { mulberry32 } from '../../../edge-agent/src/simulator/scenarios.ts'

export { mulberry32 }

// --- the oracle's own calendar arithmetic -------------------------------------------------------
const pad = (n: number, w = 2) => String(n).padStart(w, '0')
const parts = (d: string) => d.split('-').map(Number) as [number, number, number]
export const dayIndex = (d: string) => { const [y, m, dd] = parts(d); return Date.UTC(y, m - 1, dd) / DAY_MS }
export const dayOf = (index: number) => new Date(index * DAY_MS).toISOString().slice(0, 10)
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
function plusYears(d: string, years: number | null): string {
  if (years === null) return d
  const [y, m, dd] = parts(d)
  const year = y + years
  return `${pad(year, 4)}-${pad(m)}-${pad(m === 2 && dd === 29 && !isLeap(year) ? 28 : dd)}`
}
/** [from, to) epoch ms of the 7 Shanghai days ending with asOf */
export function window7(asOf: string): { from: number; to: number } {
  const to = Date.parse(`${asOf}T00:00:00+08:00`) + DAY_MS
  return { from: to - 7 * DAY_MS, to }
}

/** Per Shanghai day, the 1,440-bit map of the minutes inside the good ranges (bit m of byte m >> 3, LSB first). */
export function minuteBitmaps(good: readonly [number, number][]): Map<string, Uint8Array> {
  const days = new Map<string, Uint8Array>()
  for (const [a, b] of good) {
    for (let t = a; t < b; t += MIN_MS) {
      const local = t + 8 * 3_600_000
      const day = dayOf(Math.floor(local / DAY_MS))
      const minute = Math.floor((local % DAY_MS) / MIN_MS)
      let bits = days.get(day)
      if (!bits) days.set(day, (bits = new Uint8Array(180)))
      bits[minute >> 3]! |= 1 << (minute & 7)
    }
  }
  return days
}

export const popcount = (bits: Uint8Array): number => bits.reduce((n, byte) => { let b = byte; let c = 0; while (b) { c += b & 1; b >>= 1 } return n + c }, 0)

/** the oracle's good minutes of one Shanghai day (YYYY-MM-DD) from a device's good ranges */
export function goodMinutesOn(good: readonly [number, number][], day: string): number {
  const from = Date.parse(`${day}T00:00:00+08:00`)
  const to = from + DAY_MS
  return good.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)) / MIN_MS, 0)
}

// --- the fleet -----------------------------------------------------------------------------------
export interface GenSite { id: string; name: string; type: SiteType; jurisdiction: string; enterpriseId: string; enterpriseName: string; inTownNearHomes?: boolean; rulesFrom?: string }
export interface GenRecord { siteId: string; system: string; commissionedOn: string; accepted: boolean }
/** good-minute ranges [a, b) in epoch ms, per device; bad-only ranges are stored too but never listed here */
export interface GenDevice { siteId: string; gatewayId: string; id: string; system: string; good: [number, number][] }
export interface Fleet { sites: GenSite[]; records: GenRecord[]; devices: GenDevice[] }

export const MAIN_AS_OF = '2026-06-01'

/** A catalog with a township whose dates differ, so per-jurisdiction dates are exercised too. */
export function testCatalog(base: Catalog): Catalog {
  const catalog = structuredClone(base) as Catalog
  ;(catalog.jurisdictions as Record<string, unknown>)['石潭镇'] = {
    appliesFrom: '2012-02-29', rules: { 'hazmat-vehicle-satellite-positioning': '2024-09-15', 'mine-underground-safety-systems': '2023-11-20' },
  }
  return catalog
}

function randomDay(rand: () => number, from: string, to: string): string {
  return dayOf(dayIndex(from) + Math.floor(rand() * (dayIndex(to) - dayIndex(from) + 1)))
}

/** ≥ 200 sites of every type, commissioning records around the deadlines, roll-up histories around 95 %. */
export function generateFleet(store: SqliteStore, catalog: Catalog, count = 240, seed = 7): Fleet {
  const rand = mulberry32(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!
  const fleet: Fleet = { sites: [], records: [], devices: [] }
  const { db } = store
  const addChannel = db.prepare('INSERT INTO channels (gateway_id, device, channel) VALUES (?, ?, ?) RETURNING id')
  const addDevice = db.prepare('INSERT INTO devices (gateway_id, id, site_id, profile, system) VALUES (?, ?, ?, ?, ?)')
  const addMinutes = db.prepare(`INSERT INTO rollup_1m (channel_id, bucket, count, bad, n, vmin, vmax, sum)
    WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < ?) SELECT ?, ? + i * 60000, 2, ?, 1, 0.1, 0.1, 0.1 FROM k`)
  const history = (gatewayId: string, device: string, channel: string, from: number, to: number, good: boolean) => {
    const id = (addChannel.get(gatewayId, device, channel) as { id: number }).id
    addMinutes.run((to - from) / MIN_MS, id, from, good ? 0 : 2)
  }
  // what the ingest leaves in device_minutes (migration 6) for the same histories, written here directly
  const addDayMinutes = db.prepare('INSERT INTO device_minutes (gateway_id, device, day, minutes, bits) VALUES (?, ?, ?, ?, ?)')
  const dayMinutes = (gatewayId: string, device: string, good: readonly [number, number][]) => {
    for (const [day, bits] of minuteBitmaps(good)) addDayMinutes.run(gatewayId, device, day, popcount(bits), bits)
  }
  const { from, to } = window7(MAIN_AS_OF)
  const M = MIN_MS
  // each history: channels of [start, end, good]; the expected good minutes follow from them
  const HISTORIES: Array<Array<[number, number, boolean]>> = [
    [[from - 2 * DAY_MS, to + DAY_MS, true]], // all of it, and more outside the window
    [[to - 9576 * M, to, true]], // exactly 95 %
    [[to - 9575 * M, to, true]], // one minute short
    [[from, from + 5000 * M, true], [from + 5000 * M, to, true]], // two channels, together all of it
    [[from, from + 5040 * M, true]], // half
    [[from, to, false]], // only bad samples
    [], // a device that never reported
    [[from + M, to + 9 * DAY_MS, true]], // starts one minute late, runs on past the window
  ]
  db.transaction(() => {
    for (const e of ENTERPRISES) store.upsertEnterprise(e)
    for (let i = 0; i < count; i++) {
      const type = SITE_TYPES[i % SITE_TYPES.length]!
      const enterprise = ENTERPRISES[Math.floor(rand() * ENTERPRISES.length)]!
      const r = rand()
      const rulesFrom = r < 0.35 ? undefined : r < 0.4 ? pick(['2012-02-29', '2016-02-29', '2024-02-29']) : r < 0.7 ? randomDay(rand, '2009-01-01', '2022-12-31') : randomDay(rand, '2023-01-01', '2027-12-31')
      const near = type === 'petrol-station' || rand() < 0.1 ? pick([true, false, undefined]) : undefined
      const site: GenSite = {
        id: `site-${pad(i, 3)}`, name: i % 17 === 0 ? `站点,${i}号` : `场所${i}`, type, jurisdiction: pick(JURISDICTIONS), enterpriseId: enterprise.id,
        enterpriseName: enterprise.name, ...(near !== undefined && { inTownNearHomes: near }), ...(rulesFrom !== undefined && { rulesFrom }),
      }
      fleet.sites.push(site)
      store.upsertSite({ id: site.id, enterpriseId: site.enterpriseId, name: site.name, type, jurisdiction: site.jurisdiction,
        ...(rulesFrom !== undefined && { rulesFrom }), ...(near !== undefined && { inTownNearHomes: near }) })
      const gatewayId = `gw-${pad(i, 3)}`
      store.upsertGateway({ id: gatewayId, siteId: site.id })
      for (const duty of expectedDuties(catalog, site)) {
        // commissioning: none, before, on or after the deadline, after MAIN_AS_OF; sometimes a rejected earlier one
        const c = rand()
        const deadline = dayIndex(duty.deadline)
        const dates = c < 0.25 ? [] : c < 0.45 ? [deadline - 1 - Math.floor(rand() * 400)] : c < 0.5 ? [deadline]
          : c < 0.75 ? [deadline + 1 + Math.floor(rand() * 900)] : c < 0.85 ? [deadline - 30, deadline + 30] : [dayIndex(MAIN_AS_OF) + 1 + Math.floor(rand() * 20)]
        for (const d of dates) fleet.records.push({ siteId: site.id, system: duty.system, commissionedOn: dayOf(d), accepted: true })
        if (rand() < 0.1) fleet.records.push({ siteId: site.id, system: duty.system, commissionedOn: dayOf(deadline - 500), accepted: false })
        // devices with roll-up histories on about one duty in seven
        if (rand() < 0.15) {
          const n = 1 + Math.floor(rand() * 2)
          for (let k = 0; k < n; k++) {
            const id = `${duty.system}-${k}`
            const channels = pick(HISTORIES)
            addDevice.run(gatewayId, id, site.id, 'test-profile', duty.system)
            channels.forEach(([a, b, good], ci) => history(gatewayId, id, `ch${ci}`, a, b, good))
            const good = channels.filter((h) => h[2]).map(([a, b]): [number, number] => [a, b])
            dayMinutes(gatewayId, id, good)
            fleet.devices.push({ siteId: site.id, gatewayId, id, system: duty.system, good })
          }
        }
      }
      // a device of no regulatory system, full coverage: must not count for anything
      if (i % 9 === 0) {
        addDevice.run(gatewayId, 'other', site.id, 'test-profile', null)
        history(gatewayId, 'other', 'ch0', from, to, true)
        dayMinutes(gatewayId, 'other', [[from, to]])
      }
    }
    for (const r of fleet.records) store.addCommissioning({ ...r, by: 'seed', createdAt: 0 })
  })()
  return fleet
}

// --- the oracle ----------------------------------------------------------------------------------
interface Duty { system: string; rule: Rule; appliesFrom: string; deadline: string }

function ruleAppliesFrom(catalog: Catalog, rule: Rule, jurisdiction: string): string {
  const all = catalog.jurisdictions as Record<string, { appliesFrom: string; rules?: Record<string, string> }>
  const own = Object.hasOwn(all, jurisdiction) ? all[jurisdiction] : undefined
  return own?.rules?.[rule.id] ?? own?.appliesFrom ?? all['*']!.rules?.[rule.id] ?? all['*']!.appliesFrom
}

export function expectedDuties(catalog: Catalog, site: GenSite): Duty[] {
  const duties = new Map<string, Duty>()
  for (const rule of catalog.rules) {
    if (!rule.siteTypes.includes(site.type)) continue
    if (rule.condition?.inTownNearHomes !== undefined && rule.condition.inTownNearHomes !== site.inTownNearHomes) continue
    const base = ruleAppliesFrom(catalog, rule, site.jurisdiction)
    const appliesFrom = site.rulesFrom !== undefined && dayIndex(site.rulesFrom) > dayIndex(base) ? site.rulesFrom : base
    const deadline = plusYears(appliesFrom, rule.periodYears)
    for (const system of rule.systems) {
      const known = duties.get(system)
      if (!known || dayIndex(deadline) < dayIndex(known.deadline)) duties.set(system, { system, rule, appliesFrom, deadline })
    }
  }
  return [...duties.values()]
}

export interface ExpectedRow {
  siteId: string; siteName: string; siteType: string; jurisdiction: string; enterpriseName: string; ruleId: string; clause: string; system: string
  appliesFrom: string; deadline: string; installedOn: string | null; verified: boolean; coverage: number; status: string
  daysOverdue: number | null; daysLeft: number | null; sanction: { zh: string; en: string } | null
}

export function expectedRows(catalog: Catalog, fleet: Fleet, asOf: string, sites: readonly GenSite[] = fleet.sites): ExpectedRow[] {
  const { from, to } = window7(asOf)
  const minutes = 7 * 24 * 60
  const rows: ExpectedRow[] = []
  for (const site of sites) {
    for (const duty of expectedDuties(catalog, site)) {
      const dates = fleet.records.filter((r) => r.siteId === site.id && r.system === duty.system && r.accepted && dayIndex(r.commissionedOn) <= dayIndex(asOf))
        .map((r) => dayIndex(r.commissionedOn))
      const installed = dates.length > 0 ? Math.min(...dates) : undefined
      const devices = fleet.devices.filter((d) => d.siteId === site.id && d.system === duty.system)
      const counts = devices.map((d) => d.good.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)) / MIN_MS, 0))
      const worst = counts.length === 0 ? 0 : Math.min(...counts)
      let status: string
      let daysOverdue: number | null = null
      let daysLeft: number | null = null
      if (installed !== undefined) {
        const after = installed - dayIndex(duty.deadline)
        status = after <= 0 ? 'compliant' : 'late'
        if (after > 0) daysOverdue = after
      } else {
        const left = dayIndex(duty.deadline) - dayIndex(asOf)
        if (left < 0) [status, daysOverdue] = ['overdue', -left]
        else [status, daysLeft] = [left <= 90 ? 'due-soon' : 'on-track', left]
      }
      rows.push({
        siteId: site.id, siteName: site.name, siteType: site.type, jurisdiction: site.jurisdiction, enterpriseName: site.enterpriseName,
        ruleId: duty.rule.id, clause: duty.rule.clause, system: duty.system, appliesFrom: duty.appliesFrom, deadline: duty.deadline,
        installedOn: installed === undefined ? null : dayOf(installed), verified: counts.length > 0 && worst * 20 >= 19 * minutes,
        coverage: worst / minutes, status, daysOverdue, daysLeft, sanction: duty.rule.sanction,
      })
    }
  }
  return rows
}

export const byKey = <T extends { siteId: string; system: string }>(rows: readonly T[]): T[] =>
  [...rows].sort((a, b) => a.siteId.localeCompare(b.siteId) || a.system.localeCompare(b.system))

/** 2026-06-01 12:00 in Shanghai: "today" is MAIN_AS_OF */
export const FLEET_NOW = Date.UTC(2026, 5, 1, 4, 0, 0)
const PASSWORD = 'correct horse battery'

export interface FleetApp {
  catalog: Catalog
  store: SqliteStore
  fleet: Fleet
  app: FastifyInstance
  /** the headers of a user signed in (once, then reused) */
  as(user: string): Promise<{ authorization: string }>
  close(): Promise<void>
}

/** The generated fleet in a fresh store behind buildApp() at FLEET_NOW, with these users. */
export async function startFleetApp(users: readonly User[]): Promise<FleetApp> {
  const catalog = testCatalog(loadCatalog())
  const store = openSqliteStore(':memory:', { clock: () => FLEET_NOW })
  const fleet = generateFleet(store, catalog)
  const passwordHash = await hashSecret(PASSWORD)
  for (const user of users) store.addUser({ ...user, passwordHash })
  const health = () => ({ ok: true, version: 'test', uptimeS: 1, mqtt: { connected: true, url: 'mqtt://127.0.0.1:1883' }, ingest: { accepted: 0, duplicates: 0, rejected: {} } })
  const app = await buildApp({ store, commands: { send: async () => { throw new Error('no commands') }, result: () => undefined }, health, clock: () => FLEET_NOW, catalog })
  const tokens = new Map<string, string>()
  return {
    catalog, store, fleet, app,
    async as(name) {
      if (!tokens.has(name)) {
        const reply = await app.inject({ method: 'POST', url: '/api/login', payload: { name, password: PASSWORD } })
        tokens.set(name, reply.json<{ token: string }>().token)
      }
      return { authorization: `Bearer ${tokens.get(name)}` }
    },
    async close() {
      await app.close()
      store.close()
    },
  }
}
