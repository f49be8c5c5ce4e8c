import Type, { type Static } from 'typebox'
import { AlarmLevelSchema, SystemSchema } from '../../../hardware-profiles/schema.ts'
import { MAX_BYPASS_MINUTES } from '../../../protocols/mqtt/commands.ts'
import { SITE_TYPES } from '../../../protocols/site-types.ts'

/**
 * The gateway config, declared once: types, runtime validation, the JSON Schema for editors
 * (edge-agent/config.schema.json) and the README's key reference all come from here.
 */

/** Every default of the gateway config, in one place; the schema below shows them to editors. */
export const DEFAULTS = {
  rtuTimeoutMs: 300,
  tcpTimeoutMs: 1000,
  retries: 1,
  pollMs: 1000,
  tcpPort: 502,
  maxInFlight: 1,
  feedbackMs: 2000,
  parity: 'none',
  dataBits: 8,
  stopBits: 1,
  turnaroundMs: 0,
  priority: 'normal',
  interlockMode: 'any',
  failSafe: true,
  restoreAfterMs: 0,
  manualReset: false,
  /** a source device is silent after this many poll periods plus its retried timeouts */
  silentAfterPolls: 3,
  /** a shift */
  maxBypassMinutes: 480,
  timezone: 'Asia/Shanghai',
  calibrationDueSoonDays: 2,
  /** GB 20952-2020 appendix E: a day with fewer than 75 % of fuellings in the A/L band is a warning day */
  dailyMinRatio: 0.75,
  /** … and 5 warning days in a row raise the alarm */
  dailyAlarmAfterDays: 5,
  dailyMinTotal: 1,
  rateOfRiseWindowS: 60,
  /** restorePerMinute defaults to this share of perMinute */
  rateOfRiseRestoreShare: 0.5,
  flatlineWindowMinutes: 30,
  flatlineTolerance: 0,
  sensorFaultOnDelayMs: 0,
  latch: false,
  onDelayMs: 0,
  offDelayMs: 0,
  /** at most this share of a line goes to armed reads while other devices are due */
  armedShare: 0.5,
  /** the fastest an armed source is read: on a 9600 baud line its read takes ~30 ms anyway; on TCP it bounds the samples stored */
  armedPollMs: 50,
} as const

function literals<const V extends string[]>(values: readonly [...V], description: string, options: { default?: V[number] } = {}) {
  return Type.Enum<V>(values, { description, ...options })
}

const idString = (description: string) => Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 64, description })
const Id = idString('letters, digits, - _ .; unique within its list')
const DeviceRef = Type.String({ minLength: 1, description: 'id of a device in devices' })
const ChannelId = Type.String({ minLength: 1, description: 'channel id from that device\'s profile (edge-agent profiles show PROFILE)' })

export const SerialBusSchema = Type.Object({
  id: Id,
  type: Type.Literal('rtu', { description: 'Modbus RTU on a serial line (RS-485)' }),
  path: Type.String({ minLength: 1, description: 'serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/...' }),
  baud: Type.Integer({ description: 'baud rate: 1200, 2400, 4800, 9600, 19200, 38400, 57600 or 115200' }),
  parity: Type.Optional(literals(['none', 'even', 'odd'], 'parity', { default: DEFAULTS.parity })),
  dataBits: Type.Optional(Type.Integer({ minimum: 7, maximum: 8, default: DEFAULTS.dataBits, description: 'data bits' })),
  stopBits: Type.Optional(Type.Integer({ minimum: 1, maximum: 2, default: DEFAULTS.stopBits, description: 'stop bits' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 20, maximum: 60_000, default: DEFAULTS.rtuTimeoutMs, description: 'answer timeout per request' })),
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, default: DEFAULTS.retries, description: 'retries of a timed-out request before the device counts as not answering' })),
  turnaroundMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: DEFAULTS.turnaroundMs, description: 'extra silence after each answer for slow devices; counted in the bus wire budget' })),
  armedShare: Type.Optional(Type.Number({ minimum: 0, maximum: 0.9, default: DEFAULTS.armedShare, description: 'share of the line armed reads (interlock sources near their trip level, read as fast as the line allows) may take while other devices are due; 0 turns armed reading off on this bus' })),
  armedPollMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 1000, default: DEFAULTS.armedPollMs, description: 'shortest time between two armed reads of one device' })),
}, { additionalProperties: false, description: 'an RS-485 line; every device on it shares one request queue and the wire time' })

