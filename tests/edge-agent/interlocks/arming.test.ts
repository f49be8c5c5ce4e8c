import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { LevelSpec } from '../../../edge-agent/src/alarms/spec.ts'
import { armingSpecs, armLevel, DISARM_AFTER_MS, SourceArming } from '../../../edge-agent/src/interlocks/arming.ts'
import type { ConditionSpec, InterlockSpec } from '../../../edge-agent/src/interlocks/spec.ts'
import type { Sample } from '../../../protocols/sample.ts'

const level = (name: string, direction: 'high' | 'low', value: number, restore = value): LevelSpec =>
  ({ level: name, direction, value, restore, onDelayMs: 0, offDelayMs: 0, latch: false, source: 'test' })

const COAL_CH4 = [level('alarm', 'high', 1.0), level('power-off', 'high', 1.5, 1.0)]

function interlock(id: string, conditions: ConditionSpec[]): InterlockSpec {
  return {
    id, mode: 'any', conditions,
    action: { device: 'relay', channel: 'cut', value: true, restoreValue: false, feedback: { device: 'relay', channel: 'cut', whenTripped: true, whenRestored: false }, feedbackMs: 2000 },
    failSafe: true, silentAfterMs: 3000, restoreAfterMs: 0, manualReset: false, maxBypassMs: 3_600_000,
  }
}

const ch4Above = (extra: Partial<Extract<ConditionSpec, { kind: 'value' }>> = {}): ConditionSpec =>
  ({ kind: 'value', device: 'ch4-1', channel: 'ch4', op: 'above', value: 1.5, restore: 1.0, ...extra })

const sample = (value: number | null, ts: number, quality: Sample['quality'] = 'good'): Sample =>
  ({ device: 'ch4-1', channel: 'ch4', ts, value, quality })

describe('armLevel: where an interlock source is armed', () => {
  it.each([
    { name: 'past the first alarm level before the trip (methane 1.0 before 1.5)', condition: { op: 'above', value: 1.5 }, levels: COAL_CH4, want: { armAt: 1.0, by: 'alarm level alarm 1' } },
    { name: 'a margin nearer than the alarm level: the alarm level still arms first', condition: { op: 'above', value: 1.5, armMargin: 0.2 }, levels: COAL_CH4, want: { armAt: 1.0, by: 'alarm level alarm 1' } },
    { name: 'a margin wider than the alarm level arms sooner', condition: { op: 'above', value: 1.5, armMargin: 0.8 }, levels: COAL_CH4, want: { armAt: 0.7, by: 'within 0.8 of the trip at 1.5' } },
    { name: 'no alarm level: the margin alone', condition: { op: 'above', value: 8, armMargin: 1.5 }, levels: [], want: { armAt: 6.5, by: 'within 1.5 of the trip at 8' } },
    { name: 'an oxygen deficiency trip below 18: its low alarm at 19.5 arms it', condition: { op: 'below', value: 18 }, levels: [level('alarm', 'low', 19.5), level('high', 'high', 23.5)], want: { armAt: 19.5, by: 'alarm level alarm 19.5' } },
    { name: 'below with a margin', condition: { op: 'below', value: 18, armMargin: 0.5 }, levels: [], want: { armAt: 18.5, by: 'within 0.5 of the trip at 18' } },
  ] as const)('$name', ({ condition, levels, want }) => {
    const got = armLevel(condition, levels)
    expect(got?.armAt).toBeCloseTo(want.armAt, 9)
    expect(got?.armedBy).toBe(want.by)
  })

  it.each([
    { name: 'no alarm level and no margin', condition: { op: 'above', value: 1.5 }, levels: [] as LevelSpec[] },
    { name: 'only alarm levels at or past the trip', condition: { op: 'above', value: 1.0 }, levels: COAL_CH4 },
    { name: 'alarm levels of the other direction', condition: { op: 'below', value: 18 }, levels: [level('high', 'high', 23.5)] },
  ] as const)('never armed: $name', ({ condition, levels }) => {
    expect(armLevel(condition, levels)).toBeUndefined()
  })

  it('is always on the safe side of the trip, never past it', () => {
    fc.assert(fc.property(
      fc.constantFrom<'above' | 'below'>('above', 'below'),
      fc.double({ min: -100, max: 100, noNaN: true }),
      fc.option(fc.double({ min: 0, max: 50, noNaN: true }), { nil: undefined }),
      fc.array(fc.record({ direction: fc.constantFrom<'high' | 'low'>('high', 'low'), value: fc.double({ min: -200, max: 200, noNaN: true }) }), { maxLength: 4 }),
      (op, value, armMargin, raw) => {
        const got = armLevel({ op, value, ...(armMargin !== undefined && { armMargin }) }, raw.map((l, i) => level(`l${i}`, l.direction, l.value)))
        if (got === undefined) return armMargin === undefined
        return op === 'above' ? got.armAt <= value : got.armAt >= value
      },
    ))
  })
})

