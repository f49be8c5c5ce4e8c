import Type, { type Static } from 'typebox'

/** Regulatory systems: what the regulation catalog (seeds/regulations.yaml) requires sites to install. */
export const SYSTEM_IDS = [
  'monitoring', 'personnel-positioning', 'emergency-refuge', 'compressed-air-rescue', 'water-supply-rescue',
  'communication', 'tailings-monitoring', 'explosion-barrier', 'vapor-recovery', 'gnss-recorder',
  'process-interlock', 'major-hazard-monitoring',
] as const
export type SystemId = (typeof SYSTEM_IDS)[number]

/** Engineering units a profile may use: one spelling each, so fleet-wide queries never meet unit drift. */
export const UNITS = [
  '%CH4', '%VOL', '%LEL', 'ppm', 'mg/m3', 'degC', '%RH', 'Pa', 'kPa', 'MPa', 'm', 'mm', 'm3/h', 'L/min', 'm3',
  'mm/h', 'mm/d', 'm/s', 'V', 'mA', 'A', 'kW', 'h', 'min', 's', 'd', 'count', 'ratio', '%', '',
] as const

function literals<const V extends string[]>(values: readonly [...V], description: string) {
  return Type.Enum<V>(values, { description })
}

const Identifier = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 64, description: 'lower-case id: letters, digits, - and _' })
const Text = Type.Object({ en: Type.String({ minLength: 1 }), zh: Type.String({ minLength: 1 }) }, { additionalProperties: false, description: 'text in English and Chinese' })
const Address = Type.Integer({ minimum: 0, maximum: 65535, description: 'zero-based protocol address (register 40001 is holding 0)' })

