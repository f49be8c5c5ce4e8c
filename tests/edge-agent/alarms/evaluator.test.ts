import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ChannelAlarms, type AlarmTransition } from '../../../edge-agent/src/alarms/evaluator.ts'
import type { ChannelAlarmSpec, LevelSpec } from '../../../edge-agent/src/alarms/spec.ts'
import type { Quality } from '../../../protocols/quality.ts'
import type { Sample } from '../../../protocols/sample.ts'

const level = (name: string, direction: 'high' | 'low', value: number, restore: number, extra: Partial<LevelSpec> = {}): LevelSpec =>
  ({ level: name, direction, value, restore, onDelayMs: 0, offDelayMs: 0, latch: false, source: 'test', ...extra })

const METHANE_T1: ChannelAlarmSpec = {
  device: 'ch4', channel: 'ch4', unit: '%CH4',
  levels: [level('alarm', 'high', 1.0, 1.0), level('power-off', 'high', 1.5, 1.0)],
  sensorFault: { onDelayMs: 0, latch: false },
}

const OXYGEN: ChannelAlarmSpec = {
  device: 'o2', channel: 'o2', unit: '%VOL',
  levels: [level('low', 'low', 19.5, 19.8), level('high', 'high', 23.5, 23.2)],
}

const sample = (ts: number, value: number | null, quality: Quality = 'good', device = 'ch4', channel = 'ch4'): Sample => ({ device, channel, ts, value, quality })

function run(spec: ChannelAlarmSpec, values: (number | null | [number | null, Quality])[], stepMs = 1000): AlarmTransition[] {
  const alarms = new ChannelAlarms(spec)
  return values.flatMap((v, i) => {
    const [value, quality] = Array.isArray(v) ? v : [v, 'good' as Quality]
    return alarms.onSample(sample(i * stepMs, value, quality, spec.device, spec.channel))
  })
}

const brief = (events: AlarmTransition[]) => events.map((e) => `${e.kind}:${e.state}:${e.level}`)

