/**
 * A serial line modelled bit by bit, for unit tests of what a pseudo-terminal cannot show: a UART receiving
 * characters sent at another baud, parity or stop bits. The transmitter sends characters back to back
 * (as Modbus RTU requires); the receiver waits for a start bit, samples each bit at its own bit time, checks
 * parity and one stop bit, and flags the character when either is wrong.
 */
import { rtuFrame, hasValidCrc } from '../../../protocols/modbus/index.ts'
import type { ProbeLine, ProbeOutcome } from '../../../edge-agent/src/scan/search.ts'
import type { SerialSetting } from '../../../edge-agent/src/scan/settings.ts'

function parityBit(byte: number, parity: SerialSetting['parity']): number | undefined {
  if (parity === 'none') return undefined
  let ones = 0
  for (let i = 0; i < 8; i++) ones += (byte >> i) & 1
  return parity === 'even' ? ones & 1 : (ones & 1) ^ 1
}

/** The line's level bit by bit at the transmitter's rate: idle 1, then each character, then idle. */
function transmit(bytes: readonly number[], framing: SerialSetting): number[] {
  const bits = [1, 1]
  for (const byte of bytes) {
    bits.push(0)
    for (let i = 0; i < 8; i++) bits.push((byte >> i) & 1)
    const parity = parityBit(byte, framing.parity)
    if (parity !== undefined) bits.push(parity)
    for (let i = 0; i < framing.stopBits; i++) bits.push(1)
  }
  for (let i = 0; i < 24; i++) bits.push(1)
  return bits
}

export interface Received {
  bytes: number[]
  /** a character had a parity or framing error: the UART flags it and the frame is lost */
  errors: number
}

/** What a UART set to `to` makes of bytes sent at `from`; most check the first stop bit only, `strict` ones all. */
export function carry(bytes: readonly number[], from: SerialSetting, to: SerialSetting, strict = false): Received {
  const line = transmit(bytes, from)
  const bitTime = from.baud / to.baud // receiver bit time in transmitter bits
  const level = (t: number) => line[Math.floor(t)] ?? 1
  const out: number[] = []
  let errors = 0
  let t = 0
  const step = Math.min(0.25, bitTime / 4)
  while (t < line.length) {
    if (level(t) === 1) {
      t += step
      continue
    }
    const start = t
    const sample = (n: number) => level(start + (n + 0.5) * bitTime)
    if (sample(0) !== 0) {
      t += step
      continue // a glitch shorter than half a bit
    }
    let byte = 0
    for (let i = 0; i < 8; i++) byte |= sample(1 + i) << i
    let next = 9
    const expected = parityBit(byte, to.parity)
    if (expected !== undefined && sample(next++) !== expected) errors++
    const stops = strict ? to.stopBits : 1
    for (let i = 0; i < stops; i++) if (sample(next + i) !== 1) errors++
    out.push(byte)
    t = start + (next + stops - 1 + 0.5) * bitTime
  }
  return { bytes: out, errors }
}

export interface ModelledDevice {
  unit: number
  setting: SerialSetting
  /** answers an exception instead of data */
  exception?: boolean
  /** checks every stop bit of its setting, not only the first */
  strictStopBits?: boolean
}

/** Devices on one modelled RS-485 pair, driven by the scanner as its ProbeLine. */
export class ModelledBus implements ProbeLine {
  private setting: SerialSetting | undefined
  probes = 0
  reopens = 0

  constructor(private readonly devices: readonly ModelledDevice[]) {}

  async use(setting: SerialSetting | undefined): Promise<void> {
    this.setting = setting
    this.reopens++
  }

  async probe(unit: number, address: number): Promise<ProbeOutcome> {
    const master = this.setting
    if (!master) throw new Error('the modelled bus is a serial line')
    this.probes++
    const request = [...rtuFrame(unit, Uint8Array.from([3, address >> 8, address & 0xff, 0, 1]))]
    let outcome: ProbeOutcome = 'silent'
    for (const device of this.devices) {
      const heard = carry(request, master, device.setting, device.strictStopBits)
      const intact = heard.errors === 0 && heard.bytes.length === request.length && hasValidCrc(Uint8Array.from(heard.bytes))
      if (!intact || heard.bytes[0] !== device.unit) continue
      const answer = [...rtuFrame(unit, Uint8Array.from(device.exception ? [0x83, 2] : [3, 2, 0x12, address & 0xff]))]
      const back = carry(answer, device.setting, master)
      const clean = back.errors === 0 && back.bytes.length === answer.length && back.bytes.every((b, i) => b === answer[i])
      if (clean) return device.exception ? 'exception' : 'answer'
      if (back.bytes.length > 0) outcome = 'garbled'
    }
    return outcome
  }
}
