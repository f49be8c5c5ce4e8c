import { Value } from 'typebox/value'
import { describe, expect, it } from 'vitest'
import { ChannelAlarms } from '../../../../edge-agent/src/alarms/evaluator.ts'
import type { LevelSpec as AgentLevel } from '../../../../edge-agent/src/alarms/spec.ts'
import { gasStep, type AlarmSeen, type GasInput, type LevelSpec, type Reading } from '../../../../edge-agent/src/commission/analysis/index.ts'
import { GasStepSchema, type TestGas } from '../../../../protocols/commissioning/index.ts'

const APPLIED = 1_796_090_400_000
const METHANE_GAS: TestGas = { name: 'CH4 in air', concentration: 2, unit: '%CH4', lot: 'L-2026-118', expiresOn: '2027-06-30' }
const ALARM: LevelSpec = { level: 'alarm', direction: 'high', setPoint: 1, restore: 1 }
const POWER_OFF: LevelSpec = { level: 'power-off', direction: 'high', setPoint: 1.5, restore: 1 }
const LIMITS = { t90LimitS: 30, recoveryLimitS: 60, errorTolerance: 0.1 }

/** A first-order reading from `from` toward `to` (T90 `t90S`) from `startS` seconds after the gas was applied. */
const approach = (from: number, to: number, t90S: number, startS = 0) => (s: number) =>
  s < startS ? from : to + (from - to) * Math.exp(-((s - startS) * Math.LN10) / t90S)

/** One reading a second from 10 s before the gas to `endS`: the rise, then (from `removedS`) the fall. */
function readingsOf(rise: (s: number) => number | null, endS = 150, removedS?: number, fall?: (s: number) => number | null): Reading[] {
  const out: Reading[] = []
  for (let s = -10; s <= endS; s++) {
    out.push({ ts: APPLIED + s * 1000, value: s < 0 ? 0.02 : removedS !== undefined && s > removedS ? fall!(s - removedS) : rise(s) })
  }
  return out
}

/** The alarm events the agent's own evaluator makes of these readings, with the levels it is configured with. */
function alarmsOf(readings: Reading[], levels: readonly (LevelSpec & Partial<AgentLevel>)[]): AlarmSeen[] {
  const agentLevels: AgentLevel[] = levels.map((l) => ({ level: l.level, direction: l.direction, value: l.value ?? l.setPoint, restore: l.restore, onDelayMs: l.onDelayMs ?? 0, offDelayMs: 0, latch: l.latch ?? false, source: 'test' }))
  const evaluator = new ChannelAlarms({ device: 'ch4', channel: 'ch4', unit: '%CH4', levels: agentLevels })
  return readings.flatMap((r) => evaluator.onSample({ device: 'ch4', channel: 'ch4', ts: r.ts, value: r.value, quality: r.value === null ? 'comm-fail' : 'good' }))
    .map((e) => ({ ts: e.ts, state: e.state, kind: e.kind, level: e.level, ...(e.from !== undefined && { from: e.from }), ...(typeof e.value === 'number' && { value: e.value }) }))
}

function step(readings: Reading[], overrides: Partial<GasInput> & { agentLevels?: (LevelSpec & Partial<AgentLevel>)[] } = {}) {
  const { agentLevels, ...rest } = overrides
  const levels = rest.levels ?? [ALARM, POWER_OFF]
  return gasStep({
    test: 'span', channel: 'ch4', unit: '%CH4', gas: METHANE_GAS, appliedAt: APPLIED, readings, levels,
    alarms: alarmsOf(readings, agentLevels ?? levels), limits: LIMITS, ...rest,
  })
}

const REMOVED = APPLIED + 80_000
const healthy = () => readingsOf(approach(0.02, 2, 20), 150, 80, approach(approach(0.02, 2, 20)(80), 0.02, 20))