describe('alarm levels', () => {
  it('a methane leak ramps through alarm and power-off, and restores below 1.0 %', () => {
    const events = run(METHANE_T1, [0.2, 0.9, 1.0, 1.2, 1.5, 1.8, 1.2, 1.0, 0.99, 0.5])
    expect(brief(events)).toEqual(['level:raised:alarm', 'level:escalated:power-off', 'level:cleared:power-off'])
    expect(events[0]).toMatchObject({ ts: 2000, value: 1.0, threshold: 1.0, unit: '%CH4', source: 'test' })
    expect(events[1]).toMatchObject({ ts: 4000, from: 'alarm', value: 1.5, threshold: 1.5 })
    // restore < 1.0: 1.0 itself still holds the power-off level
    expect(events[2]).toMatchObject({ ts: 8000, value: 0.99 })
  })

  it('de-escalates when a level with its own restore clears first', () => {
    const spec: ChannelAlarmSpec = { device: 'g', channel: 'g', levels: [level('level-1', 'high', 25, 20), level('level-2', 'high', 50, 45)] }
    const events = run(spec, [10, 30, 55, 44, 30, 19])
    expect(brief(events)).toEqual(['level:raised:level-1', 'level:escalated:level-2', 'level:de-escalated:level-1', 'level:cleared:level-1'])
  })

  it('a jump straight past every level raises the most severe one at once', () => {
    expect(brief(run(METHANE_T1, [0, 2.0, 0]))).toEqual(['level:raised:power-off', 'level:cleared:power-off'])
  })

  it('oxygen: deficiency and enrichment on one channel, each with its deadband', () => {
    const events = run(OXYGEN, [20.9, 19.5, 19.7, 19.9, 23.5, 23.3, 23.1, 20.9])
    expect(brief(events)).toEqual(['level:raised:low', 'level:cleared:low', 'level:raised:high', 'level:cleared:high'])
  })

  it('a value hovering at the set point inside the deadband does not chatter', () => {
    const spec: ChannelAlarmSpec = { device: 'x', channel: 'x', levels: [level('alarm', 'high', 1.0, 0.9)] }
    expect(brief(run(spec, [0.5, 1.0, 0.95, 1.01, 0.92, 0.999, 1.0, 0.91, 0.89]))).toEqual(['level:raised:alarm', 'level:cleared:alarm'])
  })

  it('on-delay: the condition must hold; off-delay: it must stay gone', () => {
    const spec: ChannelAlarmSpec = { device: 'p', channel: 'p', levels: [level('alarm', 'high', 200, 200, { onDelayMs: 3000, offDelayMs: 2000 })] }
    // 250 for 2 s, a dip, then 250 for 3 s; then 100 for 1 s, back up, then 100 for 2 s
    const events = run(spec, [0, 250, 250, 100, 250, 250, 250, 250, 100, 250, 100, 100, 100])
    expect(events.map((e) => [e.state, e.ts])).toEqual([['raised', 7000], ['cleared', 12000]])
  })

  it('a latched level stays raised until acknowledged, then clears if the condition is gone', () => {
    const spec: ChannelAlarmSpec = { device: 'c', channel: 'c', levels: [level('alarm', 'high', 24, 24, { latch: true })] }
    const alarms = new ChannelAlarms(spec)
    const events = [0, 30, 10, 10].flatMap((v, i) => alarms.onSample(sample(i * 1000, v, 'good', 'c', 'c')))
    expect(brief(events)).toEqual(['level:raised:alarm'])
    expect(alarms.active()).toMatchObject([{ kind: 'level', level: 'alarm', latched: true, acknowledged: false }])
    const ack = alarms.acknowledge(undefined, 5000, 'shift supervisor')
    expect(ack.map((e) => [e.state, e.by])).toEqual([['acknowledged', 'shift supervisor'], ['cleared', undefined]])
    expect(ack[1]).toMatchObject({ acknowledged: true })
    expect(alarms.acknowledge(undefined, 6000, 'again')).toEqual([])
  })

  it('a latching level is shown latched only once its condition went away, not while it holds', () => {
    const spec: ChannelAlarmSpec = { device: 'c', channel: 'c', levels: [level('alarm', 'high', 24, 24, { latch: true })] }
    const alarms = new ChannelAlarms(spec)
    for (const [i, v] of [0, 30].entries()) alarms.onSample(sample(i * 1000, v, 'good', 'c', 'c'))
    expect(alarms.active()).toMatchObject([{ kind: 'level', level: 'alarm', latched: false }])
    alarms.onSample(sample(2000, 10, 'good', 'c', 'c'))
    expect(alarms.active()).toMatchObject([{ kind: 'level', level: 'alarm', latched: true }])
  })

  it('acknowledging an active latched alarm keeps it until the condition goes; an escalation needs a new acknowledgement', () => {
    const spec: ChannelAlarmSpec = { ...METHANE_T1, levels: METHANE_T1.levels.map((l) => ({ ...l, latch: true })) }
    const alarms = new ChannelAlarms(spec)
    alarms.onSample(sample(0, 1.2))
    expect(brief(alarms.acknowledge('level', 1, 'op'))).toEqual(['level:acknowledged:alarm'])
    expect(brief(alarms.onSample(sample(2, 1.6)))).toEqual(['level:escalated:power-off'])
    expect(alarms.active()[0]).toMatchObject({ acknowledged: false })
    expect(brief(alarms.onSample(sample(3, 0.2)))).toEqual([])
    expect(brief(alarms.acknowledge('level', 4, 'op'))).toEqual(['level:acknowledged:power-off', 'level:cleared:power-off'])
  })
})

