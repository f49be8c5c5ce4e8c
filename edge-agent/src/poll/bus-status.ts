import { isQuarantined, type Health } from './device-health.ts'
import type { ScheduledDevice } from './scheduler.ts'

export interface BusStatus {
  id: string
  open: boolean
  /** longest time between two polls of one answering device, lately */
  cycleMs: number | undefined
  /** the poll period that device asked for */
  budgetMs: number | undefined
  /** share of wall time the line spent in transactions since start */
  load: number
  transactions: number
  devices: { id: string; state: Health['state']; pollMs: number; intervalMs?: number; lastPollMs?: number; quarantinedUntil?: number }[]
}

export interface LineFigures {
  id: string
  open: boolean
  startedAt: number
  busyMs: number
  transactions: number
}

/** A line's status at `now`: its slowest answering device against its poll period, its load, each device's state. */
export function busStatus(line: LineFigures, devices: readonly ScheduledDevice[], now: number): BusStatus {
  let worst: ScheduledDevice | undefined
  for (const device of devices) {
    if (device.intervalMs === undefined || device.health.state !== 'online') continue
    if (!worst || device.intervalMs / device.pollMs > worst.intervalMs! / worst.pollMs) worst = device
  }
  return {
    id: line.id,
    open: line.open,
    cycleMs: worst?.intervalMs,
    budgetMs: worst?.pollMs,
    load: now > line.startedAt ? line.busyMs / (now - line.startedAt) : 0,
    transactions: line.transactions,
    devices: devices.map((d) => ({
      id: d.poller.id, state: d.health.state, pollMs: d.pollMs,
      ...(d.intervalMs !== undefined && { intervalMs: d.intervalMs }),
      ...(d.lastPollMs !== undefined && { lastPollMs: d.lastPollMs }),
      ...(isQuarantined(d.health, now) && { quarantinedUntil: d.health.quarantinedUntil }),
    })),
  }
}
