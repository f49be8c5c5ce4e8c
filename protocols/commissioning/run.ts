import Type, { type Static } from 'typebox'
import { ID_PATTERN } from '../ids.ts'

/**
 * A commissioning run (or a periodic test run) as the gateway measured it: per device the steps its
 * profile and role call for, with the readings that prove each result. The gateway signs its
 * canonical form (signing.ts); the server verifies it and keeps it as the evidence behind
 * `installedOn`. Declared once for both sides.
 */

export const RUN_VERSION = 1

const Ts = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000, description: 'epoch milliseconds UTC' })
const Name = Type.String({ minLength: 1, maxLength: 128 })
const Text = Type.String({ maxLength: 500 })
const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' })
const Id = Type.String({ pattern: ID_PATTERN })
const Seconds = Type.Number({ minimum: 0, description: 'seconds' })

export const STEP_RESULTS = ['passed', 'failed', 'bypassed'] as const
export type StepResult = (typeof STEP_RESULTS)[number]
const Result = Type.Enum(['passed', 'failed'])

/** The readings of one channel during a step: [ms after t0, value]; null where the reading was not good. */
export const SeriesSchema = Type.Object({
  t0: Ts,
  points: Type.Array(Type.Tuple([Type.Integer({ minimum: 0 }), Type.Union([Type.Number(), Type.Null()])]), { maxItems: 4000 }),
}, { additionalProperties: false })

export const IdentityStepSchema = Type.Object({
  kind: Type.Literal('identity'),
  result: Result,
  expected: Type.Object({ vendor: Name, model: Name }, { additionalProperties: false }),
  read: Type.Record(Type.String({ maxLength: 32 }), Type.String({ maxLength: 250 }), { description: 'the identity the device answered (FC 43/14 objects or signature registers)' }),
  reason: Type.Optional(Text),
}, { additionalProperties: false, description: 'communication and identity: the model as read, compared with the profile' })

export const ZeroStepSchema = Type.Object({
  kind: Type.Literal('zero'),
  result: Result,
  channel: Name,
  unit: Type.String({ maxLength: 16 }),
  tolerance: Type.Number({ minimum: 0 }),
  mean: Type.Union([Type.Number(), Type.Null()]),
  readings: SeriesSchema,
  reason: Type.Optional(Text),
}, { additionalProperties: false, description: 'the reading in clean air, within a tolerance of zero' })

export const TestGasSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, description: 'e.g. CH4 in air' }),
  concentration: Type.Number({ exclusiveMinimum: 0 }),
  unit: Type.String({ maxLength: 16 }),
  lot: Type.String({ minLength: 1, maxLength: 64, description: 'the cylinder lot' }),
  expiresOn: Day,
}, { additionalProperties: false })

export const LevelCheckSchema = Type.Object({
  level: Name,
  direction: Type.Enum(['high', 'low']),
  setPoint: Type.Number(),
  result: Result,
  raisedAt: Type.Optional(Ts),
  value: Type.Optional(Type.Number({ description: 'the reading that raised it' })),
  clearedAt: Type.Optional(Ts),
  reason: Type.Optional(Text),
}, { additionalProperties: false, description: 'an alarm level below the test gas: seen raised at its set point' })

export const GasStepSchema = Type.Object({
  kind: Type.Literal('gas'),
  test: Type.Enum(['bump', 'span'], { description: 'bump: every level triggers; span: also the plateau within the tolerance of the gas' }),
  result: Result,
  channel: Name,
  unit: Type.String({ maxLength: 16 }),
  gas: TestGasSchema,
  appliedAt: Ts,
  removedAt: Type.Optional(Ts),
  baseline: Type.Union([Type.Number(), Type.Null()]),
  plateau: Type.Union([Type.Number(), Type.Null()]),
  error: Type.Union([Type.Number(), Type.Null()], { description: 'the plateau\'s error against the gas, as a fraction of the gas concentration' }),
  errorTolerance: Type.Number({ minimum: 0 }),
  t90S: Type.Union([Seconds, Type.Null()], { description: 'from the gas applied to 90 % of the way from baseline to plateau' }),
  t90LimitS: Seconds,
  recoveryS: Type.Union([Seconds, Type.Null()], { description: 'from the gas removed until every level cleared' }),
  recoveryLimitS: Seconds,
  levels: Type.Array(LevelCheckSchema, { maxItems: 16 }),
  readings: SeriesSchema,
  reasons: Type.Array(Text, { maxItems: 16, description: 'why it failed' }),
}, { additionalProperties: false, description: 'test gas: T90, plateau error, every alarm level below the gas raised, recovery' })