describe('quality', () => {
  it('a bad sample raises sensor-fault, never reads as 0, and holds the levels where they were', () => {
    const events = run(METHANE_T1, [1.6, [null, 'comm-fail'], [0, 'device-fault'], [null, 'warming-up'], 0.2])
    expect(brief(events)).toEqual(['level:raised:power-off', 'sensor-fault:raised:comm-fail', 'sensor-fault:changed:device-fault',
      'sensor-fault:changed:warming-up', 'sensor-fault:cleared:warming-up', 'level:cleared:power-off'])
    expect(events[1]).toMatchObject({ quality: 'comm-fail', value: null })
  })

  it('out-of-range is a sensor fault even with a value that would clear the alarm', () => {
    const events = run(METHANE_T1, [1.2, [0.0, 'out-of-range'], [0.0, 'out-of-range']])
    expect(brief(events)).toEqual(['level:raised:alarm', 'sensor-fault:raised:out-of-range'])
  })

  it('the fault on-delay rides out one missed answer', () => {
    const spec: ChannelAlarmSpec = { ...METHANE_T1, sensorFault: { onDelayMs: 2000, latch: false } }
    expect(brief(run(spec, [0.1, [null, 'comm-fail'], 0.1, [null, 'comm-fail'], [null, 'comm-fail'], [null, 'comm-fail']]))).toEqual(['sensor-fault:raised:comm-fail'])
  })

  it('booleans compare as 1 / 0; strings never raise', () => {
    const spec: ChannelAlarmSpec = { device: 'd', channel: 'd', levels: [level('alarm', 'high', 1, 1)] }
    const alarms = new ChannelAlarms(spec)
    expect(brief(alarms.onSample({ device: 'd', channel: 'd', ts: 0, value: true, quality: 'good' }))).toEqual(['level:raised:alarm'])
    expect(brief(alarms.onSample({ device: 'd', channel: 'd', ts: 1, value: 'x', quality: 'good' }))).toEqual([])
    expect(brief(alarms.onSample({ device: 'd', channel: 'd', ts: 2, value: false, quality: 'good' }))).toEqual(['level:cleared:alarm'])
  })
})

describe('a sensor fault follows the current bad quality', () => {
  const O2: ChannelAlarmSpec = { ...OXYGEN, sensorFault: { onDelayMs: 0, latch: false } }
  /** what the sensor-fault alarm did: state, level, from, quality, value */
  const faultEvents = (events: AlarmTransition[]) => events.filter((e) => e.kind === 'sensor-fault')
    .map((e) => [e.state, e.level, e.from, e.quality, e.value])

  it.each<{ name: string; samples: [number | null, Quality][]; expected: unknown[][] }>([
    {
      name: 'comm-fail → warming-up → good: a change, then cleared by the good value, leaving warming-up',
      samples: [[20.9, 'good'], [null, 'comm-fail'], [null, 'comm-fail'], [0, 'warming-up'], [20.9, 'good']],
      expected: [['raised', 'comm-fail', undefined, 'comm-fail', null], ['changed', 'warming-up', 'comm-fail', 'warming-up', 0], ['cleared', 'warming-up', undefined, 'good', 20.9]],
    },
    {
      name: 'device-fault → out-of-range: a change',
      samples: [[null, 'device-fault'], [25, 'out-of-range']],
      expected: [['raised', 'device-fault', undefined, 'device-fault', null], ['changed', 'out-of-range', 'device-fault', 'out-of-range', 25]],
    },
    {
      name: 'the same kind twice: no event',
      samples: [[null, 'comm-fail'], [null, 'comm-fail'], [null, 'comm-fail']],
      expected: [['raised', 'comm-fail', undefined, 'comm-fail', null]],
    },
    {
      name: 'back and forth: each change is one event',
      samples: [[null, 'comm-fail'], [0, 'warming-up'], [null, 'comm-fail'], [null, 'comm-fail'], [20.9, 'good']],
      expected: [['raised', 'comm-fail', undefined, 'comm-fail', null], ['changed', 'warming-up', 'comm-fail', 'warming-up', 0],
        ['changed', 'comm-fail', 'warming-up', 'comm-fail', null], ['cleared', 'comm-fail', undefined, 'good', 20.9]],
    },
  ])('$name', ({ samples, expected }) => {
    expect(faultEvents(run(O2, samples))).toEqual(expected)
  })

  it('a change keeps the acknowledgement and the time raised; the status names the current kind', () => {
    const alarms = new ChannelAlarms(O2)
    alarms.onSample(sample(0, null, 'comm-fail', 'o2', 'o2'))
    alarms.acknowledge('sensor-fault', 500, 'op')
    const changed = alarms.onSample(sample(1000, 0, 'warming-up', 'o2', 'o2'))
    expect(changed).toMatchObject([{ state: 'changed', level: 'warming-up', from: 'comm-fail' }])
    expect(alarms.active()).toMatchObject([{ kind: 'sensor-fault', level: 'warming-up', since: 0, acknowledged: true }])
  })

  it('a latched fault that changed its kind clears on acknowledgement as the kind it had last', () => {
    const alarms = new ChannelAlarms({ ...O2, sensorFault: { onDelayMs: 0, latch: true } })
    const events = [[null, 'comm-fail'], [0, 'warming-up'], [20.9, 'good'], [20.9, 'good']]
      .flatMap(([v, q], i) => alarms.onSample(sample(i * 1000, v as number | null, q as Quality, 'o2', 'o2')))
    expect(brief(events)).toEqual(['sensor-fault:raised:comm-fail', 'sensor-fault:changed:warming-up'])
    expect(brief(alarms.acknowledge('sensor-fault', 5000, 'op'))).toEqual(['sensor-fault:acknowledged:warming-up', 'sensor-fault:cleared:warming-up'])
  })

  it('a kind that changes during the on-delay raises the kind that holds when the delay ends', () => {
    const spec: ChannelAlarmSpec = { ...O2, sensorFault: { onDelayMs: 2000, latch: false } }
    expect(brief(run(spec, [[null, 'comm-fail'], [0, 'warming-up'], [0, 'warming-up']]))).toEqual(['sensor-fault:raised:warming-up'])
  })

  it('the change survives a restart: the restored alarm changes from the kind it had', () => {
    const before = new ChannelAlarms(O2)
    before.onSample(sample(0, null, 'comm-fail', 'o2', 'o2'))
    const after = new ChannelAlarms(O2, JSON.parse(JSON.stringify(before.snapshot())))
    expect(after.onSample(sample(1000, 0, 'warming-up', 'o2', 'o2'))).toMatchObject([{ state: 'changed', level: 'warming-up', from: 'comm-fail' }])
  })
})

