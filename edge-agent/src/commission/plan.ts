import { readFileSync } from 'node:fs'
import Type, { type Static } from 'typebox'
import { TestGasSchema } from '../../../protocols/commissioning/index.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'
import { InvalidInputError, isCalendarDay, YamlSource, type Problem } from '../../../protocols/validation/index.ts'
import type { ResolvedConfig } from '../config/index.ts'

/**
 * A commissioning plan (YAML): who tests, which devices, with which gas. `edge-agent commission
 * --plan FILE --yes` runs it without questions; interactively, what the plan leaves out is asked.
 */

const Name = Type.String({ minLength: 1, maxLength: 128 })
const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' })

export const PlanGasSchema = Type.Object({
  ...TestGasSchema.properties,
  test: Type.Optional(Type.Enum(['bump', 'span'], { description: 'bump: every alarm level below the gas triggers; span (default): also the reading within errorTolerance of the gas' })),
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'default: the device\'s first channel with alarm levels' })),
  t90LimitS: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'default 30 s (a fixed detector alarms within 30 s of standard gas, GB 50166-style acceptance)' })),
  recoveryLimitS: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'default 60 s after the gas is removed' })),
  errorTolerance: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'span: largest error of the plateau as a fraction of the gas (default 0.1)' })),
  maxExposureS: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1800, description: 'the gas stays on at most this long waiting for a plateau (default 180 s)' })),
}, { additionalProperties: false })

export const PlanDeviceSchema = Type.Object({
  device: Name,
  zero: Type.Optional(Type.Object({
    tolerance: Type.Optional(Type.Number({ minimum: 0, description: 'largest mean reading in clean air (default 2.5 % of the measuring range)' })),
    seconds: Type.Optional(Type.Number({ minimum: 1, maximum: 600, description: 'how long clean air is read (default 10)' })),
  }, { additionalProperties: false })),
  gas: Type.Optional(PlanGasSchema),
  interlocks: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Object({
    bypass: Type.String({ minLength: 3, maxLength: 500, description: 'the real trip would stop what must not stop (e.g. the local fan): declare a bypass with this reason instead' }),
  }, { additionalProperties: false }))),
  calibratedOn: Type.Optional(Day),
}, { additionalProperties: false })

export const PlanSchema = Type.Object({
  purpose: Type.Optional(Type.Enum(['commissioning', 'periodic'], { description: 'default commissioning' })),
  technician: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 128 }),
    company: Type.Optional(Type.String({ maxLength: 128 })),
    certificate: Type.Optional(Type.String({ maxLength: 64 })),
  }, { additionalProperties: false }),
  testModeMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 240, description: 'the declared test mode ends by itself after this (default 60)' })),
  devices: Type.Array(PlanDeviceSchema, { minItems: 1, maxItems: 64 }),
}, { additionalProperties: false })

export type Plan = Static<typeof PlanSchema>
export type PlanDevice = Static<typeof PlanDeviceSchema>
export type PlanGas = Static<typeof PlanGasSchema>

const validPlan = createValidator<Plan>(PlanSchema)

/** A plan's text, checked against the schema and the config: every problem located (file, line, column, key path). */
export function parsePlan(file: string, text: string, config: ResolvedConfig): Plan {
  const source = new YamlSource(file, text)
  if (source.syntaxProblems.length > 0) throw new InvalidInputError('PLAN_INVALID', source.syntaxProblems)
  if (!validPlan(source.value)) throw new InvalidInputError('PLAN_INVALID', source.schemaProblems(validPlan.errors))
  const plan = source.value
  const problems: Problem[] = []
  const devices = new Map(config.devices.map((d) => [d.id, d]))
  const seen = new Set<string>()
  plan.devices.forEach((entry, i) => {
    const device = devices.get(entry.device)
    if (!device) problems.push(source.problemAt(['devices', i, 'device'], `device "${entry.device}" is not in the config (${[...devices.keys()].join(', ')})`))
    if (seen.has(entry.device)) problems.push(source.problemAt(['devices', i, 'device'], `device "${entry.device}" is planned twice`))
    seen.add(entry.device)
    const channel = entry.gas?.channel
    if (device && channel !== undefined && !device.loadedProfile.channels.some((c) => c.id === channel)) {
      problems.push(source.problemAt(['devices', i, 'gas', 'channel'], `${device.loadedProfile.id} has no channel "${channel}"`))
    }
    for (const interlock of Object.keys(entry.interlocks ?? {})) {
      const spec = config.interlocks?.find((s) => s.id === interlock)
      if (!spec) problems.push(source.problemAt(['devices', i, 'interlocks', interlock], `interlock "${interlock}" is not in the config`, true))
      // the run records a step (and so the bypass) only for the interlocks the device feeds
      else if (!spec.when.some((c) => c.device === entry.device)) {
        problems.push(source.problemAt(['devices', i, 'interlocks', interlock], `${entry.device} does not feed interlock "${interlock}": only an interlock the device trips can be bypassed for its test`, true))
      }
    }
    if (entry.calibratedOn !== undefined && !isCalendarDay(entry.calibratedOn)) problems.push(source.problemAt(['devices', i, 'calibratedOn'], `${entry.calibratedOn} is not a calendar day`))
    if (entry.gas && !isCalendarDay(entry.gas.expiresOn)) problems.push(source.problemAt(['devices', i, 'gas', 'expiresOn'], `${entry.gas.expiresOn} is not a calendar day`))
  })
  if (problems.length > 0) throw new InvalidInputError('PLAN_INVALID', problems)
  return plan
}

export function loadPlan(file: string, config: ResolvedConfig): Plan {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new InvalidInputError('PLAN_INVALID', [{ file, line: 1, column: 1, path: '', message: `cannot read the plan: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }])
  }
  return parsePlan(file, text, config)
}
