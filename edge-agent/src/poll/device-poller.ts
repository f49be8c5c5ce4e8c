import {
  BlockImage, learnIllegalAddress, ModbusError, ModbusExceptionError, planReads, NOTHING_LEARNED,
  ILLEGAL_DATA_ADDRESS, ILLEGAL_FUNCTION,
  type DeviceIdentity, type PlanLearned, type ReadBlock, type ReadPlan, type SerialFraming,
} from '../../../protocols/modbus/index.ts'
import type { Quality } from '../../../protocols/quality.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { compileProfile, decodeChannels, DecodedChannels, framingMismatch, type CompiledProfile, type Profile } from '../../../hardware-profiles/index.ts'
import type { ModbusReply, ModbusRequest } from '../modbus/master.ts'
import { neverAnsweredReason, type PollOutcome } from './device-health.ts'

export type Transact = (request: ModbusRequest) => Promise<ModbusReply>

export interface PollResult {
  samples: Sample[]
  outcome: PollOutcome
  reason: string | undefined
  transactions: number
}

export interface IdentityResult {
  /** what the device said, when it supports FC 43/14 */
  identity?: DeviceIdentity
  /** the device at this unit id is not the model the config names */
  mismatch?: string
  /** identification could not be done now (no answer, device busy or failing); try again later */
  retry?: boolean
  /** it did not answer at all (rather than answering with an exception) */
  noAnswer?: boolean
  reason?: string
}

/** A timeout, a line problem or a corrupt answer: worth a retry, and a sign the device may be gone. */
const isNoAnswer = (error: unknown) =>
  error instanceof ModbusError && (error.code === 'MODBUS_TIMEOUT' || error.code === 'MODBUS_TRANSPORT' || error.code === 'MODBUS_BAD_FRAME')

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

interface ReadSet {
  of: readonly string[]
  /** the points (channel ids) to read */
  keys: Set<string>
  /** the channels asked for */
  channels: Set<string>
}

/** The line a device is on, for what its comm-fail reasons say: the bus id, and its framing on a serial line. */
export interface DeviceLine {
  bus: string
  framing?: Required<SerialFraming>
}

/** Polls one device: its compiled read plan, what it taught us (exception 02 splits), its identity check. */
export class DevicePoller {
  readonly id: string
  readonly unit: number
  readonly compiled: CompiledProfile
  identity: DeviceIdentity | undefined
  /** done, or nothing to do: a profile with identification none is polled without it */
  identityChecked: boolean
  identityMismatch: string | undefined
  /** the device has answered something (a reply or an exception) since start */
  private answered = false
  /** what a comm-fail says while it never has: the bus's and the profile's factory serial settings, when they differ */
  private readonly settingsHint: { bus: string; busFraming: string; factory: string } | undefined
  private learned: PlanLearned = NOTHING_LEARNED
  private currentPlan: ReadPlan
  /** reused by every poll: decoding and building the samples run without a pause in between */
  private readonly decoded: DecodedChannels
  /** the read set of the last `only` list: the armed channels change seldom, their reads come every few tens of ms */
  private lastReadSet: ReadSet | undefined

  constructor(id: string, unit: number, profile: Profile, private readonly retries: number, private readonly clock: () => number = Date.now, line?: DeviceLine) {
    this.id = id
    this.unit = unit
    this.compiled = compileProfile(profile)
    this.identityChecked = profile.identification.none === true
    const mismatch = line?.framing && framingMismatch(line.framing, profile)
    this.settingsHint = mismatch ? { bus: line!.bus, busFraming: mismatch.bus, factory: mismatch.factory } : undefined
    this.currentPlan = this.compiled.plan
    this.decoded = new DecodedChannels(this.compiled)
  }

  get plan(): ReadPlan {
    return this.currentPlan
  }

  /** Every channel with the same failure quality: for a device that is quarantined or whose line is down. */
  failureSamples(quality: Quality, reason: string, ts = this.clock()): Sample[] {
    return [...this.compiled.channels.keys()].map((channel) => ({ device: this.id, channel, ts, value: null, quality, reason }))
  }

  private async withRetries(transact: Transact, request: ModbusRequest, retries: number): Promise<ModbusReply> {
    for (let attempt = 0; ; attempt++) {
      try {
        const reply = await transact(request)
        this.answered = true
        return reply
      } catch (error) {
        if (error instanceof ModbusExceptionError) this.answered = true
        if (!isNoAnswer(error) || attempt >= retries) throw error
      }
    }
  }

