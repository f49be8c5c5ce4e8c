import Type, { type Static } from 'typebox'
import { ALARM_KINDS } from '../../../protocols/mqtt/index.ts'
import { Id, literals, Ts, Value } from './primitives.ts'

/** Alarms and interlock actions as the store keeps them (from the gateways' events) and the API answers them. */

export const AlarmSchema = Type.Object({
  id: Type.Integer(),
  siteId: Id,
  gatewayId: Id,
  device: Type.String(),
  channel: Type.String(),
  kind: literals([...ALARM_KINDS] as string[] as ['level']),
  level: Type.String(),
  state: literals(['active', 'cleared']),
  acknowledged: Type.Boolean(),
  acknowledgedBy: Type.Optional(Type.String()),
  acknowledgedAt: Type.Optional(Ts),
  raisedAt: Ts,
  clearedAt: Type.Optional(Ts),
  value: Type.Optional(Value),
  threshold: Type.Optional(Type.Number()),
  unit: Type.Optional(Type.String()),
  interlock: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  test: Type.Optional(Type.Literal(true, { description: 'raised during a declared test of its device (commissioning, periodic test): shown as a test, not counted as unacknowledged' })),
})

export const InterlockActionSchema = Type.Object({
  gatewayId: Id,
  siteId: Id,
  seq: Type.Integer(),
  ts: Ts,
  interlock: Type.String(),
  state: Type.String({ description: 'tripped, actuated, confirmed, failed, restored, reset, bypassed, bypass-ended, suppressed' }),
  phase: Type.Optional(Type.String()),
  cause: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  by: Type.Optional(Type.String()),
  until: Type.Optional(Ts),
  test: Type.Optional(Type.Literal(true, { description: 'during a declared test of its source devices' })),
})

export type Alarm = Static<typeof AlarmSchema>
export type InterlockAction = Static<typeof InterlockActionSchema>
