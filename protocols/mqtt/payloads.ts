import Type, { type Static } from 'typebox'
import { QUALITIES } from '../quality.ts'
import { TOPIC_ID_PATTERN } from './topics.ts'
import { AlarmKindSchema } from './commands.ts'
import { SignedRunSchema } from '../commissioning/run.ts'

/**
 * Every payload of MQTT protocol v1, declared once. Agent and server validate against these;
 * OpenAPI and the server's ingest derive from them. Times are epoch milliseconds UTC.
 */

const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'gateway sequence number: monotonic, persisted, never reused' })
const Ts = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000, description: 'epoch milliseconds UTC' })
const GatewayId = Type.String({ pattern: TOPIC_ID_PATTERN, description: 'must equal the gateway of the topic' })
const Name = Type.String({ minLength: 1, maxLength: 128 })
const Reason = Type.String({ maxLength: 500 })
const QualityEnum = Type.Enum([...QUALITIES] as ['good', 'comm-fail', 'device-fault', 'out-of-range', 'warming-up', 'stale'])
const Value = Type.Union([Type.Number(), Type.Boolean(), Type.String({ maxLength: 250 }), Type.Null()])

export const MAX_BATCH_SAMPLES = 5000
export const MAX_PAYLOAD_BYTES = 1_000_000

/**
 * A group: consecutive sequence numbers `seq0…`, one timestamp, consecutive channels `ch0…` of the
 * batch's dictionary, one value each. `q` and `r` give, by index in `values`, a quality other than good and why.
 */
export const SampleGroupSchema = Type.Object({
  seq0: Seq,
  ts: Ts,
  ch0: Type.Integer({ minimum: 0, maximum: MAX_BATCH_SAMPLES, description: 'index in ch of the channel of values[0]' }),
  values: Type.Array(Value, { minItems: 1, maxItems: MAX_BATCH_SAMPLES, description: 'one reading per channel; null when there is no usable value' }),
  q: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9]{1,4}$' }), QualityEnum, {
    description: 'index in values → its quality, for each value that is not good (absent: good); such a value is never a normal reading',
  })),
  r: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9]{1,4}$' }), Reason, { description: 'index in values → why its quality is not good' })),
}, { additionalProperties: false, description: 'samples of one timestamp: values[i] has sequence number seq0 + i and channel ch[ch0 + i]' })

export const TelemetryBatchSchema = Type.Object({
  v: Type.Literal(1),
  gw: GatewayId,
  ch: Type.Array(Type.String({ minLength: 3, maxLength: 129, pattern: '^[^/]+/[^/]+$' }), {
    minItems: 1, maxItems: MAX_BATCH_SAMPLES, description: 'the channel dictionary: "device/channel" names, referred to by index',
  }),
  g: Type.Array(SampleGroupSchema, { minItems: 1, maxItems: MAX_BATCH_SAMPLES, description: 'the samples, in groups' }),
}, {
  additionalProperties: false,
  description: 'Samples of one gateway (gateway → server, QoS 1, not retained), packed: a dictionary of channel names, ' +
    'then groups of samples sharing a timestamp. Delivery is at least once: keep each (gw, seq) once.',
})

const EventBase = { seq: Seq, ts: Ts }
const Number_ = Type.Number()
const Source = Type.String({ maxLength: 500, description: 'the standard and clause behind the set point' })
const By = Type.String({ minLength: 1, maxLength: 128, description: 'who acknowledged, reset or bypassed' })
const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })

/**
 * An alarm of one channel, identified by (device, channel, kind). `level` is its severity after the
 * transition (for `cleared`, the level it left); `from` the level before an escalation, a de-escalation
 * or a change. `changed`: a sensor fault whose kind changed (its level is the channel's bad quality of
 * now: comm-fail → warming-up), neither worse nor milder.
 */
export const AlarmEventSchema = Type.Object({
  ...EventBase,
  type: Type.Literal('alarm'),
  state: Type.Enum(['raised', 'escalated', 'de-escalated', 'changed', 'cleared', 'acknowledged']),
  device: Name,
  channel: Name,
  kind: AlarmKindSchema,
  level: Name,
  from: Type.Optional(Name),
  value: Type.Optional(Type.Union([Type.Number(), Type.Boolean(), Type.Null()])),
  unit: Type.Optional(Type.String({ maxLength: 16 })),
  threshold: Type.Optional(Number_),
  quality: Type.Optional(QualityEnum),
  latched: Type.Optional(Type.Boolean({ description: 'the alarm stays raised until acknowledged' })),
  acknowledged: Type.Optional(Type.Boolean({ description: 'someone acknowledged it already' })),
  interlock: Type.Optional(Name),
  by: Type.Optional(By),
  reason: Type.Optional(Reason),
  source: Type.Optional(Source),
  test: Type.Optional(Type.Boolean({ description: 'raised during a declared test of the device: shown as a test, never pages anyone' })),
}, { additionalProperties: false })

/**
 * What an interlock did. tripped: its condition (or fail-safe) holds; actuated: the output write was
 * acknowledged by the device; confirmed: the feedback followed; failed: the write failed or the
 * feedback did not follow in time (馈电异常) and the write is retried; restored: the restore value
 * was written; reset: a manual reset was accepted; suppressed: it would have tripped but is bypassed.
 */