export const TcpBusSchema = Type.Object({
  id: Id,
  type: Type.Literal('tcp', { description: 'Modbus TCP endpoint (a device or a serial gateway)' }),
  host: Type.String({ minLength: 1, description: 'IP address or host name of the device or serial gateway' }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, default: DEFAULTS.tcpPort, description: 'TCP port' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 20, maximum: 60_000, default: DEFAULTS.tcpTimeoutMs, description: 'answer timeout per request' })),
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, default: DEFAULTS.retries, description: 'retries of a timed-out request before the device counts as not answering' })),
  maxInFlight: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, default: DEFAULTS.maxInFlight, description: 'transactions pipelined on the connection when the device allows it' })),
  armedShare: Type.Optional(Type.Number({ minimum: 0, maximum: 0.9, default: DEFAULTS.armedShare, description: 'share of the line armed reads (interlock sources near their trip level, read as fast as the line allows) may take while other devices are due; 0 turns armed reading off on this bus' })),
  armedPollMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 1000, default: DEFAULTS.armedPollMs, description: 'shortest time between two armed reads of one device' })),
}, { additionalProperties: false, description: 'one Modbus TCP connection; one host:port is one bus' })

export const BusSchema = Type.Union([SerialBusSchema, TcpBusSchema])

const LevelName = AlarmLevelSchema.properties.level

export const RateOfRiseSchema = Type.Object({
  perMinute: Type.Number({ exclusiveMinimum: 0, description: 'raised when the value rises this much per minute or faster, in the channel unit' }),
  windowS: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400, default: DEFAULTS.rateOfRiseWindowS, description: 'the rate is measured across this window' })),
  restorePerMinute: Type.Optional(Type.Number({ minimum: 0, description: `clears when the rate falls below this; default ${DEFAULTS.rateOfRiseRestoreShare} × perMinute` })),
  latch: Type.Optional(Type.Boolean({ default: DEFAULTS.latch, description: 'stays raised until acknowledged' })),
}, { additionalProperties: false, description: 'a rate-of-rise alarm (a fast leak before the level is reached)' })

export const FlatlineSchema = Type.Object({
  windowMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_080, default: DEFAULTS.flatlineWindowMinutes, description: 'good readings that stay within tolerance this long mean a covered or stuck sensor' })),
  tolerance: Type.Optional(Type.Number({ minimum: 0, default: DEFAULTS.flatlineTolerance, description: 'largest spread that still counts as the same value, in the channel unit' })),
}, { additionalProperties: false, description: 'a flatline (stuck or covered sensor) alarm' })

export const SensorFaultSchema = Type.Union([
  Type.Boolean({ description: 'false: no sensor-fault alarm for this channel' }),
  Type.Object({
    onDelayMs: Type.Optional(Type.Integer({ minimum: 0, default: DEFAULTS.sensorFaultOnDelayMs, description: 'a bad quality must last this long before the alarm' })),
    latch: Type.Optional(Type.Boolean({ default: DEFAULTS.latch, description: 'stays raised until acknowledged' })),
  }, { additionalProperties: false }),
], { description: 'sensor-fault alarm when the quality is not good (fault, warming up, out of range, offline); on by default for every channel with levels or named here' })

