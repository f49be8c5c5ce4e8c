import type { ErrorObject } from 'ajv'
import Type, { type Static } from 'typebox'
import { ProductError } from '../../../protocols/errors.ts'
import { createValidator } from '../../../protocols/validation/ajv.ts'
import type { SimulatedDevice } from './device.ts'
import { GasControlError, type GasChannelState } from './gas-test.ts'

/**
 * The simulator's gas control: what a test or the demo does to the gas-test devices while they run,
 * in process (a Simulator's methods) or as newline-delimited JSON over loopback TCP (control-server.ts),
 * one reply line per request line.
 */
export interface GasControl {
  /** Test gas of `value` (in the channel's unit) on `channel` of `unit`; the channels' state after. */
  applyGas(unit: number, channel: string, value: number): GasChannelState[]
  /** The gas taken away from every channel of `unit`. */
  removeGas(unit: number): GasChannelState[]
  gasState(unit: number): GasChannelState[]
}

export function gasControlOf(devices: ReadonlyMap<number, SimulatedDevice>): GasControl {
  const device = (unit: number): SimulatedDevice => {
    const found = devices.get(unit)
    if (!found) throw new GasControlError('SIMULATOR_UNKNOWN_UNIT', `no simulated unit ${unit}; units ${[...devices.keys()].join(', ')}`)
    return found
  }
  return {
    applyGas: (unit, channel, value) => {
      const target = device(unit)
      target.applyGas(channel, value)
      return target.gasState()
    },
    removeGas: (unit) => {
      const target = device(unit)
      target.removeGas()
      return target.gasState()
    },
    gasState: (unit) => device(unit).gasState(),
  }
}

const GasControlRequestSchema = Type.Object({
  unit: Type.Integer({ minimum: 1, maximum: 247, description: 'the simulated unit id' }),
  apply: Type.Optional(Type.Object({
    channel: Type.String({ minLength: 1, maxLength: 64, description: 'a measurement channel of the unit\'s profile' }),
    value: Type.Number({ description: 'the test gas, in the channel\'s unit' }),
  }, { additionalProperties: false })),
  remove: Type.Optional(Type.Literal(true, { description: 'take the gas away from every channel of the unit' })),
  state: Type.Optional(Type.Literal(true, { description: 'report each channel\'s target and reading' })),
}, { additionalProperties: false, description: 'one line to the simulator\'s control: exactly one of apply, remove, state' })

type GasControlRequest = Static<typeof GasControlRequestSchema>

export type GasControlReply =
  | { ok: true; unit: number; channels: GasChannelState[] }
  | { ok: false; code: string; message: string }

const validateRequest = createValidator<GasControlRequest>(GasControlRequestSchema)
const ACTIONS = ['apply', 'remove', 'state'] as const

function describeError(error: ErrorObject | undefined): string {
  if (!error) return 'invalid request'
  const where = error.instancePath === '' ? 'request' : `request${error.instancePath.replaceAll('/', '.')}`
  if (error.keyword === 'additionalProperties') return `${where}: unknown key "${String(error.params.additionalProperty)}"`
  if (error.keyword === 'required') return `${where}: missing key "${String(error.params.missingProperty)}"`
  if (error.keyword === 'const') return `${where}: must be ${JSON.stringify(error.params.allowedValue)}`
  return `${where}: ${error.message ?? 'invalid'}`
}

const refuse = (code: string, message: string): GasControlReply => ({ ok: false, code, message })

/** One request line (without its newline) → its reply; a bad line is refused with a message, never thrown. */
export function answerControlLine(line: string, control: GasControl): GasControlReply {
  let body: unknown
  try {
    body = JSON.parse(line)
  } catch {
    return refuse('SIMULATOR_BAD_REQUEST', 'not JSON: send one object per line, e.g. {"unit":1,"apply":{"channel":"ch4","value":2.0}}')
  }
  if (!validateRequest(body)) return refuse('SIMULATOR_BAD_REQUEST', describeError(validateRequest.errors?.[0]))
  const actions = ACTIONS.filter((action) => body[action] !== undefined)
  if (actions.length !== 1) {
    return refuse('SIMULATOR_BAD_REQUEST', `give exactly one of apply, remove, state${actions.length > 1 ? `, not ${actions.join(' and ')}` : ''}`)
  }
  try {
    const channels = body.apply
      ? control.applyGas(body.unit, body.apply.channel, body.apply.value)
      : body.remove ? control.removeGas(body.unit) : control.gasState(body.unit)
    return { ok: true, unit: body.unit, channels }
  } catch (error) {
    if (error instanceof ProductError) return refuse(error.code, error.message)
    throw error
  }
}
