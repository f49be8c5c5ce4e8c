/** Unit: which device on a line is polled next, and when each is due. No line, no timers. */
import { describe, expect, it } from 'vitest'
import { DevicePoller } from '../../../edge-agent/src/poll/device-poller.ts'
import {
  byPriority, nextPoll, nextSlotAfter, pollNoLaterThan, ScheduledDevice, schedulePollEnded, spreadFirstPolls, type Priority,
} from '../../../edge-agent/src/poll/scheduler.ts'
import { GAS_PROFILE, profileFromYaml } from '../../support/profiles.ts'

const gas = profileFromYaml(GAS_PROFILE)
const NOW = 1_000_000

function device(id: string, options: { priority?: Priority; pollMs?: number; nextDue?: number; phase?: ScheduledDevice['phase']; quarantinedUntil?: number } = {}): ScheduledDevice {
  const scheduled = new ScheduledDevice({ poller: new DevicePoller(id, 1, gas, 0), pollMs: options.pollMs ?? 100, priority: options.priority ?? 'normal' })
  scheduled.nextDue = options.nextDue ?? NOW
  scheduled.phase = options.phase ?? 'waiting'
  if (options.quarantinedUntil !== undefined) {
    scheduled.health = { state: 'offline', failures: 2, backoffMs: 2000, quarantinedUntil: options.quarantinedUntil, reason: 'no answer' }
  }
  return scheduled
}

const ids = (devices: readonly ScheduledDevice[]) => devices.map((d) => d.poller.id)

describe('nextPoll', () => {
  it('picks the due device of the highest priority, then the longest overdue', () => {
    const devices = [
      device('inventory', { priority: 'inventory', nextDue: NOW - 500 }),
      device('normal-late', { nextDue: NOW - 50 }),
      device('normal-later', { nextDue: NOW - 80 }),
      device('safety', { priority: 'safety', nextDue: NOW }),
      device('safety-not-due', { priority: 'safety', nextDue: NOW + 1 }),
    ]
    expect(nextPoll(devices, NOW).next?.poller.id).toBe('safety')
    devices[3]!.phase = 'reading'
    expect(nextPoll(devices, NOW).next?.poller.id).toBe('normal-later')
  })

  it('skips devices being polled (reading or decoding) and says when to look again', () => {
    const devices = [device('reading', { phase: 'reading' }), device('decoding', { phase: 'decoding' }), device('soon', { nextDue: NOW + 30 }), device('later', { nextDue: NOW + 70 })]
    expect(nextPoll(devices, NOW)).toEqual({ next: undefined, earliest: NOW + 30, quarantined: [] })
  })

  it('with nothing waiting: no device and no time to look again', () => {
    expect(nextPoll([device('a', { phase: 'reading' })], NOW)).toEqual({ next: undefined, earliest: Infinity, quarantined: [] })
  })

  it('a due device in quarantine is not polled: it is returned to be reported, and its due time moves one period on', () => {
    const dead = device('dead', { priority: 'safety', nextDue: NOW - 10, pollMs: 100, quarantinedUntil: NOW + 5000 })
    const alive = device('alive', { nextDue: NOW + 40 })
    const { next, earliest, quarantined } = nextPoll([dead, alive], NOW)
    expect([next, ids(quarantined), dead.nextDue, earliest]).toEqual([undefined, ['dead'], NOW + 90, NOW + 40])
    // its probe is due once the quarantine ends
    expect(nextPoll([dead], NOW + 5000).next).toBe(dead)
  })

  it('a quarantined device far behind its grid is due again no sooner than the next millisecond', () => {
    const dead = device('dead', { nextDue: NOW - 1000, pollMs: 100, quarantinedUntil: NOW + 5000 })
    expect(nextPoll([dead], NOW).earliest).toBe(NOW + 1)
  })
})

describe('a poll ending, and pollSoon', () => {
  it('nextSlotAfter keeps the device on its own grid and skips the slots an overrunning poll missed', () => {
    expect(nextSlotAfter(1000, 100, 1050)).toBe(1100)
    expect(nextSlotAfter(1000, 100, 1100)).toBe(1200)
    expect(nextSlotAfter(1000, 100, 1350)).toBe(1400)
    // a period of 0 still moves on
    expect(nextSlotAfter(1000, 0, 1000)).toBe(1001)
  })

  it('the next poll is the next grid slot, or sooner when pollSoon() asked while the poll ran', () => {
    const polled = device('a', { nextDue: 1000, pollMs: 100, phase: 'reading' })
    schedulePollEnded(polled, 1020)
    expect(polled.nextDue).toBe(1100)
    pollNoLaterThan(polled, 1040)
    pollNoLaterThan(polled, 1060)
    expect([polled.nextDue, polled.soonAt]).toEqual([1100, 1040])
    schedulePollEnded(polled, 1030)
    expect([polled.nextDue, polled.soonAt]).toEqual([1040, undefined])
  })

  it('pollSoon() on a device not being polled brings its due time forward, never back', () => {
    const waiting = device('a', { nextDue: 2000 })
    pollNoLaterThan(waiting, 1500)
    pollNoLaterThan(waiting, 1800)
    expect([waiting.nextDue, waiting.soonAt]).toEqual([1500, undefined])
  })
})

describe('order and spread', () => {
  it('byPriority: safety, normal, inventory; the configured order among equals', () => {
    const devices = [device('i', { priority: 'inventory' }), device('n1'), device('s', { priority: 'safety' }), device('n2')]
    expect(ids(byPriority(devices))).toEqual(['s', 'n1', 'n2', 'i'])
  })

  it('spreads the first polls over each device\'s period, at most one second', () => {
    const devices = [device('fast', { pollMs: 200 }), device('slow', { pollMs: 60_000 })]
    spreadFirstPolls(devices, NOW, () => 0.5)
    expect(devices.map((d) => d.nextDue)).toEqual([NOW + 100, NOW + 500])
    spreadFirstPolls(devices, NOW, () => 0.999)
    expect(devices.map((d) => d.nextDue)).toEqual([NOW + 199, NOW + 999])
  })
})