describe('armingSpecs: one per source channel and direction', () => {
  it('merges the interlocks a channel feeds, arming at the earliest and disarming past the lowest restore', () => {
    const specs = armingSpecs([
      interlock('cut-face', [ch4Above()]),
      interlock('cut-heading', [ch4Above({ value: 2.0, restore: 1.5, armMargin: 0.3 })]),
      interlock('fan', [{ kind: 'health', device: 'fan-1', states: ['offline'] }, { kind: 'value', device: 'door', channel: 'open', op: 'equals', value: true }]),
    ], [{ device: 'ch4-1', channel: 'ch4', unit: '%CH4', levels: COAL_CH4 }])
    expect(specs).toEqual([{
      device: 'ch4-1', channel: 'ch4', op: 'above', armAt: 1.0, armedBy: 'alarm level alarm 1', disarmAt: 1.0, trip: 1.5, interlocks: ['cut-face', 'cut-heading'], unit: '%CH4',
    }])
  })

  it('disarms below the arm level when the restore is nearer the trip', () => {
    const [spec] = armingSpecs([interlock('lvl', [{ kind: 'value', device: 'tank', channel: 'level', op: 'above', value: 8, armMargin: 1 }])], [])
    expect(spec).toMatchObject({ armAt: 7, disarmAt: 7, trip: 8 })
  })
})

describe('SourceArming', () => {
  const arming = () => new SourceArming(armingSpecs([interlock('cut', [ch4Above()])], [{ device: 'ch4-1', channel: 'ch4', unit: '%CH4', levels: COAL_CH4 }]))

  it('arms at the alarm level, stays armed through the trip, and disarms only after the value stayed below restore', () => {
    const a = arming()
    expect(a.onSample(sample(0.8, 0))).toEqual([])
    const [armed] = a.onSample(sample(1.02, 1000))
    expect(armed).toMatchObject({ type: 'armed', state: 'armed', device: 'ch4-1', channel: 'ch4', value: 1.02, armAt: 1.0, trip: 1.5, interlocks: ['cut'], unit: '%CH4' })
    expect(armed!.reason).toBe('1.02 %CH4 ≥ 1 (alarm level alarm 1); trips at 1.5')
    expect(a.armedChannels('ch4-1')).toEqual(['ch4'])
    expect(a.onSample(sample(1.6, 2000))).toEqual([])
    expect(a.onSample(sample(0.9, 3000))).toEqual([])
    expect(a.onSample(sample(1.1, 3000 + DISARM_AFTER_MS))).toEqual([])
    expect(a.onSample(sample(0.5, 4000 + DISARM_AFTER_MS))).toEqual([])
    const [disarmed] = a.onSample(sample(0.4, 4000 + 2 * DISARM_AFTER_MS))
    expect(disarmed).toMatchObject({ state: 'disarmed', value: 0.4, device: 'ch4-1' })
    expect(a.armedChannels('ch4-1')).toEqual([])
    expect(a.status()).toEqual([])
  })

  it('a bad reading changes nothing: an armed source stays armed, an idle one is not armed by it', () => {
    const a = arming()
    expect(a.onSample(sample(null, 0, 'comm-fail'))).toEqual([])
    expect(a.onSample(sample(3.5, 1000, 'out-of-range'))).toEqual([])
    a.onSample(sample(1.2, 2000))
    expect(a.onSample(sample(null, 2000 + 10 * DISARM_AFTER_MS, 'device-fault'))).toEqual([])
    expect(a.status()).toMatchObject([{ device: 'ch4-1', channel: 'ch4', since: 2000, value: 1.2, armAt: 1.0, interlocks: ['cut'] }])
  })

  it('ignores channels that feed no armed interlock', () => {
    const a = arming()
    expect(a.onSample({ device: 'ch4-1', channel: 'status', ts: 0, value: 5, quality: 'good' })).toEqual([])
    expect(a.armedChannels('other')).toEqual([])
  })
})