export const InterlockEventSchema = Type.Object({
  ...EventBase,
  type: Type.Literal('interlock'),
  interlock: Name,
  state: Type.Enum(['tripped', 'actuated', 'confirmed', 'failed', 'restored', 'reset', 'bypassed', 'bypass-ended', 'suppressed']),
  phase: Type.Optional(Type.Enum(['trip', 'restore'])),
  cause: Type.Optional(Reason),
  reason: Type.Optional(Reason),
  attempt: Type.Optional(Type.Integer({ minimum: 1 })),
  by: Type.Optional(By),
  until: Type.Optional(Ts),
  device: Type.Optional(Name),
  channel: Type.Optional(Name),
  value: Type.Optional(Type.Union([Type.Number(), Type.Boolean()])),
  test: Type.Optional(Type.Boolean({ description: 'during a declared test of its source devices' })),
}, { additionalProperties: false })

export const CalibrationEventSchema = Type.Object({
  ...EventBase,
  type: Type.Literal('calibration'),
  device: Name,
  state: Type.Enum(['ok', 'due-soon', 'overdue']),
  dueOn: Day,
  calibratedOn: Day,
  source: Type.Optional(Source),
}, { additionalProperties: false })

/** A declared test mode: the alarms and trips of these devices are test events until it ends (by the run, or by itself at `until`). */
export const TestModeEventSchema = Type.Object({
  ...EventBase,
  type: Type.Literal('test-mode'),
  state: Type.Enum(['started', 'ended']),
  devices: Type.Array(Name, { minItems: 1, maxItems: 64 }),
  interlocks: Type.Array(Name, { maxItems: 64, description: 'the interlocks those devices feed' }),
  until: Ts,
  by: By,
  reason: Type.Optional(Reason),
}, { additionalProperties: false })

/** A recurring test of a device (calibration, bump test, interlock function test) falling due; calibration keeps its own `calibration` event. */
export const TestDueEventSchema = Type.Object({
  ...EventBase,
  type: Type.Literal('test-due'),
  device: Name,
  test: Type.Enum(['bump', 'interlock']),
  interlock: Type.Optional(Name),
  state: Type.Enum(['ok', 'due-soon', 'overdue']),
  // absent when the test was never done and no commissioning date is known: overdue from the start
  dueOn: Type.Optional(Day),
  lastOn: Type.Optional(Day),
  periodDays: Type.Integer({ minimum: 1 }),
  source: Source,
}, { additionalProperties: false })

/**
 * An interlock source near its trip: armed past its first alarm level (or within its armMargin of the trip),
 * read as fast as its line allows; disarmed once back past the restore level for a few seconds.
 */
export const ArmedEventSchema = Type.Object({
  ...EventBase,
  type: Type.Literal('armed'),
  state: Type.Enum(['armed', 'disarmed']),
  device: Name,
  channel: Name,
  value: Number_,
  unit: Type.Optional(Type.String({ maxLength: 16 })),
  armAt: Number_,
  trip: Number_,
  interlocks: Type.Array(Name, { minItems: 1, maxItems: 64 }),
  reason: Reason,
}, { additionalProperties: false })

/** A signed commissioning or periodic test run (protocols/commissioning): verified by the server against the gateway's registered key. */
export const CommissioningEventSchema = Type.Object({
  ...EventBase,
  type: Type.Literal('commissioning'),
  signed: SignedRunSchema,
}, { additionalProperties: false })

export const EventSchema = Type.Union([
  Type.Object({ ...EventBase, type: Type.Literal('device-state'), device: Name, from: Name, to: Name, reason: Type.Optional(Reason) }, { additionalProperties: false }),
  Type.Object({
    ...EventBase, type: Type.Literal('device-identity'), device: Name,
    identity: Type.Optional(Type.Record(Type.String({ maxLength: 32 }), Type.String({ maxLength: 250 }))),
    mismatch: Type.Optional(Reason),
  }, { additionalProperties: false }),
  Type.Object({ ...EventBase, type: Type.Literal('line-state'), bus: Name, state: Type.Enum(['open', 'down']), reason: Type.Optional(Reason) }, { additionalProperties: false }),
  Type.Object({
    ...EventBase, type: Type.Literal('buffer-overflow'),
    count: Type.Integer({ minimum: 1 }), firstSeq: Seq, lastSeq: Seq,
    cause: Type.Enum(['size', 'age']),
  }, { additionalProperties: false }),
  Type.Object({ ...EventBase, type: Type.Literal('agent-started'), version: Name, configHash: Name }, { additionalProperties: false }),
  AlarmEventSchema,
  InterlockEventSchema,
  CalibrationEventSchema,
  TestModeEventSchema,
  TestDueEventSchema,
  CommissioningEventSchema,
  ArmedEventSchema,
])

