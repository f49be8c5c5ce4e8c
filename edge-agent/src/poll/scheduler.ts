/**
 * Which device on a line is polled next, and when each is due: every device at its own period on its own
 * grid, by priority when several are due, quarantined ones only reported until their next probe.
 * No I/O and no clock of its own: the worker passes the time.
 */
import { INITIAL_HEALTH, isQuarantined, type Health } from './device-health.ts'
import type { DevicePoller } from './device-poller.ts'

import type { LineShare } from './line-share.ts'

export type Priority = 'safety' | 'normal' | 'inventory'
const NONE_ARMED: readonly string[] = []
const RANK: Record<Priority, number> = { safety: 0, normal: 1, inventory: 2 }

export interface BusDevice {
  poller: DevicePoller
  pollMs: number
  priority: Priority
  /**
   * Its samples feed interlocks: the poll keeps the line until they have reached the listener, so a write
   * the listener queues in `samples()` is the next transaction on the line.
   */
  holdLine?: boolean
}

/** Where a device's poll is: not running, reading (it holds a slot of the line), or decoding what it read after letting the line go. */
export type PollPhase = 'waiting' | 'reading' | 'decoding'

/**
 * A device as the loop schedules it. A class, so every device has one fixed shape: the loop reads these
 * fields for every device on every pass, and objects grown property by property (an object spread plus
 * fields) can fall back to slow dictionary properties.
 */
export class ScheduledDevice implements BusDevice {
  readonly poller: DevicePoller
  readonly pollMs: number
  readonly priority: Priority
  /** RANK[priority], looked up once */
  readonly rank: number
  readonly holdLine: boolean
  health: Health = INITIAL_HEALTH
  nextDue = 0
  phase: PollPhase = 'waiting'
  lastStart: number | undefined = undefined
  intervalMs: number | undefined = undefined
  lastPollMs: number | undefined = undefined
  /**
   * Polls pollSoon() asked for, ascending, each kept until a full poll starting at or after it: two writes to
   * one relay 300 ms apart each get a read of their feedback, not one read too early for the second.
   */
  pollsAskedAt: number[] = []
  /** channels of interlock sources near their trip: read on their own, as fast as the line allows */
  armedChannels: readonly string[] = NONE_ARMED
  /** the next armed read no earlier than this */
  armedDue = 0
  /** what the poll in progress is: a full poll, or an armed read of armedChannels */
  readingArmed = false
  /** when the poll in progress claimed the line */
  claimedAt = 0

  /** `releaseLine` lets the line go once the poll's reads are done; made once per device, not per poll. */
  constructor(device: BusDevice, readonly releaseLine: () => void = () => {}) {
    this.poller = device.poller
    this.pollMs = device.pollMs
    this.priority = device.priority
    this.rank = RANK[device.priority]
    this.holdLine = device.holdLine === true
  }
}

/** The devices in priority order (stable): the order pollOnce() reads them in. */
export const byPriority = <T extends { priority: Priority }>(devices: readonly T[]): T[] => [...devices].sort((a, b) => RANK[a.priority] - RANK[b.priority])

/** The next time on the device's own poll grid after `end`: a poll that overran skips the slots it missed instead of bunching up. */
export function nextSlotAfter(due: number, period: number, end: number): number {
  const pollMs = Math.max(1, period)
  const next = due + pollMs
  return next > end ? next : due + Math.ceil((end - due) / pollMs + 1e-9) * pollMs
}

/**
 * The first polls spread over each device's period (at most 1 s): hundreds of devices, on one bus or on
 * hundreds of TCP endpoints, must not all be due in the same instant.
 */
export function spreadFirstPolls(devices: readonly ScheduledDevice[], now: number, random: () => number): void {
  for (const device of devices) device.nextDue = now + Math.floor(random() * Math.min(device.pollMs, 1000))
}

