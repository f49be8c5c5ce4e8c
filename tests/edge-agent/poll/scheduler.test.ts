/** Unit: which device on a line is polled next, and when each is due. No line, no timers. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DevicePoller } from '../../../edge-agent/src/poll/device-poller.ts'
import {
  byPriority, nextPoll, nextSlotAfter, pollNoLaterThan, pollStarted, ScheduledDevice, schedulePollEnded, setArmed, spreadFirstPolls, type Priority,
} from '../../../edge-agent/src/poll/scheduler.ts'
import { LineShare } from '../../../edge-agent/src/poll/line-share.ts'
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
    expect(nextPoll(devices, NOW)).toEqual({ next: undefined, armed: false, earliest: NOW + 30, quarantined: [] })
  })

  it('with nothing waiting: no device and no time to look again', () => {
    expect(nextPoll([device('a', { phase: 'reading' })], NOW)).toEqual({ next: undefined, armed: false, earliest: Infinity, quarantined: [] })
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
    expect([polled.nextDue, polled.pollsAskedAt]).toEqual([1100, [1040, 1060]])
    schedulePollEnded(polled, 1030)
    expect(polled.nextDue).toBe(1040)
  })

  it('pollSoon() on a device not being polled brings its due time forward, never back', () => {
    const waiting = device('a', { nextDue: 2000 })
    pollNoLaterThan(waiting, 1500)
    pollNoLaterThan(waiting, 1800)
    expect([waiting.nextDue, waiting.pollsAskedAt]).toEqual([1500, [1500, 1800]])
  })

  it('each poll asked for is served by a full poll starting at or after it: a later ask is not lost to an earlier poll', () => {
    // a relay written twice, 300 ms apart, its feedback read 500 ms after each write
    const relay = device('relay', { nextDue: 10_000, pollMs: 5000 })
    pollNoLaterThan(relay, 1500)
    pollNoLaterThan(relay, 1800)
    pollStarted(relay, 1500)
    relay.phase = 'reading'
    schedulePollEnded(relay, 1560)
    relay.phase = 'waiting'
    expect([relay.nextDue, relay.pollsAskedAt]).toEqual([1800, [1800]])
    pollStarted(relay, 1800)
    schedulePollEnded(relay, 1860)
    // the grid moves to the poll asked for, as pollSoon always did
    expect([relay.nextDue, relay.pollsAskedAt]).toEqual([6800, []])
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

describe('nextPoll with armed devices', () => {
  /** an identified device, armed on `lel` with its armed read due at `armedDue` */
  const armedDevice = (id: string, armedDue: number, options: Parameters<typeof device>[1] = {}) => {
    const d = device(id, { nextDue: NOW + 10_000, ...options })
    d.poller.identityChecked = true
    setArmed(d, ['lel'], armedDue)
    return d
  }

  it.each([
    { name: 'an armed read due, nothing else: the armed read', devices: () => [armedDevice('a', NOW), device('b', { nextDue: NOW + 50 })], want: { next: 'a', armed: true } },
    { name: 'an armed read not due yet: nothing now, look again when it is', devices: () => [armedDevice('a', NOW + 20), device('b', { nextDue: NOW + 50 })], want: { next: undefined, armed: false, earliest: NOW + 20 } },
    { name: 'the longest waiting armed device first', devices: () => [armedDevice('a', NOW - 5), armedDevice('b', NOW - 30), armedDevice('c', NOW)], want: { next: 'b', armed: true } },
    { name: 'an armed device due for its full poll gets the full poll, which reads its armed channels too', devices: () => [armedDevice('a', NOW, { nextDue: NOW })], want: { next: 'a', armed: false } },
    { name: 'an armed device being polled is not read again', devices: () => [armedDevice('a', NOW, { phase: 'decoding' })], want: { next: undefined, armed: false } },
    { name: 'an armed device in quarantine: no armed read, its probes go on', devices: () => [armedDevice('a', NOW, { quarantinedUntil: NOW + 5000 })], want: { next: undefined, armed: false } },
  ])('$name', ({ devices, want }) => {
    const got = nextPoll(devices(), NOW, new LineShare(0.5))
    expect({ next: got.next?.poller.id, armed: got.armed, ...('earliest' in want && { earliest: got.earliest }) }).toEqual(want)
  })

  it('an armed device not identified yet is polled in full first', () => {
    const a = device('a', { nextDue: NOW + 10_000 })
    setArmed(a, ['lel'], NOW)
    expect(nextPoll([a], NOW, new LineShare(0.5)).next).toBeUndefined()
  })

  it('without a line share (armed reading off) armed devices are polled at their periods only', () => {
    expect(nextPoll([armedDevice('a', NOW), device('b')], NOW).next?.poller.id).toBe('b')
  })

  it('disarmed, a device is back to its period alone', () => {
    const a = armedDevice('a', NOW)
    setArmed(a, [], NOW)
    expect(nextPoll([a], NOW, new LineShare(0.5))).toMatchObject({ next: undefined, earliest: NOW + 10_000 })
  })
})

describe('LineShare', () => {
  it.each([
    { share: 0.5, armedMs: 10, othersMs: 10, want: 'aoaoaoao' },
    // armed reads a third as long as the others' polls take a quarter of the line: they alternate, one each
    { share: 0.25, armedMs: 10, othersMs: 30, want: 'aoaoaoao' },
    { share: 0.5, armedMs: 10, othersMs: 30, want: 'aoaaaoaa' },
    // armed reads three times as long as the others' polls at three quarters of the line: one each again
    { share: 0.75, armedMs: 30, othersMs: 10, want: 'aoaoaoao' },
    { share: 0.75, armedMs: 10, othersMs: 10, want: 'aoaaaoaa' },
  ])('both classes always due at share $share: $want', ({ share, armedMs, othersMs, want }) => {
    const line = new LineShare(share)
    let got = ''
    for (let i = 0; i < want.length; i++) {
      const kind = line.pick(true, true)!
      line.charge(kind, kind === 'armed' ? armedMs : othersMs)
      got += kind[0]
    }
    expect(got).toBe(want)
  })

  it('a class alone takes the whole line and banks nothing for later', () => {
    const line = new LineShare(0.5)
    for (let i = 0; i < 10; i++) line.charge(line.pick(true, false)!, 10)
    // the others come back: they do not get ten polls in a row for the time they were idle
    const next = [0, 1, 2, 3].map(() => {
      const kind = line.pick(true, true)!
      line.charge(kind, 10)
      return kind
    })
    expect(next).toEqual(['others', 'armed', 'others', 'armed'])
  })

  it('over any sequence, while both are due, each class gets its share of the line within one poll', () => {
    fc.assert(fc.property(
      fc.double({ min: 0.05, max: 0.95, noNaN: true }),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 })), { minLength: 20, maxLength: 200 }),
      (share, durations) => {
        const line = new LineShare(share)
        let armed = 0
        let others = 0
        for (const [a, o] of durations) {
          const kind = line.pick(true, true)!
          line.charge(kind, kind === 'armed' ? a : o)
          if (kind === 'armed') armed += a
          else others += o
        }
        const total = armed + others
        return Math.abs(armed - share * total) <= 50
      },
    ))
  })

  it('refuses a share that is not between 0 and 1', () => {
    expect(() => new LineShare(0)).toThrow(RangeError)
    expect(() => new LineShare(1)).toThrow(RangeError)
  })
})
