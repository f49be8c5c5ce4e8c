import type { GatewayHours, ReportGateway } from '../model/index.ts'
import { HOUR_MS } from './month.ts'

/**
 * A gateway's offline hours in a period of `hours` whole hours from `from`, pure: the hours with no
 * sample in a 1-hour roll-up of any of its channels. Hours before the gateway's first sample ever are
 * not counted (it was not installed yet); a gateway that never reported counts every hour.
 */
export function gatewayOffline(gateway: GatewayHours, period: { from: number; hours: number }): ReportGateway {
  const end = period.from + period.hours * HOUR_MS
  const firstHour = gateway.firstSampleAt === null ? null : gateway.firstSampleAt - (((gateway.firstSampleAt - period.from) % HOUR_MS) + HOUR_MS) % HOUR_MS
  const start = Math.min(end, Math.max(period.from, firstHour ?? period.from))
  const hours = (end - start) / HOUR_MS
  const online = new Set(gateway.onlineHours.filter((h) => h >= start && h < end))
  let longestGap: ReportGateway['longestGap'] = null
  let gapFrom = 0
  let gapHours = 0
  for (let h = start; h < end; h += HOUR_MS) {
    if (online.has(h)) {
      gapHours = 0
      continue
    }
    if (gapHours === 0) gapFrom = h
    gapHours++
    if (longestGap === null || gapHours > longestGap.hours) longestGap = { from: gapFrom, hours: gapHours }
  }
  return {
    id: gateway.id, ...(gateway.name !== undefined && { name: gateway.name }), firstSampleAt: gateway.firstSampleAt,
    hours, offlineHours: hours - online.size, longestGap,
  }
}