describe('the status of the active alarms', () => {
  it('shows the last value only when it is a reading: the value of a bad sample is not one', () => {
    const alarms = new ChannelAlarms(METHANE_T1)
    alarms.onSample(sample(0, 1.6))
    expect(alarms.active()).toMatchObject([{ kind: 'level', level: 'power-off', value: 1.6 }])
    alarms.onSample(sample(1000, 0, 'warming-up'))
    expect(alarms.active().map((a) => [a.kind, a.level, a.value])).toEqual([['level', 'power-off', null], ['sensor-fault', 'warming-up', null]])
    alarms.onSample(sample(2000, 1.7))
    expect(alarms.active().map((a) => [a.kind, a.level, a.value])).toEqual([['level', 'power-off', 1.7]])
  })
})

describe('rate of rise and flatline', () => {
  it('rate of rise over the window, with its own restore', () => {
    const spec: ChannelAlarmSpec = { device: 'r', channel: 'r', levels: [], rateOfRise: { perMinute: 0.3, windowMs: 60_000, restorePerMinute: 0.1, latch: false, source: 'test' } }
    // 10 s steps: flat, then +0.1 per step (0.6 %/min), then flat again
    const values = [...Array(7).fill(0.1), ...Array.from({ length: 8 }, (_, i) => 0.2 + i * 0.1), ...Array(10).fill(0.9)]
    const events = run(spec, values, 10_000)
    expect(brief(events)).toEqual(['rate-of-rise:raised:rate-of-rise', 'rate-of-rise:cleared:rate-of-rise'])
    expect(events[0]!.ts).toBeGreaterThanOrEqual(80_000)
    expect(events[1]!.ts).toBeGreaterThan(events[0]!.ts)
  })

  it('a reading frozen for the window is a flatline (covered or stuck sensor); a change clears it', () => {
    const spec: ChannelAlarmSpec = { device: 'co', channel: 'co', levels: [], flatline: { windowMs: 30 * 60_000, tolerance: 0 } }
    const frozen = Array(40).fill(3)
    const events = run(spec, [2, ...frozen, 4], 60_000)
    expect(brief(events)).toEqual(['flatline:raised:flatline', 'flatline:cleared:flatline'])
    expect(events[0]!.ts).toBe(31 * 60_000)
  })

  it('noise within the tolerance is still flat; bad samples do not break the run', () => {
    const spec: ChannelAlarmSpec = { device: 'co', channel: 'co', levels: [], flatline: { windowMs: 5000, tolerance: 0.1 } }
    expect(brief(run(spec, [1, 1.05, [null, 'comm-fail'], 1.02, 1.08, 1.0, 1.1]))).toEqual(['flatline:raised:flatline'])
  })
})