describe('gas step', () => {
  it('a healthy methane sensor: T90, plateau within 10 %, both levels raised at their set points and cleared (power-off restores at 1.0), recovered', () => {
    const readings = healthy()
    const result = step(readings, { removedAt: REMOVED })
    expect(result.reasons).toEqual([])
    expect(result.result).toBe('passed')
    expect(result.baseline).toBeCloseTo(0.02, 10)
    expect(Math.abs(result.error!)).toBeLessThan(0.02)
    expect(result.t90S).toBeGreaterThan(19)
    expect(result.t90S).toBeLessThan(21)
    const firstPast = (v: number) => readings.find((r) => r.value! >= v)!
    expect(result.levels).toEqual([
      { level: 'alarm', direction: 'high', setPoint: 1, result: 'passed', raisedAt: firstPast(1).ts, value: firstPast(1).value, clearedAt: readings.find((r) => r.ts > REMOVED && r.value! < 1)!.ts },
      { level: 'power-off', direction: 'high', setPoint: 1.5, result: 'passed', raisedAt: firstPast(1.5).ts, value: firstPast(1.5).value, clearedAt: readings.find((r) => r.ts > REMOVED && r.value! < 1)!.ts },
    ])
    expect(result.recoveryS).toBe((readings.find((r) => r.ts > REMOVED && r.value! < 1)!.ts - REMOVED) / 1000)
    expect(Value.Check(GasStepSchema, result)).toBe(true)
  })

  it('latched levels: raised at their set points, not cleared until someone acknowledges; recovery is the reading\'s', () => {
    const readings = healthy()
    const latched = step(readings, { removedAt: REMOVED, agentLevels: [{ ...ALARM, latch: true }, { ...POWER_OFF, latch: true }] })
    const unlatched = step(readings, { removedAt: REMOVED })
    expect(latched.result).toBe('passed')
    expect(latched.levels.map((l) => l.clearedAt)).toEqual([undefined, undefined])
    expect(latched.levels.map((l) => l.raisedAt)).toEqual(unlatched.levels.map((l) => l.raisedAt))
    expect(latched.recoveryS).toBe(unlatched.recoveryS)
  })

  it('a sensor that never reaches its alarm level: each level never raised, with the peak; the span off', () => {
    const result = step(readingsOf(approach(0.02, 0.82, 15)))
    expect(result.result).toBe('failed')
    expect(result.levels.map((l) => l.result)).toEqual(['failed', 'failed'])
    expect(result.reasons).toEqual([
      'plateau 0.82 %CH4 is -59.0 % off the gas 2.00 %CH4 (tolerance ±10.0 %): calibrate the span',
      'level alarm (set point 1.00 %CH4) never raised: the reading peaked at 0.82 %CH4',
      'level power-off (set point 1.50 %CH4) never raised: the reading peaked at 0.82 %CH4',
    ])
  })

  it('an alarm raised before the reading reached its set point: the set point in effect is wrong', () => {
    const readings = readingsOf(approach(0.02, 2, 20))
    const result = step(readings, { agentLevels: [{ ...ALARM, value: 0.6 }, POWER_OFF] })
    const raisedAt = readings.find((r) => r.value! >= 0.6)!
    expect(result.levels[0]).toMatchObject({ result: 'failed', raisedAt: raisedAt.ts, value: raisedAt.value })
    expect(result.reasons).toEqual([`level alarm (set point 1.00 %CH4) raised at ${raisedAt.value!.toFixed(2)} %CH4 while the reading had not reached its set point: the set point in effect is not 1.00 %CH4`])
  })

  it('raised at the next reading passes (the agent judges each sample); later fails; an on-delay the record knows of is allowed', () => {
    const readings = readingsOf(approach(0.02, 2, 20))
    const oneLate = step(readings, { agentLevels: [{ ...ALARM, onDelayMs: 1000 }, POWER_OFF] })
    expect(oneLate.levels[0]!.result).toBe('passed')
    const late = step(readings, { agentLevels: [{ ...ALARM, onDelayMs: 5000 }, POWER_OFF] })
    expect(late.levels[0]!.result).toBe('failed')
    expect(late.reasons[0]).toMatch(/^level alarm \(set point 1\.00 %CH4\) raised at 1\.\d\d %CH4, 5\.0 s after the reading passed its set point: later than the next reading$/)
    const declared = step(readings, { levels: [{ ...ALARM, onDelayMs: 5000 }, POWER_OFF] })
    expect(declared.levels[0]!.result).toBe('passed')
  })

  it('the reading passed the set point but no alarm came', () => {
    const result = step(readingsOf(approach(0.02, 2, 20)), { alarms: [] })
    expect(result.reasons).toEqual([
      expect.stringMatching(/^level alarm \(set point 1\.00 %CH4\) never raised although the reading reached 1\.\d\d %CH4: check the level's configuration$/),
      expect.stringMatching(/^level power-off \(set point 1\.50 %CH4\) never raised although the reading reached 1\.\d\d %CH4: check the level's configuration$/),
    ])
  })

  it('one reading past both set points: the agent raises the upper level only, and both pass; T90 over its limit', () => {
    // 0 until 40 s, 1.75 at 41 s, 2.0 from 42 s: 90 % of the way (1.8) at 41.2 s
    const readings = readingsOf((s) => (s <= 40 ? 0.02 : s === 41 ? 1.75 : 2))
    const alarms = alarmsOf(readings, [ALARM, POWER_OFF])
    expect(alarms.map((a) => `${a.state} ${a.level}`)).toEqual(['raised power-off'])
    const result = step(readings, { baselineReadings: [{ ts: APPLIED - 5000, value: 0 }] })
    expect(result.levels.map((l) => [l.result, l.raisedAt])).toEqual([['passed', APPLIED + 41_000], ['passed', APPLIED + 41_000]])
    expect(result.baseline).toBe(0)
    expect(step(readings, { baselineReadings: [{ ts: APPLIED - 5000, value: null }] }).baseline).toBeCloseTo(0.02, 10)
    expect(result.t90S).toBe(41.2)
    expect(result.reasons).toEqual(['T90 41.2 s exceeds 30 s'])
  })

  it('a span off the gas fails a span test and not a bump test', () => {
    const readings = readingsOf((s) => (s < 5 ? 0.02 : 1.7))
    expect(step(readings, { test: 'span' }).reasons).toEqual(['plateau 1.70 %CH4 is -15.0 % off the gas 2.00 %CH4 (tolerance ±10.0 %): calibrate the span'])
    const bump = step(readings, { test: 'bump' })
    expect([bump.result, bump.reasons]).toEqual(['passed', []])
    expect(bump.error).toBeCloseTo(-0.15, 10)
  })

  it('recovery: never back below every restore value, or back too late', () => {
    const rise = approach(0.02, 2, 10)
    const stuck = step(readingsOf(rise, 150, 80, () => 1.2), { removedAt: REMOVED })
    expect(stuck.recoveryS).toBeNull()
    expect(stuck.reasons).toEqual(['did not recover within 60 s: the reading was still 1.20 %CH4 70.0 s after the gas was removed'])
    const slow = step(readingsOf(rise, 170, 80, (s) => (s < 72 ? 1.2 : 0.1)), { removedAt: REMOVED })
    expect(slow.recoveryS).toBe(72)
    expect(slow.reasons).toEqual(['recovery 72.0 s exceeds 60 s'])
  })

  it('a sensor that does not respond fails even a bump test without levels', () => {
    const result = step(readingsOf(() => 0.05), { test: 'bump', levels: [] })
    expect(result.t90S).toBeNull()
    expect(result.reasons).toEqual(['the reading did not respond to 2.00 %CH4 of CH4 in air: it went from 0.02 %CH4 to 0.05 %CH4 only'])
  })

  it('no good reading under gas: nothing measured, and said so', () => {
    const result = step(readingsOf(() => null), { test: 'bump', levels: [] })
    expect([result.plateau, result.error, result.t90S]).toEqual([null, null, null])
    expect(result.reasons).toEqual(['no good reading after the gas was applied'])
    expect(Value.Check(GasStepSchema, result)).toBe(true)
  })

  it('levels the gas does not pass are not listed', () => {
    const high: LevelSpec = { level: 'evacuate', direction: 'high', setPoint: 2.5, restore: 2.5 }
    const result = step(healthy(), { removedAt: REMOVED, levels: [ALARM, POWER_OFF, high] })
    expect(result.levels.map((l) => l.level)).toEqual(['alarm', 'power-off'])
  })

  it('oxygen with a gas below air: the low level raised on the way down, the high level not listed, recovered above the restore value', () => {
    const low: LevelSpec = { level: 'low', direction: 'low', setPoint: 19.5, restore: 19.8 }
    const high: LevelSpec = { level: 'high', direction: 'high', setPoint: 23.5, restore: 23.2 }
    const fall = approach(20.9, 15, 12)
    const readings = readingsOf(fall, 150, 80, approach(fall(80), 20.9, 12)).map((r) => (r.ts < APPLIED ? { ...r, value: 20.9 } : r))
    const gas: TestGas = { ...METHANE_GAS, name: 'O2 in N2', concentration: 15, unit: '%VOL' }
    const result = step(readings, { gas, unit: '%VOL', removedAt: REMOVED, levels: [low, high] })
    expect(result.reasons).toEqual([])
    expect(result.levels).toMatchObject([{ level: 'low', direction: 'low', result: 'passed' }])
    expect(result.t90S).toBeGreaterThan(11)
    expect(result.t90S).toBeLessThan(13)
    expect(result.recoveryS).toBe((readings.find((r) => r.ts > REMOVED && r.value! > 19.8)!.ts - REMOVED) / 1000)
  })

  it('a long step is thinned to 4000 points, from the first reading', () => {
    const readings = Array.from({ length: 9000 }, (_, i) => ({ ts: APPLIED - 10_000 + i * 100, value: i < 100 ? 0 : 2 }))
    const result = step(readings, { levels: [] })
    expect(result.readings.t0).toBe(APPLIED - 10_000)
    expect(result.readings.points).toHaveLength(4000)
    expect(Value.Check(GasStepSchema, result)).toBe(true)
  })
})
