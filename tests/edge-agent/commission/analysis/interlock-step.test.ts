import { Value } from 'typebox/value'
import { describe, expect, it } from 'vitest'
import { interlockStep, type InterlockInput, type InterlockSeen } from '../../../../edge-agent/src/commission/analysis/index.ts'
import type { Decision, OutputWrite } from '../../../../edge-agent/src/interlocks/decision.ts'
import { InterlockMachine } from '../../../../edge-agent/src/interlocks/machine.ts'
import type { InterlockSpec } from '../../../../edge-agent/src/interlocks/spec.ts'
import { InterlockStepSchema } from '../../../../protocols/commissioning/index.ts'

const SPEC: InterlockSpec = {
  id: 'ch4-t1-power-cut',
  mode: 'any',
  conditions: [{ kind: 'value', device: 'ch4', channel: 'ch4', op: 'above', value: 1.5 }],
  action: {
    device: 'kdg', channel: 'cut_1', value: true, restoreValue: false,
    feedback: { device: 'kdg', channel: 'feed_1', whenTripped: false, whenRestored: true },
    feedbackMs: 2000,
  },
  failSafe: true,
  silentAfterMs: 60_000,
  restoreAfterMs: 10_000,
  manualReset: false,
  maxBypassMs: 8 * 3_600_000,
}

/** The agent's interlock machine driven by a test: its events, as the runner sees them. */
function rig(spec: InterlockSpec = SPEC) {
  const machine = new InterlockMachine(spec, 0)
  const seen: InterlockSeen[] = []
  const writes: OutputWrite[] = []
  const take = (d: Decision) => {
    if (d.write) writes.push(d.write)
    for (const e of d.events) if (e.type === 'interlock') seen.push({ ts: e.ts, state: e.state, ...(e.phase && { phase: e.phase }), ...(e.reason !== undefined && { reason: e.reason }), ...(e.cause !== undefined && { cause: e.cause }) })
  }
  return {
    seen,
    gas: (ts: number, value: number) => take(machine.onSample({ device: 'ch4', channel: 'ch4', ts, value, quality: 'good' })),
    feed: (ts: number, value: boolean) => take(machine.onSample({ device: 'kdg', channel: 'feed_1', ts, value, quality: 'good' })),
    written: (ts: number) => take(machine.onWriteResult(writes.at(-1)!, true, ts)),
    tick: (ts: number) => take(machine.tick(ts)),
    reset: (ts: number) => take(machine.reset(ts, 'installer')),
    bypass: (ts: number) => take(machine.startBypass(ts, 30, 'the mine fan must keep running', 'installer')),
  }
}

const step = (seen: InterlockSeen[], extra: Partial<InterlockInput> = {}) => {
  const result = interlockStep({ interlock: SPEC.id, output: { device: 'kdg', channel: 'cut_1' }, feedback: { device: 'kdg', channel: 'feed_1' }, feedbackMs: 2000, seen, ...extra })
  expect(Value.Check(InterlockStepSchema, result)).toBe(true)
  return result
}

/** Tripped at 1 s, written at 1.05 s, the feedback follows at 1.3 s; the gas gone from 5 s. */
function trippedAndConfirmed(spec: InterlockSpec = SPEC) {
  const r = rig(spec)
  r.gas(0, 0.5)
  r.gas(1000, 2)
  r.written(1050)
  r.feed(1300, false)
  for (let t = 5000; t <= 15_000; t += 1000) r.gas(t, 0.3)
  return r
}