  /** Why the device is comm-fail after no answer: with what to check while it has never answered since start. */
  private noAnswerReason(error: unknown): string {
    return this.answered ? describe(error) : neverAnsweredReason(this.unit, describe(error), this.settingsHint)
  }

  /** Check the device is the model its profile describes: FC 43/14 product code, or the signature registers. */
  async identify(transact: Transact, options: { probe?: boolean } = {}): Promise<IdentityResult> {
    const { identification } = this.compiled.profile
    const retries = options.probe ? 0 : this.retries
    try {
      if (identification.deviceId) {
        try {
          const identity = (await this.withRetries(transact, { kind: 'identify', unit: this.unit }, retries)) as DeviceIdentity
          this.identity = identity
          if (identity.productCode !== undefined && identity.productCode !== identification.deviceId.productCode) {
            this.identityMismatch = `device reports product code "${identity.productCode}", profile ${this.compiled.profile.id} expects "${identification.deviceId.productCode}"`
          }
        } catch (error) {
          const unsupported = error instanceof ModbusExceptionError && (error.exceptionCode === ILLEGAL_FUNCTION || error.exceptionCode === ILLEGAL_DATA_ADDRESS)
          if (!unsupported) throw error
          // this unit does not answer FC 43/14: the signature registers decide, if the profile has them
        }
      }
      if (!this.identityMismatch && identification.signature && !this.identity) {
        const { table, address, values } = identification.signature
        const read = (await this.withRetries(transact, { kind: 'read', unit: this.unit, table, address, count: values.length }, retries)) as number[]
        if (read.some((v, i) => v !== values[i])) {
          const hex = (list: readonly number[]) => list.map((v) => `0x${v.toString(16).padStart(4, '0')}`).join(' ')
          this.identityMismatch = `signature ${table} ${address} reads ${hex(read)}, profile ${this.compiled.profile.id} expects ${hex(values)}`
        }
      }
    } catch (error) {
      // no answer, or an exception such as 04 (device failure) or 06 (busy): not a verdict on the model; ask again later
      const noAnswer = isNoAnswer(error)
      return { retry: true, noAnswer, reason: noAnswer ? this.noAnswerReason(error) : describe(error) }
    }
    this.identityChecked = true
    return {
      ...(this.identity && { identity: this.identity }),
      ...(this.identityMismatch && { mismatch: this.identityMismatch }),
    }
  }

