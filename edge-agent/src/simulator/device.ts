import {
  ILLEGAL_DATA_ADDRESS, ModbusExceptionError, RegisterImage, SERVER_DEVICE_FAILURE,
  type DeviceIdentity, type ModbusTarget, type ServerIdAnswer, type Table,
} from '../../../protocols/modbus/index.ts'
import {
  compileProfile, decodeImage, encodeChannel, encodeRaw, roleOf,
  type CompiledProfile, type Profile,
} from '../../../hardware-profiles/index.ts'
import { GasControlError, GasTestHead, type GasChannelState, type GasTestOptions } from './gas-test.ts'
import { leakPeak, leakValue, mulberry32, steadyValue, type ScenarioName } from './scenarios.ts'

export interface SimulatedDeviceOptions {
  profile: Profile
  unit: number
  scenario: ScenarioName
  /** Leak cycle length. */
  periodMs?: number
  /** How long a relay's feedback input takes to follow its output. */
  feedbackDelayMs?: number
  warmUpMs?: number
  /** The gas-test scenario's response time and noise. */
  gas?: GasTestOptions
  clock?: () => number
}

interface Animated {
  id: string
  base: number
  noise: number
  peak: number | undefined
  phase: number
}

interface PendingFeedback {
  dueMs: number
  channel: string
  value: boolean
}

const REFRESH_MS = 50

/** One Modbus device answering from its profile's register map, driven by a scenario. */
export class SimulatedDevice implements ModbusTarget {
  readonly unit: number
  readonly scenario: ScenarioName
  readonly compiled: CompiledProfile
  readonly image: RegisterImage
  private readonly vectorImage: RegisterImage
  private readonly bounds = new Map<Table, readonly [number, number]>()
  private readonly animated: Animated[] = []
  private readonly pending: PendingFeedback[] = []
  private readonly clock: () => number
  private readonly startMs: number
  private readonly periodMs: number
  private readonly feedbackDelayMs: number
  private readonly warmUpMs: number
  private readonly gasHead: GasTestHead | undefined
  private failsEveryRead = false
  private lastRefreshMs = -Infinity

  constructor(options: SimulatedDeviceOptions) {
    this.unit = options.unit
    this.scenario = options.scenario
    this.clock = options.clock ?? Date.now
    this.startMs = this.clock()
    this.periodMs = options.periodMs ?? 120_000
    this.feedbackDelayMs = options.feedbackDelayMs ?? 200
    this.warmUpMs = options.warmUpMs ?? (options.profile.warmUpSeconds ?? 30) * 1000
    this.compiled = compileProfile(options.profile)
    this.vectorImage = RegisterImage.from(options.profile.vectors[0]!.registers)
    this.image = this.vectorImage.clone()
    for (const { channel, point } of this.compiled.channels.values()) {
      const [lo, hi] = this.bounds.get(channel.table) ?? [Infinity, -Infinity]
      this.bounds.set(channel.table, [Math.min(lo, point.address), Math.max(hi, point.address + point.count - 1)])
    }
    const readings = decodeImage(this.compiled, this.image)
    const random = mulberry32(options.unit * 7919 + options.profile.id.length)
    for (const { channel } of this.compiled.channels.values()) {
      const base = readings[channel.id]?.value
      if (roleOf(channel) !== 'measurement' || typeof base !== 'number') continue
      this.animated.push({ id: channel.id, base, noise: channel.simulate?.noise ?? 0, peak: leakPeak(channel, base), phase: random() * 2 * Math.PI })
    }
    this.gasHead = this.scenario === 'gas-test'
      ? new GasTestHead(
        this.animated.map((a) => ({ channel: this.compiled.channels.get(a.id)!.channel, vectorValue: a.base })),
        options.gas ?? {}, random, this.startMs)
      : undefined
    if (this.scenario === 'fault') this.applyFault()
    if (this.scenario === 'flatline') this.animate(this.startMs + 4_321)
  }

  get silent(): boolean {
    return this.scenario === 'offline'
  }

  identity(): DeviceIdentity | undefined {
    return this.compiled.profile.identification.deviceId
  }

  /** FC 17: one id byte (the unit id), running, and `vendor model` as the additional data. */
  reportServerId(): ServerIdAnswer {
    const { vendor, model } = this.compiled.profile
    return { serverId: [this.unit], running: true, additional: Buffer.from(`${vendor} ${model}`, 'latin1') }
  }

  read(table: Table, address: number, count: number): number[] {
    if (this.failsEveryRead) throw new ModbusExceptionError(SERVER_DEVICE_FAILURE, 0)
    this.checkReadable(table, address, count)
    this.refresh()
    const out = new Array<number>(count)
    for (let i = 0; i < count; i++) out[i] = this.image.get(table, address + i) ?? 0
    return out
  }

  write(table: 'coil' | 'holding', address: number, values: readonly number[]): void {
    for (let i = 0; i < values.length; i++) {
      const writable = [...this.compiled.channels.values()].some(({ channel, point }) =>
        channel.table === table && channel.writable === true && address + i >= point.address && address + i < point.address + point.count)
      if (!writable) throw new ModbusExceptionError(ILLEGAL_DATA_ADDRESS, table === 'coil' ? 5 : 6, `${table} ${address + i} is not writable`)
    }
    // the answer is the normal echo: only reading the outputs or their feedback shows nothing happened
    if (this.scenario === 'stuck') return
    this.refresh()
    this.image.write(table, address, values)
    if (table === 'coil') this.scheduleFeedback(address, values)
  }