export const InterlockStepSchema = Type.Object({
  kind: Type.Literal('interlock'),
  result: Type.Enum([...STEP_RESULTS] as [StepResult, ...StepResult[]]),
  interlock: Name,
  output: Type.Object({ device: Name, channel: Name }, { additionalProperties: false }),
  feedback: Type.Object({ device: Name, channel: Name }, { additionalProperties: false }),
  feedbackMs: Type.Integer({ minimum: 0 }),
  trippedAt: Type.Optional(Ts),
  actuatedAt: Type.Optional(Ts),
  confirmedAt: Type.Optional(Ts),
  restoredAt: Type.Optional(Ts),
  bypass: Type.Optional(Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500 }), by: Name }, { additionalProperties: false, description: 'the trip would stop what must not stop: declared instead of tripped' })),
  reason: Type.Optional(Text),
}, { additionalProperties: false, description: 'an interlock the device feeds: tripped, output written, feedback confirmed within feedbackMs, restored' })

export const CalibrationStepSchema = Type.Object({
  kind: Type.Literal('calibration'),
  result: Result,
  calibratedOn: Type.Optional(Day),
  entered: Type.Boolean({ description: 'true: entered during the run; false: the configured date confirmed' }),
  reason: Type.Optional(Text),
}, { additionalProperties: false })

export const StepSchema = Type.Union([IdentityStepSchema, ZeroStepSchema, GasStepSchema, InterlockStepSchema, CalibrationStepSchema])

export const DeviceRunSchema = Type.Object({
  device: Name,
  system: Type.Optional(Name),
  profile: Name,
  kind: Type.Optional(Type.String({ maxLength: 64, description: 'the profile\'s device kind, e.g. catalytic-methane-sensor' })),
  bus: Name,
  unit: Type.Integer({ minimum: 0, maximum: 255 }),
  location: Type.Optional(Type.String({ maxLength: 250 })),
  result: Result,
  steps: Type.Array(StepSchema, { minItems: 1, maxItems: 64 }),
}, { additionalProperties: false })

export const RunSchema = Type.Object({
  v: Type.Literal(RUN_VERSION),
  id: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$', description: 'unique per gateway: {gateway}:{startedAt}' }),
  purpose: Type.Enum(['commissioning', 'periodic'], { description: 'acceptance at installation, or a recurring test' }),
  site: Id,
  gateway: Id,
  agentVersion: Name,
  configHash: Name,
  technician: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 128 }),
    company: Type.Optional(Type.String({ maxLength: 128 })),
    certificate: Type.Optional(Type.String({ maxLength: 64, description: 'the technician\'s qualification number' })),
  }, { additionalProperties: false }),
  startedAt: Ts,
  endedAt: Ts,
  result: Result,
  devices: Type.Array(DeviceRunSchema, { minItems: 1, maxItems: 64 }),
}, { additionalProperties: false, description: 'one commissioning or periodic test run of one gateway' })

export type Series = Static<typeof SeriesSchema>
export type IdentityStep = Static<typeof IdentityStepSchema>
export type ZeroStep = Static<typeof ZeroStepSchema>
export type TestGas = Static<typeof TestGasSchema>
export type LevelCheck = Static<typeof LevelCheckSchema>
export type GasStep = Static<typeof GasStepSchema>
export type InterlockStep = Static<typeof InterlockStepSchema>
export type CalibrationStep = Static<typeof CalibrationStepSchema>
export type Step = Static<typeof StepSchema>
export type DeviceRun = Static<typeof DeviceRunSchema>
export type Run = Static<typeof RunSchema>

/** A run as sent: the run, the SHA-256 of its canonical form, and the gateway's Ed25519 signature of that form. */
export const SignedRunSchema = Type.Object({
  run: Type.Unknown({ description: 'a Run; checked by the receiver after the signature (a tampered run is refused as such, not as malformed)' }),
  hash: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }),
  signature: Type.String({ pattern: '^[A-Za-z0-9+/]{86}==$', description: 'Ed25519 over the canonical JSON (RFC 8785) of run, base64' }),
  keyId: Type.String({ pattern: '^[0-9a-f]{16}$', description: 'the first 16 hex digits of the SHA-256 of the public key (SPKI DER)' }),
}, { additionalProperties: false })
export type SignedRun = Static<typeof SignedRunSchema>
