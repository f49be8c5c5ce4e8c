/**
 * A city of sites for bench/compliance.ts, written straight into SQLite in one transaction — the
 * registry, commissioning records, devices of each regulatory system and their device_minutes rows
 * (migration 6), as the import, the installers and the ingest would have left them.
 */
import { SITE_TYPES, type SiteType } from '../../fleet-server/src/api/index.ts'
import type { Catalog } from '../../fleet-server/src/compliance/catalog-schema.ts'
import { requiredSystems } from '../../fleet-server/src/compliance/required.ts'
import type { SqliteStore } from '../../fleet-server/src/store/sqlite/index.ts'
import { mulberry32 } from '../../edge-agent/src/simulator/scenarios.ts'
import { addDays } from '../../protocols/calendar/index.ts'

/** 16 townships and streets of Leping */
export const TOWNSHIPS = [
  '洎阳街道', '塔山街道', '镇桥镇', '乐港镇', '涌山镇', '众埠镇', '接渡镇', '洪岩镇', '礼林镇', '后港镇', '塔前镇', '双田镇', '临港镇', '名口镇', '浯口镇', '高家镇',
] as const

/**
 * Share of each site type. Mines (6 systems) and tailings ponds (7) dominate, so the city has about
 * 6 (site, system) rows a site — the size the acceptance names (10,000 sites × 6 systems).
 */
const TYPE_MIX: Array<[SiteType, number]> = [
  ['coal-mine', 0.3], ['non-coal-mine', 0.2], ['tailings-pond', 0.4], ['petrol-station', 0.04], ['chemical-plant', 0.04], ['hazmat-fleet', 0.02],
]

export interface CityShape {
  sites: number
  /** today, YYYY-MM-DD (Asia/Shanghai): the day the report is asked for */
  asOf: string
  /** device_minutes days written, ending asOf */
  days: number
  seed?: number
}

export interface CityCounts {
  sites: number
  enterprises: number
  duties: number
  records: number
  devices: number
  deviceMinutes: number
  byType: Record<string, number>
}

const FULL_DAY = Buffer.alloc(180, 0xff)
const partialDays = new Map<number, Buffer>()
/** a day bitmap with its first `minutes` minutes set */
function firstMinutes(minutes: number): Buffer {
  let bits = partialDays.get(minutes)
  if (!bits) {
    bits = Buffer.alloc(180)
    for (let m = 0; m < minutes; m++) bits[m >> 3]! |= 1 << (m & 7)
    partialDays.set(minutes, bits)
  }
  return bits
}

export function generateCity(store: SqliteStore, catalog: Catalog, shape: CityShape): CityCounts {
  const rand = mulberry32(shape.seed ?? 2026)
  const { db } = store
  const counts: CityCounts = { sites: 0, enterprises: 0, duties: 0, records: 0, devices: 0, deviceMinutes: 0, byType: Object.fromEntries(SITE_TYPES.map((t) => [t, 0])) }
  const sql = {
    enterprise: db.prepare('INSERT INTO enterprises (id, name, name_en) VALUES (?, ?, ?)'),
    site: db.prepare(`INSERT INTO sites (id, enterprise_id, name, type, jurisdiction, address, licence_no, rules_from, in_town_near_homes)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    gateway: db.prepare('INSERT INTO gateways (id, site_id, name, state) VALUES (?, ?, ?, ?)'),
    device: db.prepare('INSERT INTO devices (gateway_id, id, site_id, profile, system, state) VALUES (?, ?, ?, ?, ?, ?)'),
    record: db.prepare(`INSERT INTO commissioning (site_id, system, commissioned_on, by, devices, note, accepted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    minutes: db.prepare('INSERT INTO device_minutes (gateway_id, device, day, minutes, bits) VALUES (?, ?, ?, ?, ?)'),
  }
  const pickType = (): SiteType => {
    let r = rand()
    for (const [type, share] of TYPE_MIX) if ((r -= share) < 0) return type
    return TYPE_MIX[0]![0]
  }
  const randomDay = (from: string, spanDays: number) => addDays(from, Math.floor(rand() * spanDays))
  const dayList = Array.from({ length: shape.days }, (_, i) => addDays(shape.asOf, i - shape.days + 1))
  db.transaction(() => {
    for (let i = 0; i < shape.sites; i++) {
      const enterpriseId = `ent-${Math.floor(i / 10)}`
      if (i % 10 === 0) {
        sql.enterprise.run(enterpriseId, `乐平市第${Math.floor(i / 10)}矿业有限公司`, `Leping Mining Co. ${Math.floor(i / 10)}`)
        counts.enterprises++
      }
      const type = pickType()
      const jurisdiction = TOWNSHIPS[i % TOWNSHIPS.length]!
      const id = `site-${String(i).padStart(5, '0')}`
      // the site's own start date: none (the city's 2011-01-01), or 2009…2027 so every status occurs
      const rulesFrom = rand() < 0.4 ? undefined : randomDay('2009-01-01', 19 * 365)
      const near = type === 'petrol-station' ? rand() < 0.8 : undefined
      sql.site.run(id, enterpriseId, `${jurisdiction}${type}${i}号`, type, jurisdiction, `${jurisdiction}${i}号`, `LIC-${i}`, rulesFrom ?? null, near === undefined ? null : near ? 1 : 0)
      counts.sites++
      counts.byType[type]!++
      const gatewayId = `gw-${String(i).padStart(5, '0')}`
      sql.gateway.run(gatewayId, id, `${id} gateway`, 'online')
      const duties = requiredSystems(catalog, { type, ...(near !== undefined && { inTownNearHomes: near }), ...(rulesFrom !== undefined && { rulesFrom }) }, jurisdiction)
      for (const duty of duties) {
        counts.duties++
        // commissioning: on time (55 %), late (20 %), none (25 %); a rejected earlier attempt now and then
        const c = rand()
        let installedOn: string | undefined
        if (c < 0.55) installedOn = addDays(duty.deadline, -Math.floor(rand() * 700))
        else if (c < 0.75) installedOn = addDays(duty.deadline, 1 + Math.floor(rand() * 900))
        if (installedOn !== undefined && installedOn > shape.asOf) installedOn = undefined
        if (rand() < 0.08) {
          sql.record.run(id, duty.system, addDays(duty.deadline, -800), 'installer', '[]', '资料不全', 0, 0)
          counts.records++
        }
        if (installedOn === undefined) continue
        const devices = 1 + Math.floor(rand() * 2)
        const ids = Array.from({ length: devices }, (_, k) => `${duty.system}-${k}`)
        sql.record.run(id, duty.system, installedOn, 'installer', JSON.stringify(ids), null, 1, 0)
        counts.records++
        for (const device of ids) {
          sql.device.run(gatewayId, device, id, 'bench-profile', duty.system, 'online')
          counts.devices++
          // live evidence: most report all day, some have gaps, a few are silent
          const r = rand()
          if (r < 0.04) continue
          for (const day of dayList) {
            const minutes = r < 0.85 ? 1440 : 1000 + Math.floor(rand() * 441)
            sql.minutes.run(gatewayId, device, day, minutes, minutes === 1440 ? FULL_DAY : firstMinutes(minutes))
            counts.deviceMinutes++
          }
        }
      }
    }
  })()
  return counts
}
