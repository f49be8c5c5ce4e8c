import { describe, expect, it } from 'vitest'
import type { TestFeed } from '../../../edge-agent/src/commission/desk.ts'
import { FeedLog } from '../../../edge-agent/src/commission/feed-log.ts'

const T0 = Date.UTC(2026, 11, 7, 2, 0, 0)

const feed = (partial: Partial<TestFeed>): TestFeed => ({ cursor: 0, testMode: null, samples: [], events: [], devices: [], ...partial })

describe('FeedLog', () => {
  it('readings accumulate per device and channel across answers; a flag counts 1/0, text and bad readings are null', () => {
    const log = new FeedLog()
    log.add(feed({ cursor: 3, samples: [['ch4-1', 'ch4', T0, 0.1, 'good'], ['ch4-1', 'status', T0, 'warming', 'good'], ['cut-1', 'feed_1', T0, true, 'good']] }))
    log.add(feed({ cursor: 5, samples: [['ch4-1', 'ch4', T0 + 250, null, 'comm-error'], ['cut-1', 'feed_1', T0 + 250, false, 'good']] }))
    expect(log.cursor).toBe(5)
    expect(log.readings('ch4-1', 'ch4')).toEqual([{ ts: T0, value: 0.1 }, { ts: T0 + 250, value: null }])
    expect(log.readings('ch4-1', 'status')).toEqual([{ ts: T0, value: null }])
    expect(log.readings('cut-1', 'feed_1')).toEqual([{ ts: T0, value: 1 }, { ts: T0 + 250, value: 0 }])
    expect(log.readings('ch4-2', 'ch4')).toEqual([])
  })

  it('alarm events keep what the analysis needs: state, kind, level, from, a numeric value, the threshold', () => {
    const log = new FeedLog()
    log.add(feed({
      cursor: 2,
      events: [
        { type: 'alarm', ts: T0, device: 'ch4-1', channel: 'ch4', kind: 'level', state: 'raised', level: 'alarm', value: 1.02, threshold: 1, test: true },
        { type: 'alarm', ts: T0 + 500, device: 'ch4-1', channel: 'ch4', kind: 'level', state: 'escalated', level: 'power-off', from: 'alarm', value: 'n/a', test: true },
      ] as unknown as TestFeed['events'],
    }))
    expect(log.alarms('ch4-1', 'ch4')).toEqual([
      { ts: T0, state: 'raised', kind: 'level', level: 'alarm', value: 1.02, threshold: 1 },
      { ts: T0 + 500, state: 'escalated', kind: 'level', level: 'power-off', from: 'alarm' },
    ])
    expect(log.alarms('ch4-1', 'other')).toEqual([])
  })

  it('interlock events by interlock, with phase, reason and cause when given', () => {
    const log = new FeedLog()
    log.add(feed({
      cursor: 2,
      events: [
        { type: 'interlock', ts: T0, interlock: 'cut', state: 'tripped', cause: 'ch4-1/ch4 1.62 above 1.5', test: true },
        { type: 'interlock', ts: T0 + 2000, interlock: 'cut', state: 'failed', phase: 'trip', reason: 'no feedback', test: true },
      ] as unknown as TestFeed['events'],
    }))
    expect(log.interlock('cut')).toEqual([
      { ts: T0, state: 'tripped', cause: 'ch4-1/ch4 1.62 above 1.5' },
      { ts: T0 + 2000, state: 'failed', phase: 'trip', reason: 'no feedback' },
    ])
    expect(log.interlock('other')).toEqual([])
  })

  it('a device\'s state is the latest answer\'s', () => {
    const log = new FeedLog()
    expect(log.device('ch4-1')).toBeUndefined()
    log.add(feed({ devices: [{ device: 'ch4-1', state: 'unknown', identified: false }] }))
    log.add(feed({ devices: [{ device: 'ch4-1', state: 'online', identified: true }] }))
    expect(log.device('ch4-1')).toEqual({ state: 'online', identified: true })
  })
})
