import type { Channel } from '../../../hardware-profiles/index.ts'
import { ProductError } from '../../../protocols/errors.ts'
import { DEFAULT_GAS_T90_MS, GasResponse, clampToRange, cleanAirValue, withNoise } from './gas-response.ts'

export type GasControlErrorCode =
  | 'SIMULATOR_UNKNOWN_UNIT' // no simulated device has that unit id
  | 'SIMULATOR_NOT_GAS_TEST' // the unit runs another scenario: nothing to apply gas to
  | 'SIMULATOR_UNKNOWN_CHANNEL' // the device has no measurement channel of that id
  | 'SIMULATOR_BAD_GAS' // the concentration is not a finite number
  | 'SIMULATOR_BAD_REQUEST' // a control line that is not a valid request

export class GasControlError extends ProductError {
  override readonly name = 'GasControlError'
  constructor(readonly code: GasControlErrorCode, message: string) {
    super(message)
  }
}

export interface GasTestOptions {
  /** Time to 90 % of a step, for every gas channel (default 20 s). */
  t90Ms?: number
  /** Noise amplitude in each channel's own unit, for every channel (default: each channel's simulate.noise). */
  noise?: number
}

/** One channel of a gas-test device as the control reports it. */
export interface GasChannelState {
  channel: string
  /** The channel's unit of measure (%CH4, %VOL), as its profile declares it. */
  engineeringUnit: string | undefined
  cleanAir: number
  /** Where the reading is heading: the applied gas, or clean air. */
  target: number
  /** What a master reads now. */
  value: number
}

interface GasChannel {
  channel: Channel
  cleanAir: number
  noise: number
  response: GasResponse
}

/**
 * The sensing head of a device under test gas: each measurement channel reads clean air until gas is
 * applied to it, follows the first-order response toward the gas, and back to clean air once removed.
 */
export class GasTestHead {
  private readonly channels = new Map<string, GasChannel>()

  constructor(measurements: ReadonlyArray<{ channel: Channel; vectorValue: number }>, options: GasTestOptions, private readonly random: () => number, nowMs: number) {
    const t90Ms = options.t90Ms ?? DEFAULT_GAS_T90_MS
    for (const { channel, vectorValue } of measurements) {
      const cleanAir = cleanAirValue(channel, vectorValue)
      const noise = options.noise ?? channel.simulate?.noise ?? 0
      this.channels.set(channel.id, { channel, cleanAir, noise, response: new GasResponse(cleanAir, t90Ms, nowMs) })
    }
  }

  apply(channelId: string, value: number, nowMs: number): void {
    const gas = this.channels.get(channelId)
    if (!gas) {
      throw new GasControlError('SIMULATOR_UNKNOWN_CHANNEL', `no gas channel "${channelId}"; this device measures ${[...this.channels.keys()].join(', ') || 'nothing'}`)
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new GasControlError('SIMULATOR_BAD_GAS', `the gas on ${channelId} must be a finite number in ${gas.channel.unit ?? 'its unit'}, got ${String(value)}`)
    }
    gas.response.retarget(value, nowMs)
  }

  /** Take the gas away from every channel: each returns to clean air. */
  remove(nowMs: number): void {
    for (const gas of this.channels.values()) gas.response.retarget(gas.cleanAir, nowMs)
  }

  /** The reading of every channel now: the response, noise, and the measuring range's limits. */
  readings(nowMs: number): Map<string, number> {
    const out = new Map<string, number>()
    for (const [id, gas] of this.channels) out.set(id, clampToRange(gas.channel, withNoise(gas.response.valueAt(nowMs), gas.noise, this.random)))
    return out
  }

  /** Each channel's clean air and target; `valueOf` says what a master reads for it. */
  state(valueOf: (channelId: string) => number): GasChannelState[] {
    return [...this.channels.values()].map(({ channel, cleanAir, response }) => ({
      channel: channel.id, engineeringUnit: channel.unit, cleanAir, target: response.target, value: valueOf(channel.id),
    }))
  }
}
