import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Decision, OutputWrite } from '../../../edge-agent/src/interlocks/decision.ts'
import { InterlockMachine } from '../../../edge-agent/src/interlocks/machine.ts'
import type { InterlockSpec } from '../../../edge-agent/src/interlocks/spec.ts'
import type { Quality } from '../../../protocols/quality.ts'

const SPEC: InterlockSpec = {
  id: 'ch4-t1-power-cut',
  mode: 'any',
  conditions: [{ kind: 'value', device: 'ch4', channel: 'ch4', op: 'above', value: 1.5 }],
  action: {
    device: 'relay', channel: 'cut_1', value: true, restoreValue: false,
    feedback: { device: 'relay', channel: 'feed_1', whenTripped: false, whenRestored: true },
    feedbackMs: 2000,
  },
  failSafe: true,
  silentAfterMs: 5000,
  restoreAfterMs: 10_000,
  manualReset: false,
  maxBypassMs: 8 * 3_600_000,
}

const gas = (ts: number, value: number | null, quality: Quality = 'good') => ({ device: 'ch4', channel: 'ch4', ts, value, quality })
const feed = (ts: number, value: boolean, quality: Quality = 'good') => ({ device: 'relay', channel: 'feed_1', ts, value, quality })
const states = (d: Decision) => d.events.map((e) => (e.type === 'interlock' ? e.state : `alarm:${e.state}`))

/** A machine with a relay that does what it is told after `delayMs`, unless stuck. */
function rig(spec: InterlockSpec = SPEC) {
  const machine = new InterlockMachine(spec, 0)
  const log: string[] = []
  const writes: OutputWrite[] = []
  const take = (d: Decision) => {
    if (d.write) writes.push(d.write)
    log.push(...states(d))
    return d
  }
  return { machine, log, writes, take }
}