describe('state survives a restart', () => {
  it('a latched, unacknowledged alarm is still there after a snapshot round trip', () => {
    const spec: ChannelAlarmSpec = { ...METHANE_T1, levels: METHANE_T1.levels.map((l) => ({ ...l, latch: true })) }
    const before = new ChannelAlarms(spec)
    before.onSample(sample(0, 1.7))
    before.onSample(sample(1000, 0.1))
    const after = new ChannelAlarms(spec, JSON.parse(JSON.stringify(before.snapshot())))
    expect(after.onSample(sample(2000, 0.1))).toEqual([])
    expect(brief(after.acknowledge(undefined, 3000, 'op'))).toEqual(['level:acknowledged:power-off', 'level:cleared:power-off'])
  })
})

describe('properties', () => {
  const noisy = fc.array(fc.double({ min: -1, max: 3, noNaN: true }), { maxLength: 300 })

  it('each level is a Schmitt trigger: raises and clears alternate, one per real crossing of its hysteresis band', () => {
    fc.assert(fc.property(noisy, fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 0, max: 0.5, noNaN: true }), (values, setPoint, deadband) => {
      const spec: ChannelAlarmSpec = { device: 'x', channel: 'x', levels: [level('alarm', 'high', setPoint, setPoint - deadband)] }
      const events = run(spec, values)
      // the oracle: count the crossings of the band directly
      let active = false
      let crossings = 0
      for (const v of values) {
        if (!active && v >= setPoint) { active = true; crossings++ }
        else if (active && v < setPoint - deadband) { active = false; crossings++ }
      }
      expect(events.length).toBe(crossings)
      events.forEach((e, i) => expect(e.state).toBe(i % 2 === 0 ? 'raised' : 'cleared'))
    }), { numRuns: 500 })
  })

  it('noise smaller than half the deadband never chatters: at most one transition per crossing of the true signal', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })), { maxLength: 300 }),
      fc.double({ min: 0.02, max: 0.5, noNaN: true }),
      (points, deadband) => {
        const setPoint = 1
        const middle = setPoint - deadband / 2
        const truth = points.map(([s]) => s)
        const measured = points.map(([s, n]) => s + n * deadband * 0.499)
        const events = run({ device: 'x', channel: 'x', levels: [level('alarm', 'high', setPoint, setPoint - deadband)] }, measured)
        let crossings = 0
        for (let i = 1; i < truth.length; i++) if ((truth[i - 1]! >= middle) !== (truth[i]! >= middle)) crossings++
        expect(events.length).toBeLessThanOrEqual(crossings + 1)
      },
    ), { numRuns: 500 })
  })

  it('with several levels the alarm only ever names a level it holds, and ends cleared when the value ends low', () => {
    fc.assert(fc.property(noisy, (values) => {
      const events = run(METHANE_T1, [...values, 0])
      let current: string | undefined
      for (const e of events) {
        if (e.kind !== 'level') continue
        if (e.state === 'raised') expect(current).toBeUndefined()
        else expect(e.from ?? e.level).toBe(current)
        current = e.state === 'cleared' ? undefined : e.level
      }
      expect(current).toBeUndefined()
    }), { numRuns: 300 })
  })
})