  /**
   * Read every block of the plan once and decode; stops at the first block the device does not answer.
   * `readsDone` is called when the last answer is in, before decoding, which waits one turn of the
   * microtask queue: the caller may put the next request on the line meanwhile.
   */
  async poll(transact: Transact, options: { probe?: boolean; readsDone?: () => void; only?: readonly string[] } = {}): Promise<PollResult> {
    // the answers are decoded where they landed, one array per block (BlockImage), not copied into a RegisterImage
    const image = new BlockImage()
    const plan = this.currentPlan
    const only = options.only && this.readSet(options.only)
    let failed: Map<string, { quality: Quality; reason: string }> | undefined
    for (const point of plan.unreadable) (failed ??= new Map()).set(point, { quality: 'device-fault', reason: `device refuses to read ${point} (exception 02)` })
    const retries = options.probe ? 0 : this.retries
    // the plan's own blocks in order; blocks learned from an exception 02 during this poll go first, from `queue`
    const blocks = only ? plan.blocks.filter((b) => b.points.some((p) => only.keys.has(p))) : plan.blocks
    let next = 0
    let queue: ReadBlock[] | undefined
    let transactions = 0
    let noAnswer: string | undefined
    let fault: string | undefined
    let guard = 4 * this.compiled.points.length + 8
    while ((queue !== undefined && queue.length > 0) || next < blocks.length) {
      if (guard-- <= 0) break
      const block = queue !== undefined && queue.length > 0 ? queue.shift()! : blocks[next++]!
      try {
        transactions++
        const request: ModbusRequest = { kind: 'read', unit: this.unit, table: block.table, address: block.address, count: block.count }
        let values: number[]
        // withRetries, written out: one async call less for every transaction of the poll loop
        for (let attempt = 0; ; attempt++) {
          try {
            values = (await transact(request)) as number[]
            this.answered = true
            break
          } catch (error) {
            if (error instanceof ModbusExceptionError) this.answered = true
            if (!isNoAnswer(error) || attempt >= retries) throw error
          }
        }
        image.write(block.table, block.address, values)
      } catch (error) {
        if (error instanceof ModbusExceptionError && error.exceptionCode === ILLEGAL_DATA_ADDRESS) {
          const learned = this.learnRefusal(block, (failed ??= new Map()))
          // the rest of the old plan's blocks stay behind the new ones, as one queue
          queue = [...learned, ...(queue ?? []), ...blocks.slice(next)]
          next = blocks.length
          continue
        }
        if (isNoAnswer(error)) {
          noAnswer = this.noAnswerReason(error)
          break
        }
        fault = describe(error)
        for (const point of block.points) (failed ??= new Map()).set(point, { quality: 'device-fault', reason: fault })
      }
    }
    if (options.readsDone) {
      options.readsDone()
      await undefined
    }
    const ts = this.clock()
    const decoded = this.decoded
    decodeChannels(this.compiled, image, true, decoded)
    const { list } = this.compiled
    const samples: Sample[] = []
    let deviceFault = fault
    const mismatch = this.identityMismatch
    for (let i = 0; i < list.length; i++) {
      const channel = list[i]!.channel.id
      // a read of a few channels reports what it read, and a failure only for the channels it was for
      if (only && decoded.present[i] !== 1 && !only.channels.has(channel)) continue
      if (mismatch) {
        samples.push({ device: this.id, channel, ts, value: null, quality: 'device-fault', reason: mismatch })
      } else if (decoded.present[i] === 1) {
        const quality = decoded.qualities[i]!
        const reason = decoded.reasons[i]
        samples.push(reason
          ? { device: this.id, channel, ts, value: decoded.values[i]!, quality, reason }
          : { device: this.id, channel, ts, value: decoded.values[i]!, quality })
        if (quality === 'device-fault') deviceFault ??= `${channel}: ${reason ?? 'device fault'}`
      } else {
        const failure = failed?.get(channel) ?? { quality: 'comm-fail' as const, reason: noAnswer ?? 'status or exponent register not read' }
        samples.push({ device: this.id, channel, ts, value: null, quality: failure.quality, reason: failure.reason })
      }
    }
    if (mismatch) return { samples, outcome: 'fault', reason: mismatch, transactions }
    if (noAnswer) return { samples, outcome: 'no-answer', reason: noAnswer, transactions }
    return { samples, outcome: deviceFault ? 'fault' : 'ok', reason: deviceFault, transactions }
  }

  /**
   * What a read of only `channels` must cover: each channel, the channel its decimals come from, and the
   * status channels of the quality rules governing it (without its status a measurement is never good).
   */
  private readSet(channels: readonly string[]): ReadSet {
    if (this.lastReadSet?.of === channels) return this.lastReadSet
    const keys = new Set<string>()
    const { list, qualityRuleIndices } = this.compiled
    for (const id of channels) {
      const compiled = this.compiled.channels.get(id)
      if (!compiled) continue
      keys.add(id)
      if (compiled.decimalsIndex >= 0) keys.add(list[compiled.decimalsIndex]!.channel.id)
      for (const rule of qualityRuleIndices) {
        if (rule.status >= 0 && rule.targets.includes(compiled.index)) keys.add(list[rule.status]!.channel.id)
      }
    }
    this.lastReadSet = { of: channels, keys, channels: new Set(channels) }
    return this.lastReadSet
  }

  /** Exception 02 to a block: split it for good and return the new blocks that cover its points. */
  private learnRefusal(block: ReadBlock, failed: Map<string, { quality: Quality; reason: string }>): ReadBlock[] {
    this.learned = learnIllegalAddress(this.learned, block, this.compiled.points)
    this.currentPlan = planReads(this.compiled.points, this.compiled.planOptions, this.learned)
    const pending = new Set(block.points)
    for (const point of this.currentPlan.unreadable) {
      if (pending.has(point)) failed.set(point, { quality: 'device-fault', reason: `device refuses to read ${point} (exception 02)` })
    }
    return this.currentPlan.blocks.filter((b) => b.points.some((p) => pending.has(p)))
  }
}
