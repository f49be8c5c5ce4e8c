import type { Alarm, CommandRecord, InterlockAction, Series, SiteDetail, SiteSummary, User } from '../../../fleet-server/src/api/index.ts'

/**
 * A small fleet for the dashboard tests, shaped exactly like fleet-server/src/api/schemas.ts
 * (the test server validates every body it sends against those schemas): a coal mine in 涌山镇
 * with an active power-off methane alarm, a petrol station in 乐港镇, a tailings pond whose
 * gateway is offline and a chemical plant with an offline device.
 */

export const PASSWORD = 'demo-pass'
export const USER: User = { name: 'qiye', role: 'enterprise', displayName: '安全员 王工', enterpriseId: 'ent-ys' }
/** 2026-11-29 10:00:00 in Asia/Shanghai */
export const INTERLOCK_TS = Date.UTC(2026, 10, 29, 2, 0, 0)

export function createFleet(now = Date.now()) {
  const coal: SiteSummary = {
    id: 'ys-coal-1', name: '涌山煤矿', type: 'coal-mine', enterpriseId: 'ent-ys', enterpriseName: '乐平涌山煤业有限公司',
    jurisdiction: '涌山镇', address: '乐平市涌山镇桥头村', licenceNo: '(赣)MK安许证字[2024]0123',
    gateways: { total: 1, online: 1 }, devices: { total: 4, online: 3, fault: 1, offline: 0 },
    activeAlarms: 1, unacknowledgedAlarms: 1, lastSeen: now - 3_000,
  }
  const petrol: SiteSummary = {
    id: 'lg-petrol-1', name: '乐港加油站', type: 'petrol-station', enterpriseId: 'ent-ys', enterpriseName: '乐平涌山煤业有限公司',
    jurisdiction: '乐港镇', gateways: { total: 1, online: 1 }, devices: { total: 2, online: 2, fault: 0, offline: 0 },
    activeAlarms: 0, unacknowledgedAlarms: 0, lastSeen: now - 5_000,
  }
  const tailings: SiteSummary = {
    id: 'zb-tailings-1', name: '众埠尾矿库', type: 'tailings-pond', enterpriseId: 'ent-ys', enterpriseName: '乐平涌山煤业有限公司',
    jurisdiction: '众埠镇', gateways: { total: 1, online: 0 }, devices: { total: 3, online: 0, fault: 0, offline: 3 },
    activeAlarms: 0, unacknowledgedAlarms: 0, lastSeen: now - 3_600_000,
  }
  const chem: SiteSummary = {
    id: 'ts-chem-1', name: '塔山化工厂', type: 'chemical-plant', enterpriseId: 'ent-ys', enterpriseName: '乐平涌山煤业有限公司',
    jurisdiction: '塔山街道', gateways: { total: 2, online: 2 }, devices: { total: 5, online: 4, fault: 0, offline: 1 },
    activeAlarms: 0, unacknowledgedAlarms: 0, lastSeen: now - 1_000,
  }

  const alarms: Alarm[] = [{
    id: 101, siteId: coal.id, gatewayId: 'gw-ys-01', device: 'ch4-t1', channel: 'ch4', kind: 'level', level: 'power-off',
    state: 'active', acknowledged: false, raisedAt: now - 300_000, value: 1.62, threshold: 1.5, unit: '%', interlock: 'ch4-power-off',
  }]

  const interlocks: InterlockAction[] = [
    { gatewayId: 'gw-ys-01', siteId: coal.id, seq: 812, ts: INTERLOCK_TS + 2_000, interlock: 'ch4-power-off', state: 'confirmed', cause: 'ch4-t1/ch4 1.62 % ≥ 1.5 %' },
    { gatewayId: 'gw-ys-01', siteId: coal.id, seq: 811, ts: INTERLOCK_TS, interlock: 'ch4-power-off', state: 'tripped', cause: 'ch4-t1/ch4 1.62 % ≥ 1.5 %', by: 'edge' },
  ]

  const coalDetail = (): SiteDetail => ({
    site: coal,
    systems: [{ system: 'monitoring', devices: 3, reporting: 2 }, { system: 'personnel-positioning', devices: 1, reporting: 1 }],
    gateways: [{ id: 'gw-ys-01', siteId: coal.id, name: '主井网关', state: 'online', agentVersion: '0.1.0', configHash: 'c0ffee', bufferDepth: 0, uptimeS: 86_400, lastSeen: now - 3_000, enrolled: true }],
    devices: [
      {
        gatewayId: 'gw-ys-01', id: 'ch4-t1', siteId: coal.id, profile: 'gj4-ch4', location: '1103 回采工作面回风巷 T1', system: 'monitoring',
        vendor: '重庆煤科院', model: 'GJ4', state: 'online', calibratedOn: '2026-11-20', calibrationDue: '2026-12-05', calibrationState: 'due-soon',
        readings: [{ channel: 'ch4', value: 1.62, quality: 'good', ts: now - 2_000, unit: '%' }],
      },
      {
        gatewayId: 'gw-ys-01', id: 'ch4-t2', siteId: coal.id, profile: 'gj4-ch4', location: '1103 回风巷 T2', system: 'monitoring',
        state: 'fault', calibrationDue: '2026-10-01', calibrationState: 'overdue',
        readings: [{ channel: 'ch4', value: null, quality: 'comm-fail', ts: now - 2_000, unit: '%' }],
      },
      {
        gatewayId: 'gw-ys-01', id: 'relay-1', siteId: coal.id, profile: 'kdg-relay', location: '采区变电所', system: 'monitoring',
        state: 'online', readings: [{ channel: 'power', value: false, quality: 'good', ts: now - 2_000 }],
      },
      {
        gatewayId: 'gw-ys-01', id: 'pp-base-1', siteId: coal.id, profile: 'kj-pp', location: '井底车场', system: 'personnel-positioning',
        state: 'online', calibrationDue: '2027-06-01', calibrationState: 'ok',
        readings: [{ channel: 'people', value: 37, quality: 'good', ts: now - 2_000, unit: '人' }],
      },
    ],
    activeAlarms: alarms.filter((a) => a.siteId === coal.id),
    interlockActions: interlocks,
    periodicTests: [{
      gatewayId: 'gw-ys-01', device: 'ch4-t1', profile: 'gj4-ch4', kind: 'catalytic-methane-sensor', location: '1103 回采工作面回风巷 T1', system: 'monitoring',
      tests: [
        { test: 'calibration', state: 'due-soon', dueOn: '2026-12-05', daysLeft: 2, lastOn: '2026-11-20', lastFrom: 'inventory', periodDays: 15, dueSoonDays: 3, source: 'coal rules, 15 days [S]' },
        { test: 'bump', state: 'ok', dueOn: '2026-12-20', daysLeft: 19, lastOn: '2026-11-20', lastFrom: 'run', runId: 'gw-ys-01:1', periodDays: 30, dueSoonDays: 14, source: 'coal rules, monthly [S]' },
      ],
    }, {
      // the coal mine's 15 days are shorter than the maker's interval behind the device's own calibrationDue
      gatewayId: 'gw-ys-01', device: 'ch4-t2', profile: 'gj4-ch4', kind: 'catalytic-methane-sensor', location: '1103 回风巷 T2', system: 'monitoring',
      tests: [
        { test: 'calibration', state: 'overdue', dueOn: '2026-09-16', daysLeft: -75, lastOn: '2026-09-01', lastFrom: 'inventory', periodDays: 15, dueSoonDays: 3, source: 'coal rules, 15 days [S]' },
      ],
    }],
  })

  const commands = new Map<string, { command: CommandRecord; polls: number; alarmId: number }>()

  return {
    sites: [coal, petrol, tailings, chem],
    alarms,
    interlocks,
    commands,
    detail(id: string): SiteDetail | undefined {
      if (id === coal.id) return coalDetail()
      const site = [petrol, tailings, chem].find((s) => s.id === id)
      if (!site) return undefined
      return { site, systems: [], gateways: [], devices: [], activeAlarms: alarms.filter((a) => a.siteId === id), interlockActions: [] }
    },
    /** POST /api/alarms/{id}/ack: the CommandRecord; the gateway answers after the first poll. */
    ack(alarmId: number, by: string): CommandRecord | undefined {
      const alarm = alarms.find((a) => a.id === alarmId)
      if (!alarm) return undefined
      const command: CommandRecord = { id: `cmd-${commands.size + 1}`, gatewayId: alarm.gatewayId, name: 'ack-alarm', sentAt: Date.now(), by }
      commands.set(command.id, { command, polls: 0, alarmId })
      return command
    },
    poll(commandId: string): CommandRecord | undefined {
      const entry = commands.get(commandId)
      if (!entry) return undefined
      entry.polls++
      if (entry.polls >= 2 && !entry.command.result) {
        entry.command.result = { ok: true, message: '已确认 1 条报警', at: Date.now() }
        const alarm = alarms.find((a) => a.id === entry.alarmId)!
        Object.assign(alarm, { acknowledged: true, acknowledgedBy: entry.command.by, acknowledgedAt: Date.now() })
        const site = [coal, petrol, tailings, chem].find((s) => s.id === alarm.siteId)!
        site.unacknowledgedAlarms = alarms.filter((a) => a.siteId === site.id && !a.acknowledged).length
      }
      return entry.command
    },
    /** A new alarm at the petrol station, as the ingest would record it. */
    raisePetrolAlarm(): Alarm {
      const alarm: Alarm = {
        id: 202, siteId: petrol.id, gatewayId: 'gw-lg-01', device: 'lel-1', channel: 'lel', kind: 'level', level: 'alarm',
        state: 'active', acknowledged: false, raisedAt: Date.now(), value: 26, threshold: 25, unit: '%LEL',
      }
      alarms.push(alarm)
      petrol.activeAlarms = 1
      petrol.unacknowledgedAlarms = 1
      return alarm
    },
    series(gatewayId: string, device: string, channel: string, from: number, to: number): Series {
      const points = []
      for (let ts = Math.ceil(from / 60_000) * 60_000; ts < to; ts += 60_000) {
        const i = (ts - from) / 60_000
        if (device === 'ch4-t2' && i > 40) { points.push({ ts, min: null, max: null, avg: null, count: 0, bad: 60 }); continue }
        const avg = 0.6 + i * 0.017 + 0.05 * Math.sin(i / 3)
        points.push({ ts, min: avg - 0.04, max: avg + 0.05, avg, count: 60, bad: 0 })
      }
      return { gatewayId, device, channel, stepMs: 60_000, points }
    },
  }
}

export type Fleet = ReturnType<typeof createFleet>