  /** Bring scenario values and due feedback up to the clock; cheap enough to call on every request. */
  refresh(): void {
    const now = this.clock()
    while (this.pending.length > 0 && this.pending[0]!.dueMs <= now) {
      const { channel, value } = this.pending.shift()!
      encodeChannel(this.compiled, channel, value, this.image)
    }
    if (now - this.lastRefreshMs < REFRESH_MS) return
    this.lastRefreshMs = now
    if (this.scenario === 'steady' || this.scenario === 'leak' || this.scenario === 'warm-up') this.animate(now)
    if (this.gasHead) for (const [id, value] of this.gasHead.readings(now)) this.encodeMeasurement(id, value)
  }

  /** Test gas of `value` (the channel's unit) at the head of a gas-test device, from now on. */
  applyGas(channelId: string, value: number): void {
    this.gasTest().apply(channelId, value, this.clock())
    this.lastRefreshMs = -Infinity // the next read already follows the new gas
  }

  /** The test gas taken away: every channel returns to clean air. */
  removeGas(): void {
    this.gasTest().remove(this.clock())
    this.lastRefreshMs = -Infinity
  }

  /** Per gas channel: clean air, where the reading is heading, and what a master reads now. */
  gasState(): GasChannelState[] {
    const head = this.gasTest()
    this.refresh()
    const readings = decodeImage(this.compiled, this.image)
    return head.state((id) => readings[id]?.value as number)
  }

  private gasTest(): GasTestHead {
    if (!this.gasHead) throw new GasControlError('SIMULATOR_NOT_GAS_TEST', `unit ${this.unit} runs the ${this.scenario} scenario, not gas-test`)
    return this.gasHead
  }

  private animate(now: number): void {
    const t = now - this.startMs
    for (const a of this.animated) {
      let value = steadyValue(a.base, a.noise, t, a.phase)
      if (this.scenario === 'leak' && a.peak !== undefined) value = leakValue(a.base, a.peak, t, this.periodMs)
      this.encodeMeasurement(a.id, value)
    }
    if (this.scenario === 'warm-up') this.applyQualityCondition('warming-up', t < this.warmUpMs)
  }

  private encodeMeasurement(id: string, value: number): void {
    const channel = this.compiled.channels.get(id)!.channel
    const clamped = channel.range ? Math.min(channel.range.max, Math.max(channel.range.min, value)) : value
    encodeChannel(this.compiled, id, clamped, this.image)
  }

  private applyFault(): void {
    if (!this.applyQualityCondition('device-fault', true)) this.failsEveryRead = true
  }

  /** Put the device into (or out of) a declared quality condition; false when the profile declares none. */
  private applyQualityCondition(quality: 'device-fault' | 'warming-up', active: boolean): boolean {
    const { profile } = this.compiled
    let applied = false
    for (const rule of profile.quality ?? []) {
      if (rule.quality !== quality) continue
      const status = this.compiled.channels.get(rule.channel)
      if (!status) continue
      if (active) encodeChannel(this.compiled, rule.channel, rule.equals ?? Math.max(...rule.notIn!) + 1, this.image)
      else this.restoreFromVector(rule.channel)
      applied = true
    }
    if (applied) return true
    for (const { channel } of this.compiled.channels.values()) {
      const sentinel = channel.invalid?.find((rule) => rule.quality === quality)
      if (!sentinel || roleOf(channel) !== 'measurement') continue
      if (active) encodeRaw(this.compiled, channel.id, sentinel.raw ?? sentinel.rawMin ?? 0, this.image)
      applied = true
    }
    return applied
  }

  private restoreFromVector(channelId: string): void {
    const { channel, point } = this.compiled.channels.get(channelId)!
    const original = this.vectorImage.read(channel.table, point.address, point.count)
    if (original) this.image.write(channel.table, point.address, original)
  }

  private scheduleFeedback(address: number, values: readonly number[]): void {
    for (const { channel } of this.compiled.channels.values()) {
      if (!channel.feedbackOf) continue
      const output = this.compiled.channels.get(channel.feedbackOf)
      if (!output || output.channel.table !== 'coil') continue
      const index = output.point.address - address
      if (index < 0 || index >= values.length) continue
      const on = values[index] === 1
      this.pending.push({ dueMs: this.clock() + this.feedbackDelayMs, channel: channel.id, value: channel.invertedFeedback ? !on : on })
    }
    this.pending.sort((a, b) => a.dueMs - b.dueMs)
  }

  private checkReadable(table: Table, address: number, count: number): void {
    const bounds = this.bounds.get(table)
    const last = address + count - 1
    const unreadable = this.compiled.profile.planning?.unreadable?.some((r) => r.table === table && r.from <= last && r.to >= address)
    if (!bounds || address < bounds[0] || last > bounds[1] || unreadable) {
      throw new ModbusExceptionError(ILLEGAL_DATA_ADDRESS, 0, `${table} ${address}..${last}`)
    }
  }
}
