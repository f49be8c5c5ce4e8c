import type { ErrorObject } from 'ajv'
import Type, { type Static } from 'typebox'
import { SignedRunSchema } from '../../../protocols/commissioning/index.ts'
import { namedArgsChecker } from '../../../protocols/validation/ajv.ts'

/**
 * Commands only the gateway's own control socket accepts (never `cmd/…` over MQTT): a commissioning
 * run is done on site, by someone at the gateway, so the fleet cannot declare a test or feed a record.
 */

const Name = Type.String({ minLength: 1, maxLength: 128 })
const By = Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'the control socket adds the OS user of the caller' }))

export const MAX_TEST_MODE_MINUTES = 240

export const TestModeArgsSchema = Type.Object({
  devices: Type.Array(Name, { minItems: 1, maxItems: 64, uniqueItems: true }),
  minutes: Type.Integer({ minimum: 1, maximum: MAX_TEST_MODE_MINUTES, description: 'the test mode ends by itself after this' }),
  by: By,
}, { additionalProperties: false, description: 'declare a test of these devices: their alarms and the trips of the interlocks they feed are test events' })

export const EndTestModeArgsSchema = Type.Object({
  reason: Type.Optional(Type.String({ maxLength: 500 })),
  by: By,
}, { additionalProperties: false, description: 'end the declared test mode' })

export const TestFeedArgsSchema = Type.Object({
  after: Type.Integer({ minimum: 0, description: 'the cursor of the previous answer (0 at first)' }),
  by: By,
}, { additionalProperties: false, description: 'the readings and the alarm and interlock events of the devices under test since `after`' })

export const RecordRunArgsSchema = Type.Object({
  signed: SignedRunSchema,
  by: By,
}, { additionalProperties: false, description: 'a signed run: kept at the gateway and sent to the server through the outbox' })

export const LOCAL_COMMAND_ARGS_SCHEMAS = {
  'test-mode': TestModeArgsSchema,
  'end-test-mode': EndTestModeArgsSchema,
  'test-feed': TestFeedArgsSchema,
  'record-run': RecordRunArgsSchema,
} as const

export type LocalCommandName = keyof typeof LOCAL_COMMAND_ARGS_SCHEMAS
export type TestModeArgs = Static<typeof TestModeArgsSchema>
export type EndTestModeArgs = Static<typeof EndTestModeArgsSchema>
export type TestFeedArgs = Static<typeof TestFeedArgsSchema>
export type RecordRunArgs = Static<typeof RecordRunArgsSchema>

export const isLocalCommandName = (name: string): name is LocalCommandName => Object.hasOwn(LOCAL_COMMAND_ARGS_SCHEMAS, name)
export const LOCAL_COMMAND_NAMES = Object.keys(LOCAL_COMMAND_ARGS_SCHEMAS) as readonly LocalCommandName[]

export const localCommandArgsErrors: (name: LocalCommandName, args: unknown) => readonly ErrorObject[] | undefined = namedArgsChecker(LOCAL_COMMAND_ARGS_SCHEMAS)