export const ChannelAlarmsSchema = Type.Object({
  preset: Type.Optional(Type.String({ minLength: 1, description: 'alarm preset for the sensor role (edge-agent presets list), e.g. coal-ch4-t1-longwall-face' })),
  params: Type.Optional(Type.Record(Type.String(), Type.Number(), { description: 'site figures the preset asks for (edge-agent presets show ID)' })),
  levels: Type.Optional(Type.Array(AlarmLevelSchema, { description: 'alarm levels replacing the preset or profile levels, each with its source' })),
  onDelayMs: Type.Optional(Type.Integer({ minimum: 0, description: 'for every level: the condition must hold this long before it is raised (overrides the level\'s own)' })),
  offDelayMs: Type.Optional(Type.Integer({ minimum: 0, description: 'for every level: the condition must be gone this long before it clears (overrides the level\'s own)' })),
  latch: Type.Optional(Type.Union([Type.Boolean(), Type.Array(LevelName, { minItems: 1 })], { description: 'true: every level stays raised until acknowledged; a list: those levels; overrides the levels\' own' })),
  rateOfRise: Type.Optional(RateOfRiseSchema),
  flatline: Type.Optional(FlatlineSchema),
  sensorFault: Type.Optional(SensorFaultSchema),
}, { additionalProperties: false, description: 'alarms of one channel: a preset or levels (else the profile defaults), delays, latching, rate of rise, flatline, sensor fault' })

const TestPeriodSchema = (test: string, what: string) => Type.Object({
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3660, description: `days between two passed ${test}s, replacing the rule's period (a longer one is a check warning naming the rule)` })),
  dueSoonDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365, description: 'a due-soon event this many days before the due date; default 3 for periods up to 15 days, 14 for longer ones' })),
}, { additionalProperties: false, description: `the ${test} (${what})` })

const TestPeriodsSchema = Type.Object({
  bump: Type.Optional(TestPeriodSchema('bump test', 'test gas, every alarm level seen to trigger')),
  interlock: Type.Optional(TestPeriodSchema('interlock function test', 'trip, feedback confirmed, restore')),
}, { additionalProperties: false, description: 'recurring tests: bump and interlock function tests; calibration keeps calibrationDays' })

export const DeviceSchema = Type.Object({
  id: Id,
  bus: Type.String({ minLength: 1, description: 'id of the bus the device is on' }),
  unit: Type.Integer({ minimum: 1, maximum: 247, description: 'Modbus unit id 1..247, unique on its bus' }),
  profile: Type.String({ minLength: 1, description: 'hardware profile id (edge-agent profiles list) or a profile file path relative to this config' }),
  pollMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 86_400_000, default: DEFAULTS.pollMs, description: 'poll period; on RTU at least the wire time of one poll' })),
  priority: Type.Optional(literals(['safety', 'normal', 'inventory'], 'safety devices are read first when the bus is busy', { default: DEFAULTS.priority })),
  location: Type.Optional(Type.String({ description: 'where it is installed, e.g. 1201 working face upper corner' })),
  system: Type.Optional(SystemSchema),
  calibratedOn: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'last calibration date YYYY-MM-DD' })),
  dailyRatio: Type.Optional(Type.Object({
    inBand: Type.String({ minLength: 1, description: 'channel counting the day\'s events in band, e.g. fuellings_in_band_today' }),
    total: Type.String({ minLength: 1, description: 'channel counting the day\'s events, e.g. fuellings_today' }),
    minRatio: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, default: DEFAULTS.dailyMinRatio, description: 'a day below this share in band is a warning day' })),
    alarmAfterDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, default: DEFAULTS.dailyAlarmAfterDays, description: 'warning days in a row that raise the alarm' })),
    minTotal: Type.Optional(Type.Integer({ minimum: 1, default: DEFAULTS.dailyMinTotal, description: 'days with fewer events are not judged' })),
  }, { additionalProperties: false, description: 'a rule judged once per calendar day (gateway time zone) over two day counters: vapor recovery A/L per GB 20952-2020 appendix E' })),
  calibrationDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3660, description: 'calibration interval in days, overriding the profile\'s calibration.intervalDays' })),
  calibrationDueSoonDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365, default: DEFAULTS.calibrationDueSoonDays, description: 'a calibration-due-soon event this many days before the due date' })),
  alarms: Type.Optional(Type.Record(Type.String(), ChannelAlarmsSchema, { description: 'channel id → its alarms (preset, levels, delays, rate of rise, flatline, sensor fault)' })),
  tests: Type.Optional(Type.Object(TestPeriodsSchema.properties, { additionalProperties: false, description: 'this device\'s recurring test periods (interlock: of every interlock it is a source of), replacing the rules\' and the gateway-wide tests; a test no rule asks for is added' })),
}, { additionalProperties: false, description: 'one Modbus device' })