describe('interlock', () => {
  it('trips at the set point: write first, then tripped; actuated on the reply; confirmed by the feedback', () => {
    const { machine, log, writes, take } = rig()
    take(machine.onSample(gas(0, 0.5)))
    expect(log).toEqual([])
    const trip = take(machine.onSample(gas(1000, 1.5)))
    expect(trip.write).toMatchObject({ device: 'relay', channel: 'cut_1', value: true, phase: 'trip', attempt: 1 })
    expect(trip.events[0]).toMatchObject({ state: 'tripped', cause: 'ch4/ch4 1.5 ≥ 1.5' })
    take(machine.onWriteResult(writes[0]!, true, 1050))
    take(machine.onSample(feed(1300, false)))
    expect(log).toEqual(['tripped', 'actuated', 'confirmed'])
    expect(machine.status()).toMatchObject({ state: 'tripped', output: 'confirmed' })
  })

  it('restores only after the condition has been clear for restoreAfterMs, and checks the feedback again', () => {
    const { machine, log, writes, take } = rig()
    take(machine.onSample(gas(0, 2)))
    take(machine.onWriteResult(writes[0]!, true, 10))
    take(machine.onSample(feed(100, false)))
    take(machine.onSample(gas(1000, 0.8)))
    take(machine.onSample(gas(6000, 1.6))) // back over: the hold starts again
    for (let t = 7000; t < 17_000; t += 1000) take(machine.onSample(gas(t, 0.8)))
    take(machine.tick(16_999))
    expect(log).not.toContain('restored')
    const restore = take(machine.onSample(gas(17_000, 0.8)))
    expect(restore.write).toMatchObject({ value: false, phase: 'restore' })
    take(machine.onWriteResult(writes[1]!, true, 17_050))
    take(machine.onSample(feed(17_300, true)))
    expect(log).toEqual(['tripped', 'actuated', 'confirmed', 'restored', 'actuated', 'confirmed'])
    expect(machine.status()).toMatchObject({ state: 'normal' })
  })

  it('a relay that ignores the write: failed + interlock-failed alarm at the feedback time, the write retried until the feedback follows', () => {
    const { machine, log, writes, take } = rig()
    take(machine.onSample(gas(0, 1.6)))
    take(machine.onWriteResult(writes[0]!, true, 40))
    take(machine.onSample(feed(500, true)))
    take(machine.tick(2039))
    expect(log).toEqual(['tripped', 'actuated'])
    const failed = take(machine.tick(2040))
    expect(states(failed)).toEqual(['failed', 'alarm:raised'])
    expect(failed.events[1]).toMatchObject({ kind: 'interlock-failed', device: 'relay', channel: 'cut_1', level: 'trip-failed', interlock: 'ch4-t1-power-cut' })
    expect(failed.events[0]).toMatchObject({ reason: expect.stringContaining('馈电异常') })
    expect(failed.write).toMatchObject({ value: true, attempt: 2 })
    take(machine.onWriteResult(writes[1]!, true, 2100))
    take(machine.tick(4100)) // still ignored: failed again (no second alarm), attempt 3
    expect(writes[2]).toMatchObject({ attempt: 3 })
    // attempts 3, 5, 6, 7 are retried silently; 4 and 8 are logged
    for (let attempt = 3, t = 4150; attempt <= 8; attempt++, t += 2100) {
      take(machine.onWriteResult(writes.at(-1)!, true, t))
      take(machine.tick(t + 2000))
    }
    expect(writes.at(-1)).toMatchObject({ attempt: 9 })
    take(machine.onWriteResult(writes.at(-1)!, true, 20_000))
    take(machine.onSample(feed(20_300, false)))
    expect(log).toEqual(['tripped', 'actuated', 'failed', 'alarm:raised', 'actuated', 'failed',
      'actuated', 'failed', 'actuated', 'failed', 'confirmed', 'alarm:cleared'])
  })

  it('a restore level: tripped at 1.5 %, the condition lasts until the gas is below 1.0 %', () => {
    const spec: InterlockSpec = { ...SPEC, restoreAfterMs: 0, conditions: [{ kind: 'value', device: 'ch4', channel: 'ch4', op: 'above', value: 1.5, restore: 1.0 }] }
    const { machine, log, writes, take } = rig(spec)
    take(machine.onSample(gas(0, 1.6)))
    take(machine.onWriteResult(writes[0]!, true, 10))
    take(machine.onSample(gas(1000, 1.2)))
    take(machine.onSample(gas(2000, 1.0)))
    expect(machine.reset(2000, 'op')).toMatchObject({ ok: false, message: expect.stringContaining('1 ≥ 1 (restore level)') })
    expect(log).toEqual(['tripped', 'actuated'])
    take(machine.onSample(gas(3000, 0.99)))
    expect(log).toEqual(['tripped', 'actuated', 'restored'])
    take(machine.onSample(gas(4000, 1.4)))
    expect(log).toEqual(['tripped', 'actuated', 'restored'])
  })

  it('a write that errors is a failure and is retried', () => {
    const { machine, log, writes, take } = rig()
    take(machine.onSample(gas(0, 1.6)))
    take(machine.onWriteResult(writes[0]!, false, 300, 'MODBUS_TIMEOUT'))
    expect(log).toEqual(['tripped', 'failed', 'alarm:raised'])
    expect(take(machine.tick(1299)).write).toBeUndefined()
    expect(take(machine.tick(1300)).write).toMatchObject({ attempt: 2 })
  })

  it('fail-safe: a sensor fault, a device offline, silence, warm-up and out-of-range all trip', () => {
    for (const [input, cause] of [
      [(m: InterlockMachine) => m.onSample(gas(1000, null, 'comm-fail')), 'fail-safe: ch4/ch4 comm-fail'],
      [(m: InterlockMachine) => m.onSample(gas(1000, 0, 'warming-up')), 'fail-safe: ch4/ch4 warming-up'],
      [(m: InterlockMachine) => m.onSample(gas(1000, 0.1, 'out-of-range')), 'fail-safe: ch4/ch4 out-of-range'],
      [(m: InterlockMachine) => m.onDeviceState('ch4', 'offline', 1000), 'fail-safe: ch4 is offline'],
      [(m: InterlockMachine) => m.tick(6001), 'fail-safe: ch4/ch4 silent for 5001 ms'],
    ] as const) {
      const { machine, take } = rig()
      take(machine.onSample(gas(1000, 0.2)))
      const d = take(input(machine))
      expect(d.events[0], cause).toMatchObject({ state: 'tripped', cause })
      expect(d.write).toMatchObject({ value: true })
    }
  })

  it('without fail-safe a faulty sensor does not trip', () => {
    const { machine, log, take } = rig({ ...SPEC, failSafe: false })
    take(machine.onSample(gas(0, null, 'comm-fail')))
    take(machine.tick(60_000))
    expect(log).toEqual([])
  })

  it('a source never heard from trips once silentAfterMs has passed since start', () => {
    const { machine, log, take } = rig()
    take(machine.tick(5000))
    expect(log).toEqual([])
    take(machine.tick(5001))
    expect(log).toEqual(['tripped'])
  })

  it('manual reset: refused while the condition holds, accepted once clear; restore waits for it', () => {
    const { machine, log, writes, take } = rig({ ...SPEC, manualReset: true, restoreAfterMs: 0 })
    take(machine.onSample(gas(0, 1.8)))
    take(machine.onWriteResult(writes[0]!, true, 10))
    take(machine.onSample(feed(100, false)))
    expect(machine.reset(200, 'op')).toMatchObject({ ok: false, message: expect.stringContaining('ch4/ch4 1.8 ≥ 1.5') })
    for (let t = 1000; t <= 60_000; t += 1000) take(machine.onSample(gas(t, 0.2)))
    take(machine.tick(60_000))
    expect(log).not.toContain('restored')
    expect(machine.status().awaitingReset).toBe(true)
    take(machine.onSample(gas(61_000, 0.2)))
    const reset = take(machine.reset(61_000, 'shift electrician'))
    expect(reset).toMatchObject({ ok: true })
    expect(reset.events[0]).toMatchObject({ state: 'reset', by: 'shift electrician' })
    expect(reset.write).toMatchObject({ value: false, phase: 'restore' })
    expect(log).toEqual(['tripped', 'actuated', 'confirmed', 'reset', 'restored'])
  })

  it('a bypass suppresses a trip until it expires by itself; at expiry the interlock trips if the condition still holds', () => {
    const { machine, log, take } = rig()
    take(machine.onSample(gas(0, 0.2)))
    const bypass = take(machine.startBypass(1000, 30, 'calibration with 2 % CH4 test gas', 'technician'))
    expect(bypass).toMatchObject({ ok: true })
    expect(bypass.events[0]).toMatchObject({ state: 'bypassed', until: 1000 + 30 * 60_000, reason: 'calibration with 2 % CH4 test gas', by: 'technician' })
    take(machine.onSample(gas(2000, 2.0)))
    take(machine.onSample(gas(3000, 2.0)))
    expect(log).toEqual(['bypassed', 'suppressed'])
    take(machine.tick(1000 + 30 * 60_000 - 1))
    take(machine.onSample(gas(1000 + 30 * 60_000 - 1, 2.0)))
    expect(log).toEqual(['bypassed', 'suppressed'])
    const expiry = take(machine.tick(1000 + 30 * 60_000))
    expect(states(expiry)).toEqual(['bypass-ended', 'tripped'])
    expect(expiry.write).toMatchObject({ value: true })
  })

  it('a bypass longer than allowed is refused', () => {
    const { machine } = rig({ ...SPEC, maxBypassMs: 60 * 60_000 })
    expect(machine.startBypass(0, 61, 'too long', 'x')).toMatchObject({ ok: false })
  })

  it('supervision: a tripped output switched back by hand is a failure and is written again', () => {
    const { machine, log, writes, take } = rig()
    take(machine.onSample(gas(0, 1.6)))
    take(machine.onWriteResult(writes[0]!, true, 10))
    take(machine.onSample(feed(100, false)))
    take(machine.onSample(gas(500, 1.6)))
    take(machine.onSample(feed(1000, true)))
    take(machine.onSample(feed(2999, true)))
    expect(log).toEqual(['tripped', 'actuated', 'confirmed'])
    const d = take(machine.onSample(feed(3000, true)))
    expect(states(d)).toEqual(['failed', 'alarm:raised'])
    expect(d.write).toMatchObject({ value: true, phase: 'trip' })
  })

  it('mode all needs every condition; health conditions count', () => {
    const spec: InterlockSpec = {
      ...SPEC, mode: 'all', failSafe: false,
      conditions: [
        { kind: 'value', device: 'ch4', channel: 'ch4', op: 'above', value: 1.0 },
        { kind: 'health', device: 'fan', states: ['offline', 'fault'] },
      ],
    }
    const { machine, log, take } = rig(spec)
    take(machine.onSample(gas(0, 1.2)))
    expect(log).toEqual([])
    take(machine.onDeviceState('fan', 'fault', 100))
    expect(log).toEqual(['tripped'])
  })

  it('survives a restart tripped: the output is written again and checked', () => {
    const { machine, writes, take } = rig({ ...SPEC, manualReset: true })
    take(machine.onSample(gas(0, 1.6)))
    take(machine.onWriteResult(writes[0]!, true, 10))
    const after = new InterlockMachine({ ...SPEC, manualReset: true }, 100_000, JSON.parse(JSON.stringify(machine.snapshot())))
    const resumed = after.resume(100_000)
    expect(resumed.write).toMatchObject({ value: true, phase: 'trip', attempt: 1 })
    expect(after.status()).toMatchObject({ state: 'tripped', awaitingReset: true })
  })
})