export const TableSchema = literals(['coil', 'discrete', 'holding', 'input'], 'Modbus table: coil and discrete hold bits, holding and input hold registers')
export const DataTypeSchema = literals(['bool', 'bit', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64', 'string'] as const,
  'raw encoding: bool for a coil/discrete input, bit for one bit of a register, string for ASCII')
export const WordOrderSchema = literals(['ABCD', 'CDAB', 'BADC', 'DCBA'] as const,
  'byte/word order of multi-register values, by where byte A (most significant) travels; 64-bit values extend it (CDAB = GHEFCDAB)')
export const QualitySchema = literals(['device-fault', 'warming-up', 'out-of-range'], 'quality a device signals')
export const UnitSchema = literals(UNITS, 'engineering unit from the allow-list')
export const SystemSchema = literals(SYSTEM_IDS, 'regulatory system id')

/** A raw value (or inclusive raw range) that means "no valid reading". */
export const InvalidRawSchema = Type.Object({
  raw: Type.Optional(Type.Number({ description: 'exact raw value, e.g. 65535 for "no sensor"' })),
  rawMin: Type.Optional(Type.Number({ description: 'lower end of a raw range' })),
  rawMax: Type.Optional(Type.Number({ description: 'upper end of a raw range' })),
  quality: QualitySchema,
  reason: Type.String({ minLength: 1, description: 'what the device means by it' }),
}, { additionalProperties: false })

export const AlarmLevelSchema = Type.Object({
  level: literals(['alarm', 'power-off', 'level-1', 'level-2', 'low', 'low-low', 'high', 'high-high', 'blue', 'yellow', 'orange', 'red'], 'name of the level'),
  direction: literals(['high', 'low'], 'high: active at or above value; low: active at or below value'),
  value: Type.Number({ description: 'set point in the channel unit' }),
  restore: Type.Optional(Type.Number({ description: 'deadband: a high level clears only when the value is below restore, a low level only when it is above; default value (no deadband). "restore <1.0 %" is restore: 1.0' })),
  onDelayMs: Type.Optional(Type.Integer({ minimum: 0, description: 'the condition must hold this long before the level is raised; default 0' })),
  offDelayMs: Type.Optional(Type.Integer({ minimum: 0, description: 'the condition must be gone this long before the level clears; default 0' })),
  latch: Type.Optional(Type.Boolean({ description: 'stays raised after the condition is gone until acknowledged; default false' })),
  source: Type.String({ minLength: 3, description: 'the standard and clause the default comes from, e.g. "GB/T 50493-2019 §5.5.2: O2 deficiency 19.5 %VOL"' }),
}, { additionalProperties: false })

export const ChannelSchema = Type.Object({
  id: Identifier,
  name: Text,
  table: TableSchema,
  address: Address,
  type: DataTypeSchema,
  order: Type.Optional(WordOrderSchema),
  bit: Type.Optional(Type.Integer({ minimum: 0, maximum: 15, description: 'bit index for type bit, 0 = least significant' })),
  length: Type.Optional(Type.Integer({ minimum: 1, maximum: 125, description: 'registers of a string' })),
  unit: Type.Optional(UnitSchema),
  scale: Type.Optional(Type.Number({ description: 'engineering = raw × scale ÷ 10^decimals + offset' })),
  offset: Type.Optional(Type.Number()),
  decimalsFrom: Type.Optional(Type.String({ description: 'id of the channel holding the decimal-point exponent (decimal places)' })),
  range: Type.Optional(Type.Object({ min: Type.Number(), max: Type.Number() }, { additionalProperties: false, description: 'measuring range; a reading outside it has quality out-of-range' })),
  invalid: Type.Optional(Type.Array(InvalidRawSchema, { description: 'raw values that are not readings' })),
  writable: Type.Optional(Type.Boolean({ description: 'the agent may write this point (coil, holding register)' })),
  role: Type.Optional(literals(['measurement', 'status', 'setpoint', 'output', 'feedback', 'config', 'identity', 'counter'], 'what the point is for')),
  feedbackOf: Type.Optional(Type.String({ description: 'for a feedback input: the id of the output it follows' })),
  invertedFeedback: Type.Optional(Type.Boolean({ description: 'the feedback reads the opposite of the output (e.g. 馈电 present while the breaker is closed)' })),
  alarms: Type.Optional(Type.Array(AlarmLevelSchema, { description: 'default alarm levels, each with its source' })),
  simulate: Type.Optional(Type.Object({
    noise: Type.Optional(Type.Number({ minimum: 0, description: 'peak fluctuation in the steady scenario, engineering units' })),
  }, { additionalProperties: false })),
}, { additionalProperties: false })

/** A device condition that sets the quality of measurement channels. */
export const QualityRuleSchema = Type.Object({
  channel: Type.String({ description: 'id of a status channel' }),
  equals: Type.Optional(Type.Union([Type.Number(), Type.Boolean()], { description: 'the value of that channel that sets the quality' })),
  notIn: Type.Optional(Type.Array(Type.Number(), { minItems: 1, description: 'any value outside this list sets the quality (e.g. fault codes the profile does not know)' })),
  quality: QualitySchema,
  applies: Type.Optional(Type.Array(Type.String(), { description: 'channel ids affected; default every measurement channel' })),
  reason: Type.String({ minLength: 1 }),
}, { additionalProperties: false })

export const IdentificationSchema = Type.Object({
  deviceId: Type.Optional(Type.Object({
    vendorName: Type.String({ minLength: 1 }),
    productCode: Type.String({ minLength: 1 }),
    revision: Type.String({ minLength: 1 }),
    vendorUrl: Type.Optional(Type.String()),
    productName: Type.Optional(Type.String()),
    modelName: Type.Optional(Type.String()),
  }, { additionalProperties: false, description: 'answers of Read Device Identification (FC 43 / MEI 14)' })),
  signature: Type.Optional(Type.Object({
    table: TableSchema,
    address: Address,
    values: Type.Array(Type.Integer({ minimum: 0, maximum: 65535 }), { minItems: 1, description: 'registers that identify the model' }),
  }, { additionalProperties: false, description: 'registers that identify a device without FC 43/14' })),
  none: Type.Optional(Type.Literal(true, { description: 'the device has no identity registers and does not answer FC 43/14: the agent cannot check its model (edge-agent check warns) and polls it without identifying it; give reason' })),
  reason: Type.Optional(Type.String({ minLength: 1, description: 'with none: why the device cannot be identified' })),
}, { additionalProperties: false, description: 'how the agent checks the device at a unit id is this model: deviceId, signature, or none with a reason' })

export const VectorSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  registers: Type.Object({
    coil: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Array(Type.Integer({ minimum: 0, maximum: 1 })))),
    discrete: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Array(Type.Integer({ minimum: 0, maximum: 1 })))),
    holding: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Array(Type.Integer({ minimum: 0, maximum: 65535 })))),
    input: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Array(Type.Integer({ minimum: 0, maximum: 65535 })))),
  }, { additionalProperties: false, description: 'register image: start address → consecutive values' }),
  expect: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Boolean(), Type.String()]), { description: 'channel id → engineering value' }),
  quality: Type.Optional(Type.Record(Type.String(), QualitySchema, { description: 'channel id → expected quality when not good' })),
}, { additionalProperties: false })

