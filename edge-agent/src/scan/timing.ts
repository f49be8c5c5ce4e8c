import { readFrameBytes, transactionWireMs, type SerialFraming } from '../../../protocols/modbus/index.ts'
import type { SerialSetting } from './settings.ts'

/** What a device may take between the end of a request and the start of its answer, unless told otherwise. */
export const DEFAULT_TURNAROUND_MS = 50

/** The probe: one holding register read (FC 3); an exception answer proves a device as well as data does. */
export const PROBE = { table: 'holding', count: 1 } as const

const framingOf = (setting: SerialSetting): SerialFraming => ({ ...setting, dataBits: 8 })

/**
 * How long to wait for one probe's answer at a setting: the wire time of request and answer with their
 * silences, plus the device's turnaround. Not the poll timeout: a silent id costs only this.
 */
export function probeTimeoutMs(setting: SerialSetting, turnaroundMs: number): number {
  const { request, response } = readFrameBytes(PROBE.count, false)
  return Math.ceil(transactionWireMs(framingOf(setting), request, response) + turnaroundMs)
}

/** The wire time of one answered probe: the least a probe can take (request, answer, two silences). */
export function probeWireMs(setting: SerialSetting): number {
  const { request, response } = readFrameBytes(PROBE.count, false)
  return transactionWireMs(framingOf(setting), request, response)
}

/** Room for the longest identification answers (FC 43/14 up to 253 bytes of PDU) at a setting. */
export function identifyTimeoutMs(setting: SerialSetting, turnaroundMs: number): number {
  return Math.ceil(transactionWireMs(framingOf(setting), 8, 256) + turnaroundMs * 2)
}