describe('what a restore and a reset say about the hold time', () => {
  /** tripped at 0, output confirmed, condition clear from 1000 on; reset asked at 1000 when manual */
  function restoreOf(manualReset: boolean, restoreAfterMs: number) {
    const { machine, writes, take } = rig({ ...SPEC, manualReset, restoreAfterMs })
    take(machine.onSample(gas(0, 1.8)))
    take(machine.onWriteResult(writes[0]!, true, 10))
    take(machine.onSample(feed(100, false)))
    const events = [...take(machine.onSample(gas(1000, 0.2))).events]
    const reset = machine.reset(1000, 'op')
    events.push(...take(reset).events)
    for (let t = 1500; t <= 1000 + restoreAfterMs; t += 500) events.push(...take(machine.onSample(gas(t, 0.2))).events)
    const restored = events.find((e) => e.type === 'interlock' && e.state === 'restored')
    return { reason: restored?.type === 'interlock' ? restored.reason : undefined, resetMessage: reset.message }
  }

  it.each([
    { manualReset: false, restoreAfterMs: 0, reason: 'condition clear', resetMessage: 'interlock ch4-t1-power-cut is not tripped' },
    { manualReset: false, restoreAfterMs: 3000, reason: 'condition clear for 3.0 s', resetMessage: 'interlock ch4-t1-power-cut restores by itself once its condition has been clear for 3.0 s' },
    { manualReset: false, restoreAfterMs: 500, reason: 'condition clear for 0.5 s', resetMessage: 'interlock ch4-t1-power-cut restores by itself once its condition has been clear for 0.5 s' },
    { manualReset: true, restoreAfterMs: 0, reason: 'condition clear, manual reset accepted', resetMessage: 'reset accepted; output restored' },
    { manualReset: true, restoreAfterMs: 3000, reason: 'condition clear for 3.0 s, manual reset accepted', resetMessage: 'reset accepted; the output is restored once the condition has been clear for 3.0 s' },
  ])('manual reset $manualReset, hold $restoreAfterMs ms: restored ($reason)', ({ manualReset, restoreAfterMs, reason, resetMessage }) => {
    expect(restoreOf(manualReset, restoreAfterMs)).toEqual({ reason, resetMessage })
  })
})