export interface NextPoll {
  /** the device to poll now: due, not quarantined, the highest priority, the longest overdue among equals */
  next: ScheduledDevice | undefined
  /** the poll of `next` is an armed read of its armed channels only */
  armed: boolean
  /** when the loop must look again if nothing is polled now (Infinity: no device waits) */
  earliest: number
  /** due but quarantined: each to be reported unreachable; their next due time has moved one period on */
  quarantined: ScheduledDevice[]
}

const NONE: ScheduledDevice[] = []

/**
 * The next poll: a device's full poll when due on its own grid, or, with `share`, an armed read of a device
 * with armed channels, the longest waiting first (every armed device in turn). The two kinds share the line
 * as `share` decides when both are due.
 */
export function nextPoll(devices: readonly ScheduledDevice[], now: number, share?: LineShare): NextPoll {
  let next: ScheduledDevice | undefined
  let armedNext: ScheduledDevice | undefined
  let earliest = Infinity
  let quarantined = NONE
  for (const device of devices) {
    if (device.phase !== 'waiting') continue
    if (share && device.armedChannels.length > 0 && device.poller.identityChecked && device.health.quarantinedUntil === undefined) {
      if (device.armedDue > now) earliest = Math.min(earliest, device.armedDue)
      else if (!armedNext || device.armedDue < armedNext.armedDue) armedNext = device
    }
    if (device.nextDue > now) {
      if (device.nextDue < earliest) earliest = device.nextDue
      continue
    }
    if (isQuarantined(device.health, now)) {
      if (quarantined === NONE) quarantined = []
      quarantined.push(device)
      device.nextDue = Math.max(device.nextDue + device.pollMs, now + 1)
      earliest = Math.min(earliest, device.nextDue)
      continue
    }
    if (!next || device.rank < next.rank || (device.rank === next.rank && device.nextDue < next.nextDue)) next = device
  }
  // a device due for both reads gets its full poll, which reads its armed channels too
  if (armedNext === next) armedNext = undefined
  const kind = share?.pick(armedNext !== undefined, next !== undefined)
  if (kind === 'armed') return { next: armedNext, armed: true, earliest, quarantined }
  return { next, armed: false, earliest, quarantined }
}

/** The device's armed channels now (none: disarmed); a newly armed device is read at once. */
export function setArmed(device: ScheduledDevice, channels: readonly string[], now: number): void {
  if (device.armedChannels.length === 0 && channels.length > 0) device.armedDue = now
  device.armedChannels = channels.length > 0 ? [...channels] : NONE_ARMED
}

/** An armed read started at `start`: the next one a period of `armedPollMs` after it (back to back when it took longer). */
export function scheduleArmedRead(device: ScheduledDevice, start: number, armedPollMs: number): void {
  device.armedDue = start + armedPollMs
}

/** A full poll starts at `start`: the polls asked for by then are served by it. */
export function pollStarted(device: ScheduledDevice, start: number): void {
  const asked = device.pollsAskedAt
  if (asked.length > 0 && asked[0]! <= start) device.pollsAskedAt = asked.filter((at) => at > start)
}

/** A poll of the device ended at `end`: its next slot on its grid, or sooner for a poll asked for that it did not serve. */
export function schedulePollEnded(device: ScheduledDevice, end: number): void {
  device.nextDue = nextSlotAfter(device.nextDue, device.pollMs, end)
  const asked = device.pollsAskedAt[0]
  if (asked !== undefined) device.nextDue = Math.min(device.nextDue, asked)
}

/** A full poll of the device starting at `at` (at once when that is past), and no later; one already running does not count. */
export function pollNoLaterThan(device: ScheduledDevice, at: number): void {
  if (!device.pollsAskedAt.includes(at)) device.pollsAskedAt = [...device.pollsAskedAt, at].sort((x, y) => x - y)
  if (device.phase === 'waiting') device.nextDue = Math.min(device.nextDue, at)
}