describe('interlock step', () => {
  it('tripped, written, feedback confirmed, restored after the condition cleared and the restore confirmed: passed', () => {
    const r = trippedAndConfirmed()
    r.written(15_050)
    r.feed(15_400, true)
    expect(r.seen.map((e) => e.state)).toEqual(['tripped', 'actuated', 'confirmed', 'restored', 'actuated', 'confirmed'])
    expect(step(r.seen)).toEqual({
      kind: 'interlock', result: 'passed', interlock: SPEC.id, output: { device: 'kdg', channel: 'cut_1' }, feedback: { device: 'kdg', channel: 'feed_1' }, feedbackMs: 2000,
      trippedAt: 1000, actuatedAt: 1050, confirmedAt: 1300, restoredAt: 15_000,
    })
  })

  it('the feedback does not follow within feedbackMs: failed with the machine\'s reason, even when a retry works later', () => {
    const r = rig()
    r.gas(1000, 2)
    r.written(1050)
    r.feed(1300, true)
    r.tick(3050)
    r.written(3100)
    r.feed(3300, false)
    expect(r.seen.map((e) => e.state)).toEqual(['tripped', 'actuated', 'failed', 'actuated', 'confirmed'])
    const result = step(r.seen)
    expect(result.result).toBe('failed')
    expect(result.reason).toBe('trip failed: kdg/feed_1 reads true (good), expected false within 2000 ms of the write (馈电异常)')
  })

  it('the restore\'s feedback does not follow: failed in the restore phase', () => {
    const r = trippedAndConfirmed()
    r.written(15_050)
    r.tick(17_100)
    expect(step(r.seen).reason).toMatch(/^restore failed: kdg\/feed_1 reads false \(good\), expected true within 2000 ms of the write/)
  })

  it('never tripped: the peak and the trip level say why', () => {
    const r = rig()
    r.gas(1000, 1.21)
    expect(step(r.seen, { peak: 1.21, tripLevel: 1.5 }).reason).toBe('never tripped: the reading peaked at 1.21, below the trip level 1.5')
    expect(step(r.seen).reason).toBe('never tripped')
  })

  it('a manual-reset interlock without the reset is never restored; with it, restored', () => {
    const manual = { ...SPEC, manualReset: true }
    const waiting = trippedAndConfirmed(manual)
    expect(step(waiting.seen)).toMatchObject({ result: 'failed', reason: 'never restored: the condition did not clear for the restore time, or the interlock waits for a manual reset' })
    waiting.reset(16_000)
    waiting.written(16_050)
    waiting.feed(16_300, true)
    expect(waiting.seen.map((e) => e.state)).toEqual(['tripped', 'actuated', 'confirmed', 'reset', 'restored', 'actuated', 'confirmed'])
    expect(step(waiting.seen)).toMatchObject({ result: 'passed', restoredAt: 16_000 })
  })

  it('reset accepted while the condition holds: never restored, and the reason says the condition did not clear', () => {
    const r = rig({ ...SPEC, manualReset: true })
    r.gas(1000, 2)
    r.written(1050)
    r.feed(1300, false)
    const seen: InterlockSeen[] = [...r.seen, { ts: 20_000, state: 'reset' }]
    expect(step(seen).reason).toBe('reset accepted, but never restored: the condition did not stay clear for the restore time')
  })

  it('steps the machine did not finish: the write never acknowledged, the feedback never seen, the restore not confirmed', () => {
    const r = rig()
    r.gas(1000, 2)
    expect(step(r.seen).reason).toBe('tripped, but writing kdg/cut_1 was never acknowledged')
    r.written(1050)
    expect(step(r.seen).reason).toBe('tripped, but the feedback kdg/feed_1 never confirmed it')
    const restoring = trippedAndConfirmed()
    restoring.written(15_050)
    expect(step(restoring.seen).reason).toBe('restored, but the feedback kdg/feed_1 never confirmed the restore')
  })

  it('a declared bypass: bypassed, recorded, the suppressed condition noted; without one, the record says the trip path is unproven', () => {
    const bypass = { reason: 'the mine fan must keep running', by: 'installer' }
    const r = rig()
    r.bypass(500)
    r.gas(1000, 2)
    expect(r.seen.map((e) => e.state)).toEqual(['bypassed', 'suppressed'])
    expect(step(r.seen, { bypass })).toMatchObject({ result: 'bypassed', bypass, reason: 'bypassed: the trip condition was met and suppressed (ch4/ch4 2 ≥ 1.5)' })
    const quiet = rig()
    quiet.bypass(500)
    quiet.gas(1000, 1.2)
    expect(step(quiet.seen, { bypass })).toMatchObject({ result: 'bypassed', reason: 'bypassed: no suppressed event, so the trip condition was not shown to be met during the test' })
  })
})