describe('properties', () => {
  const quality = fc.constantFrom<Quality>('comm-fail', 'device-fault', 'warming-up', 'out-of-range', 'stale')

  it('any run of bad-quality samples keeps a fail-safe interlock tripped, whatever their values, resets and time', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(
        fc.record({ kind: fc.constant('bad' as const), value: fc.option(fc.double({ min: -10, max: 10, noNaN: true })), quality, dt: fc.integer({ min: 0, max: 60_000 }) }),
        fc.record({ kind: fc.constant('reset' as const), dt: fc.integer({ min: 0, max: 60_000 }) }),
        fc.record({ kind: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 600_000 }) }),
      ), { minLength: 1, maxLength: 100 }),
      fc.boolean(),
      (steps, manualReset) => {
        const machine = new InterlockMachine({ ...SPEC, manualReset, restoreAfterMs: 0 }, 0)
        let now = 0
        const take = (d: Decision) => {
          if (d.write) machine.onWriteResult(d.write, true, now)
        }
        take(machine.onSample(gas(now, null, 'comm-fail')))
        expect(machine.status().state).toBe('tripped')
        for (const s of steps) {
          now += s.dt
          if (s.kind === 'bad') take(machine.onSample(gas(now, s.value, s.quality)))
          else if (s.kind === 'reset') take(machine.reset(now, 'x'))
          else take(machine.tick(now))
          expect(machine.status().state).toBe('tripped')
        }
      },
    ), { numRuns: 500 })
  })

  it('whatever the values, the interlock is tripped whenever the last good reading is at or over the set point', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { maxLength: 200 }), (values) => {
      const machine = new InterlockMachine({ ...SPEC, restoreAfterMs: 0 }, 0)
      values.forEach((v, i) => {
        const d = machine.onSample(gas(i * 1000, v))
        if (d.write) machine.onWriteResult(d.write, true, i * 1000)
        if (v >= 1.5) expect(machine.status().state).toBe('tripped')
      })
    }), { numRuns: 300 })
  })
})