export const ProfileSchema = Type.Object({
  $schema: Type.Optional(Type.String()),
  id: Identifier,
  version: Type.String({ pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$', description: 'semantic version of this profile' }),
  vendor: Type.String({ minLength: 1 }),
  model: Type.String({ minLength: 1 }),
  name: Text,
  kind: Type.String({ minLength: 1, description: 'what the device is, e.g. catalytic-methane-sensor' }),
  systems: Type.Array(SystemSchema, { minItems: 1, description: 'regulatory systems the device serves' }),
  transports: Type.Array(literals(['rtu', 'tcp'], 'transport'), { minItems: 1 }),
  serial: Type.Optional(Type.Object({
    baud: Type.Integer(),
    parity: literals(['none', 'even', 'odd'], 'parity'),
    dataBits: Type.Optional(Type.Integer({ minimum: 7, maximum: 8 })),
    stopBits: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 })),
  }, { additionalProperties: false, description: 'factory serial settings' })),
  identification: IdentificationSchema,
  planning: Type.Optional(Type.Object({
    maxRegisterGap: Type.Optional(Type.Integer({ minimum: 0, maximum: 124 })),
    maxBitGap: Type.Optional(Type.Integer({ minimum: 0, maximum: 1999 })),
    maxRegisters: Type.Optional(Type.Integer({ minimum: 1, maximum: 125, description: 'some devices answer fewer than 125 registers a request' })),
    unreadable: Type.Optional(Type.Array(Type.Object({ table: TableSchema, from: Address, to: Address }, { additionalProperties: false }), { description: 'ranges the device refuses; never read, not even as filler' })),
  }, { additionalProperties: false })),
  calibration: Type.Optional(Type.Object({
    intervalDays: Type.Integer({ minimum: 1 }),
    source: Type.String({ minLength: 3 }),
  }, { additionalProperties: false, description: 'default calibration interval' })),
  warmUpSeconds: Type.Optional(Type.Integer({ minimum: 0, description: 'time after power-up before readings are valid' })),
  channels: Type.Array(ChannelSchema, { minItems: 1 }),
  quality: Type.Optional(Type.Array(QualityRuleSchema)),
  vectors: Type.Array(VectorSchema, { minItems: 1, description: 'register image in → engineering values out; the first one is what the simulator serves when static' }),
}, { additionalProperties: false })

export type Profile = Static<typeof ProfileSchema>
export type Channel = Static<typeof ChannelSchema>
export type AlarmLevel = Static<typeof AlarmLevelSchema>
export type QualityRule = Static<typeof QualityRuleSchema>
export type Unit = (typeof UNITS)[number]
