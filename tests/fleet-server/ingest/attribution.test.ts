import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { attributed, commandBacks, localOperator, type SentCommand } from '../../../fleet-server/src/ingest/attribution.ts'
import type { AgentEvent, AlarmEvent } from '../../../protocols/mqtt/index.ts'

const GW = 'gw-1'
const T0 = Date.parse('2026-11-29T02:00:00Z')
const ack = (extra: Partial<AlarmEvent> = {}): AlarmEvent =>
  ({ seq: 1, ts: T0, type: 'alarm', state: 'acknowledged', device: 'ch4-1', channel: 'ch4', kind: 'level', level: 'alarm', by: 'admin', ...extra })
const ackCommand = (args: Record<string, unknown>, by = 'admin'): SentCommand => ({ name: 'ack-alarm', by, args: { by, ...args } })
const interlock = (state: 'reset' | 'bypassed' | 'bypass-ended' | 'tripped', by = 'admin'): AgentEvent =>
  ({ seq: 2, ts: T0, type: 'interlock', interlock: 'power-cut', state, by })

describe('which command backs a user named by a gateway event', () => {
  it('an acknowledgement: ack-alarm of that channel (that kind or every kind) or of every alarm, by that user', () => {
    expect(commandBacks(ack(), ackCommand({ device: 'ch4-1', channel: 'ch4', kind: 'level' }))).toBe(true)
    expect(commandBacks(ack(), ackCommand({ device: 'ch4-1', channel: 'ch4' }))).toBe(true)
    expect(commandBacks(ack(), ackCommand({ all: true }))).toBe(true)
    expect(commandBacks(ack(), ackCommand({ device: 'ch4-1', channel: 'ch4', kind: 'rate-of-rise' }))).toBe(false)
    expect(commandBacks(ack(), ackCommand({ device: 'ch4-2', channel: 'ch4' }))).toBe(false)
    expect(commandBacks(ack(), ackCommand({ device: 'ch4-1', channel: 'co' }))).toBe(false)
    expect(commandBacks(ack(), ackCommand({ all: true }, 'ent-a'))).toBe(false)
    expect(commandBacks(ack(), { name: 'reset-interlock', by: 'admin', args: { interlock: 'power-cut', by: 'admin' } })).toBe(false)
  })

  it('the user as the server recorded it or as it sent it in the args', () => {
    // the server records its user name and may send another spelling to the gateway: both are the server's word
    const command: SentCommand = { name: 'ack-alarm', by: 'zhang', args: { device: 'ch4-1', channel: 'ch4', by: '张工' } }
    expect(commandBacks(ack({ by: '张工' }), command)).toBe(true)
    expect(commandBacks(ack({ by: 'zhang' }), command)).toBe(true)
    expect(commandBacks(ack({ by: '李工' }), command)).toBe(false)
  })

  it('an interlock action: reset, bypass and end of bypass each by its own command of that interlock', () => {
    const command = (name: string, il = 'power-cut'): SentCommand => ({ name, by: 'admin', args: { interlock: il, by: 'admin' } })
    expect(commandBacks(interlock('reset'), command('reset-interlock'))).toBe(true)
    expect(commandBacks(interlock('bypassed'), command('bypass-interlock'))).toBe(true)
    expect(commandBacks(interlock('bypass-ended'), command('end-bypass'))).toBe(true)
    expect(commandBacks(interlock('bypassed'), command('reset-interlock'))).toBe(false)
    expect(commandBacks(interlock('reset'), command('reset-interlock', 'pump'))).toBe(false)
    // no command makes an interlock trip: a name on a trip is the local operator's
    expect(commandBacks(interlock('tripped'), command('reset-interlock'))).toBe(false)
  })
})

describe('the event as stored', () => {
  it('keeps a backed user, records any other as the gateway\'s local operator, leaves events without a user alone', () => {
    expect(attributed(GW, ack(), [ackCommand({ all: true })])).toEqual(ack())
    expect(attributed(GW, ack(), [])).toEqual(ack({ by: 'local operator at gw-1: admin' }))
    const raised = ack({ state: 'raised', by: undefined })
    delete raised.by
    expect(attributed(GW, raised, [])).toBe(raised)
  })

  it('never names a fleet user without a command behind it: whatever the name and the unrelated commands, it is the local operator\'s', () => {
    const name = fc.string({ minLength: 1, maxLength: 128 })
    const unrelated = fc.record({ name: fc.constantFrom('reset-interlock', 'bypass-interlock', 'end-bypass', 'safety-status'), by: name, args: fc.record({ interlock: fc.string(), by: name }) })
    fc.assert(fc.property(name, fc.array(unrelated, { maxLength: 5 }), (by, commands) => {
      const stored = attributed(GW, ack({ by }), commands)
      expect(stored.by).toBe(localOperator(GW, by))
    }))
  })
})
