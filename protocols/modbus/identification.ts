/**
 * The two ways a device says what it is — FC 43/14 (Read Device Identification) and FC 17 (Report Server
 * ID): their requests, their answers' RTU frame lengths and their decoding. Pure: bytes in, values out.
 */
import { ModbusFrameError } from './errors.ts'
import { DEVICE_ID_OBJECTS, FC, MEI_READ_DEVICE_ID, type DeviceIdentity, type ServerIdReport } from './function-codes.ts'

/** One answer of FC 43/14's stream access: a device may need several (`moreFollows`, from `nextObjectId`). */
export interface DeviceIdPage {
  conformity: number
  moreFollows: boolean
  nextObjectId: number
  objects: [id: number, text: string][]
}

export const deviceIdRequest = (code: number, objectId: number): Buffer =>
  Buffer.from([FC.ENCAPSULATED_INTERFACE, MEI_READ_DEVICE_ID, code, objectId])

export const serverIdRequest = (): Buffer => Buffer.from([FC.REPORT_SERVER_ID])

/** A FC 43/14 answer PDU (function code first). */
export function decodeDeviceIdPage(pdu: Uint8Array): DeviceIdPage {
  if (pdu.length < 7 || pdu[0] !== FC.ENCAPSULATED_INTERFACE || pdu[1] !== MEI_READ_DEVICE_ID) {
    throw new ModbusFrameError(`not a Read Device Identification answer: ${hex(pdu)}`)
  }
  const objects: DeviceIdPage['objects'] = []
  let at = 7
  for (let i = 0; i < pdu[6]!; i++) {
    const length = pdu[at + 1]
    if (length === undefined || at + 2 + length > pdu.length) throw new ModbusFrameError(`Read Device Identification answer cut short in object ${i + 1} of ${pdu[6]}`)
    objects.push([pdu[at]!, Buffer.from(pdu.subarray(at + 2, at + 2 + length)).toString('utf8')])
    at += 2 + length
  }
  return { conformity: pdu[3]!, moreFollows: pdu[4] === 0xff, nextObjectId: pdu[5]!, objects }
}

/** The named objects among those read; private objects (0x80 and up) and unknown ids are left out. */
export function identityOfObjects(objects: Iterable<[id: number, text: string]>): DeviceIdentity {
  const byId = new Map(objects)
  const identity: DeviceIdentity = {}
  for (const [name, id] of Object.entries(DEVICE_ID_OBJECTS) as [keyof DeviceIdentity, number][]) {
    const text = byId.get(id)
    if (text !== undefined) identity[name] = text
  }
  return identity
}

const isRunIndicator = (byte: number) => byte === 0x00 || byte === 0xff

/** A FC 17 answer PDU (function code first). */
export function decodeServerIdReport(pdu: Uint8Array): ServerIdReport {
  const count = pdu[1]
  if (pdu[0] !== FC.REPORT_SERVER_ID || count === undefined || pdu.length < 2 + count) {
    throw new ModbusFrameError(`not a Report Server ID answer: ${hex(pdu)}`)
  }
  const data = [...pdu.subarray(2, 2 + count)]
  // the first byte is always id; the first run indicator after it ends the id
  const runAt = data.findIndex((byte, i) => i > 0 && isRunIndicator(byte))
  const text = printableRuns(data)
  if (runAt < 0) return { serverId: data, running: false, additional: [], text, data }
  return { serverId: data.slice(0, runAt), running: data[runAt] === 0xff, additional: data.slice(runAt + 1), text, data }
}

/** Printable ASCII runs of two characters or more, space-separated: a lone printable id byte is not text. */
function printableRuns(bytes: readonly number[]): string {
  const runs = String.fromCharCode(...bytes).match(/[\x20-\x7e]{2,}/gu) ?? []
  return runs.map((run) => run.trim()).filter((run) => run.length > 0).join(' ')
}

/**
 * Length of the complete RTU answer frame (unit first, CRC last) to function `fc` from its first bytes, or
 * undefined while more bytes are needed. Both answers carry their own length: FC 17 a byte count, FC 43/14
 * one length per object.
 */
export function rtuAnswerLength(frame: Uint8Array, fc: typeof FC.REPORT_SERVER_ID | typeof FC.ENCAPSULATED_INTERFACE): number | undefined {
  if (frame.length < 2) return undefined
  if (frame[1] === (fc | 0x80)) return 5
  if (fc === FC.REPORT_SERVER_ID) return frame.length < 3 ? undefined : 3 + frame[2]! + 2
  // unit, function, MEI type, code, conformity, more follows, next object id, object count
  if (frame.length < 8) return undefined
  let at = 8
  for (let i = 0; i < frame[7]!; i++) {
    if (frame.length < at + 2) return undefined
    at += 2 + frame[at + 1]!
  }
  return at + 2
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes.subarray(0, 16)).toString('hex') + (bytes.length > 16 ? '…' : '')