export const ChannelRefSchema = Type.Object({
  device: DeviceRef,
  channel: ChannelId,
}, { additionalProperties: false, description: 'a channel of a device' })

export const HEALTH_STATES = ['offline', 'fault'] as const

export const ConditionSchema = Type.Object({
  device: DeviceRef,
  channel: Type.Optional(Type.String({ minLength: 1, description: 'channel id from that device\'s profile, for above, below or equals' })),
  above: Type.Optional(Type.Number({ description: 'true at or above this value' })),
  below: Type.Optional(Type.Number({ description: 'true at or below this value' })),
  equals: Type.Optional(Type.Union([Type.Number(), Type.Boolean()], { description: 'true when the channel reads exactly this (booleans compare as 1 / 0)' })),
  health: Type.Optional(Type.Array(literals([...HEALTH_STATES], 'device state'), { minItems: 1, description: 'true when the device is in any of these states (no channel)' })),
  restore: Type.Optional(Type.Number({ description: 'with above or below: once tripped, the condition lasts until the value is past this (e.g. methane power-off above 1.5, restore below 1.0); default the set point' })),
  armMargin: Type.Optional(Type.Number({ minimum: 0, description: 'with above or below: the source is armed (read as fast as the line allows, ahead of other reads) from this far before the trip value, in the channel unit; it is also armed past the channel\'s first alarm level before the trip' })),
}, { additionalProperties: false, description: 'a value condition {device, channel, above | below | equals} or a health condition {device, health}; exactly one of above, below, equals, health' })

const OutputValue = (description: string) => Type.Union([Type.Number(), Type.Boolean()], { description })

export const InterlockSchema = Type.Object({
  id: Id,
  description: Type.Optional(Type.String({ description: 'what the interlock protects, for the event log' })),
  mode: Type.Optional(literals(['any', 'all'], 'trip when any or all conditions hold', { default: DEFAULTS.interlockMode })),
  when: Type.Array(ConditionSchema, { minItems: 1, description: 'trip conditions; the interlock restores when they no longer hold' }),
  action: Type.Object({
    device: DeviceRef,
    channel: Type.String({ minLength: 1, description: 'a writable coil or register of that device' }),
    value: OutputValue('value written on trip'),
    restoreValue: Type.Optional(OutputValue('value written on restore; default the opposite of a boolean value; required for a register')),
    feedback: Type.Optional(ChannelRefSchema),
    feedbackMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 60_000, default: DEFAULTS.feedbackMs, description: 'time the feedback has to follow' })),
  }, { additionalProperties: false, description: 'the output written on trip, and the input that confirms it (default: the profile channel whose feedbackOf is the output, else the output read back)' }),
  failSafe: Type.Optional(Type.Boolean({ default: DEFAULTS.failSafe, description: 'trip when a source sensor faults, warms up, is out of range or silent' })),
  silentAfterMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 86_400_000, description: `a source without a sample this long is silent; default ${DEFAULTS.silentAfterPolls} × pollMs + (retries + 1) × timeoutMs of the slowest source device` })),
  restoreAfterMs: Type.Optional(Type.Integer({ minimum: 0, default: DEFAULTS.restoreAfterMs, description: 'the restore condition must hold this long' })),
  manualReset: Type.Optional(Type.Boolean({ default: DEFAULTS.manualReset, description: 'restore only after a manual reset' })),
  maxBypassMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BYPASS_MINUTES, default: DEFAULTS.maxBypassMinutes, description: 'longest maintenance bypass allowed, counted from its start: repeating a bypass with the same reason does not extend it past this' })),
  stopsLocalFan: Type.Optional(Type.Boolean({ default: false, description: 'its function test would stop the local (auxiliary) fan: in a coal mine tested every 6 months instead of 15 days' })),
}, { additionalProperties: false, description: 'an automatic action at the edge: when the conditions hold, write the output and check its feedback' })