export const EventBatchSchema = Type.Object({
  v: Type.Literal(1),
  gw: GatewayId,
  events: Type.Array(EventSchema, { minItems: 1, maxItems: 1000, description: 'in sequence order; `type` says which kind of event' }),
}, {
  additionalProperties: false,
  description: 'Events of one gateway (gateway → server, QoS 1, not retained): alarms, interlock actions, device and line states, ' +
    'device identities, interlock sources armed and disarmed, calibration and test due dates, test modes, signed commissioning runs, buffer overflows, agent starts. Delivery is at least once: keep each (gw, seq) once.',
})

export const BusStatusSchema = Type.Object({
  id: Name,
  open: Type.Boolean(),
  cycleMs: Type.Optional(Type.Number({ minimum: 0 })),
  budgetMs: Type.Optional(Type.Number({ minimum: 0 })),
  load: Type.Number({ minimum: 0 }),
}, { additionalProperties: false })

export const StatusSchema = Type.Object({
  v: Type.Literal(1),
  gw: GatewayId,
  state: Type.Enum(['online', 'offline']),
  ts: Ts,
  agentVersion: Type.Optional(Name),
  configHash: Type.Optional(Name),
  uptimeS: Type.Optional(Type.Number({ minimum: 0 })),
  bufferDepth: Type.Optional(Type.Integer({ minimum: 0, description: 'records waiting in the outbox' })),
  buses: Type.Optional(Type.Array(BusStatusSchema, { maxItems: 1000 })),
}, {
  additionalProperties: false,
  description: 'The state of one gateway (gateway → server, QoS 1, retained): online with its version, config, uptime, outbox depth ' +
    'and buses every 30 s; offline as its last will or when it stops.',
})

export const InventoryDeviceSchema = Type.Object({
  device: Name,
  profile: Name,
  profileVersion: Name,
  kind: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the profile\'s device kind, e.g. catalytic-methane-sensor: decides its recurring tests (protocols/commissioning/periodic.ts) where the server does not know the profile' })),
  bus: Name,
  unit: Type.Integer({ minimum: 0, maximum: 255 }),
  vendor: Name,
  model: Name,
  location: Type.Optional(Type.String({ maxLength: 250 })),
  system: Type.Optional(Name),
  calibratedOn: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })),
  identity: Type.Optional(Type.Record(Type.String({ maxLength: 32 }), Type.String({ maxLength: 250 }))),
}, { additionalProperties: false })

export const InventorySchema = Type.Object({
  v: Type.Literal(1),
  gw: GatewayId,
  ts: Ts,
  devices: Type.Array(InventoryDeviceSchema, { maxItems: 5000 }),
}, { additionalProperties: false, description: 'The devices one gateway polls (gateway → server, QoS 1, retained), published on every connection.' })

export const CommandSchema = Type.Object({
  v: Type.Literal(1),
  id: Type.String({ minLength: 1, maxLength: 64, description: 'echoed in the cmd-result' }),
  ts: Ts,
  by: Type.String({ minLength: 1, maxLength: 128, description: 'the fleet user who issued it (the server sets it from the signed-in user); a gateway refuses a command without it, and records this name, not one in args' }),
  args: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { description: 'the arguments the command declares' })),
}, { additionalProperties: false, description: 'A command to one gateway on cmd/{name} (server → gateway, QoS 1, never retained), answered on cmd-result.' })

export const CommandResultSchema = Type.Object({
  v: Type.Literal(1),
  gw: GatewayId,
  id: Type.String({ minLength: 1, maxLength: 64, description: 'the id of the command ("-" when it had none)' }),
  command: Type.String({ minLength: 1, maxLength: 128, description: 'the command name, from its topic cmd/{name}' }),
  ok: Type.Boolean(),
  ts: Ts,
  message: Type.Optional(Type.String({ maxLength: 500, description: 'what happened, or why the command was refused' })),
}, { additionalProperties: false, description: 'The answer to one command (gateway → server, QoS 1, not retained): its id and name as received, and whether it was carried out.' })

export type SampleGroup = Static<typeof SampleGroupSchema>
export type TelemetryBatch = Static<typeof TelemetryBatchSchema>
export type AgentEvent = Static<typeof EventSchema>
export type AlarmEvent = Static<typeof AlarmEventSchema>
export type InterlockEvent = Static<typeof InterlockEventSchema>
export type ArmedEvent = Static<typeof ArmedEventSchema>
export type TestModeEvent = Static<typeof TestModeEventSchema>
export type TestDueEvent = Static<typeof TestDueEventSchema>
export type CommissioningEvent = Static<typeof CommissioningEventSchema>
export type EventBatch = Static<typeof EventBatchSchema>
export type Status = Static<typeof StatusSchema>
export type Inventory = Static<typeof InventorySchema>
export type InventoryDevice = Static<typeof InventoryDeviceSchema>
export type Command = Static<typeof CommandSchema>
export type CommandResult = Static<typeof CommandResultSchema>

/** Topic kind → the schema of its payload: the wire contract as one map. */
export const PAYLOAD_SCHEMAS = {
  telemetry: TelemetryBatchSchema,
  events: EventBatchSchema,
  status: StatusSchema,
  inventory: InventorySchema,
  'cmd-result': CommandResultSchema,
  cmd: CommandSchema,
} as const
