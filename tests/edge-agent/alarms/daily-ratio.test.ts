import { describe, expect, it } from 'vitest'
import { DailyRatio, type DailyRatioSpec } from '../../../edge-agent/src/alarms/daily-ratio.ts'

const SPEC: DailyRatioSpec = {
  device: 'vrm', inBand: 'fuellings_in_band_today', total: 'fuellings_today', minRatio: 0.75, minTotal: 1, alarmAfterDays: 5,
  timeZone: 'Asia/Shanghai', source: 'GB 20952-2020 appendix E',
}

/** One day of counters at noon Shanghai time, day `n` of January 2026. */
function day(rule: DailyRatio, n: number, inBand: number, total: number) {
  const ts = Date.parse(`2026-01-${String(n).padStart(2, '0')}T04:00:00Z`)
  return [
    ...rule.onSample({ device: 'vrm', channel: 'fuellings_today', ts, value: total, quality: 'good' }),
    ...rule.onSample({ device: 'vrm', channel: 'fuellings_in_band_today', ts, value: inBand, quality: 'good' }),
  ]
}

describe('daily ratio (vapor recovery A/L)', () => {
  it('a day under 75 % is a warning day; five in a row raise the alarm; a good day clears', () => {
    const rule = new DailyRatio(SPEC)
    const out = [
      ...day(rule, 1, 80, 100), ...day(rule, 2, 70, 100), ...day(rule, 3, 74, 100), ...day(rule, 4, 60, 100),
      ...day(rule, 5, 10, 100), ...day(rule, 6, 50, 100), ...day(rule, 7, 90, 100), ...day(rule, 8, 90, 100),
    ]
    expect(out.map((e) => `${e.state} ${e.level}`)).toEqual(['raised warning', 'escalated alarm', 'cleared alarm'])
    expect(out[0]!.reason).toContain('2026-01-02: 70 of 100 in band')
    expect(out[1]!.reason).toContain('5 warning days in a row')
  })

  it('exactly 75 % is in band; a day without fuellings is not judged and does not break the streak', () => {
    const rule = new DailyRatio(SPEC)
    const out = [...day(rule, 1, 75, 100), ...day(rule, 2, 1, 2), ...day(rule, 3, 0, 0), ...day(rule, 4, 1, 4), ...day(rule, 5, 0, 0)]
    expect(out.map((e) => `${e.state} ${e.level} ${e.value}`)).toEqual(['raised warning 0.5'])
  })

  it('the day ends at midnight in the gateway\'s time zone and survives a restart', () => {
    const rule = new DailyRatio(SPEC)
    rule.onSample({ device: 'vrm', channel: 'fuellings_today', ts: Date.parse('2026-01-01T15:00:00Z'), value: 10, quality: 'good' })
    rule.onSample({ device: 'vrm', channel: 'fuellings_in_band_today', ts: Date.parse('2026-01-01T15:00:00Z'), value: 1, quality: 'good' })
    const restarted = new DailyRatio(SPEC, JSON.parse(JSON.stringify(rule.snapshot())))
    // 15:59 UTC is still the 1st... 16:00 UTC is midnight in Shanghai
    expect(restarted.onSample({ device: 'vrm', channel: 'fuellings_today', ts: Date.parse('2026-01-01T15:59:00Z'), value: 11, quality: 'good' })).toEqual([])
    expect(restarted.onSample({ device: 'vrm', channel: 'fuellings_today', ts: Date.parse('2026-01-01T16:00:00Z'), value: 0, quality: 'good' }).map((e) => e.reason))
      .toEqual([expect.stringContaining('2026-01-01: 1 of 11 in band')])
  })
})