export const GatewayConfigSchema = Type.Object({
  $schema: Type.Optional(Type.String({ description: 'JSON Schema of this file, for editors' })),
  gateway: Type.Object({
    id: idString('gateway id, unique in the fleet; part of the MQTT topic root'),
    site: idString('site id as registered on the fleet server'),
    name: Type.Optional(Type.String({ description: 'a human name, e.g. 涌山镇 coal mine, main shaft gateway' })),
    timezone: Type.Optional(Type.String({ minLength: 1, default: DEFAULTS.timezone, description: 'IANA time zone of the site, for calibration due dates and per-day rules' })),
    siteType: Type.Optional(literals([...SITE_TYPES], 'kind of site, as registered on the fleet server: picks the rules of periodic tests; when not given, every rule applies (the strictest)')),
  }, { additionalProperties: false, description: 'this gateway and the site it belongs to' }),
  uplink: Type.Optional(Type.Object({
    url: Type.String({ pattern: '^mqtts?://', description: 'mqtt://host:port or mqtts://host:port' }),
    credentialsFile: Type.Optional(Type.String({ description: 'JSON {"username","password"}, file mode 0600 (written by edge-agent provision); relative to this file' })),
    caFile: Type.Optional(Type.String({ description: 'CA certificate for mqtts://; relative to this file' })),
  }, { additionalProperties: false, description: 'the MQTT broker of the fleet server' })),
  buffer: Type.Optional(Type.Object({
    path: Type.String({ minLength: 1, description: 'SQLite outbox file; relative to this file' }),
    maxBytes: Type.Optional(Type.Integer({ minimum: 1_000_000, description: 'size cap; the oldest records are dropped past it, with an event saying how many' })),
    maxAgeHours: Type.Optional(Type.Integer({ minimum: 1, description: 'records older than this are dropped, with an event' })),
  }, { additionalProperties: false, description: 'the local store-and-forward buffer' })),
  buses: Type.Array(BusSchema, { minItems: 1, description: 'serial lines (type rtu) and Modbus TCP endpoints (type tcp)' }),
  devices: Type.Array(DeviceSchema, { minItems: 1, description: 'the devices the gateway polls' }),
  interlocks: Type.Optional(Type.Array(InterlockSchema, { description: 'automatic actions enforced at the edge' })),
  tests: Type.Optional(Type.Object(TestPeriodsSchema.properties, { additionalProperties: false, description: 'gateway-wide recurring test periods, replacing the rules\' for every device a rule binds (a device\'s own tests replace these)' })),
}, { additionalProperties: false })

export type GatewayConfig = Static<typeof GatewayConfigSchema>
export type BusConfig = Static<typeof BusSchema>
export type SerialBusConfig = Static<typeof SerialBusSchema>
export type TcpBusConfig = Static<typeof TcpBusSchema>
export type DeviceConfig = Static<typeof DeviceSchema>
export type InterlockConfig = Static<typeof InterlockSchema>
export type ConditionConfig = Static<typeof ConditionSchema>
export type ChannelAlarmsConfig = Static<typeof ChannelAlarmsSchema>
export type TestPeriodsConfig = Static<typeof TestPeriodsSchema>
