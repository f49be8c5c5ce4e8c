/**
 * Interoperability: registers encoded by pymodbus 3.0's BinaryPayloadBuilder in each of the four
 * byte/word orders, served by a real pymodbus TCP server, read with modbus-serial and decoded with
 * our codecs (protocols/modbus/codec.ts).
 *
 * How pymodbus's two knobs map onto our order names (read from pymodbus/payload.py, 3.0.0rc1):
 *
 * - Numbers of 2 and 4 registers (add_32bit_*, add_64bit_float): `_pack_words` packs the value
 *   big-endian, splits it into 16-bit words, reverses the words when wordorder is Little, then packs
 *   each word with `byteorder`. So byteorder Little swaps the two bytes inside every register and
 *   wordorder Little reverses all the registers of the value:
 *     byteorder Big,    wordorder Big    = ABCD  (64-bit ABCDEFGH)
 *     byteorder Big,    wordorder Little = CDAB  (64-bit GHEFCDAB: all four words reversed)
 *     byteorder Little, wordorder Big    = BADC  (64-bit BADCFEHG)
 *     byteorder Little, wordorder Little = DCBA  (64-bit HGFEDCBA)
 *
 * - 16-bit numbers (add_16bit_uint/int): packed with struct `byteorder + 'H'`; wordorder is
 *   irrelevant (one word). byteorder Little therefore puts the low byte first on the wire, i.e.
 *   the register holds the byte-swapped value. Our profiles say `order` has no meaning for a
 *   single-register number (check.ts refuses it), but the codec honours it: BADC and DCBA swap the
 *   bytes of a 16-bit register, ABCD and CDAB do not. So a pymodbus Little-byteorder 16-bit value
 *   decodes with our BADC/DCBA.
 *
 * - Strings (add_string): packed with struct `byteorder + 'Ns'`, and the `s` format has no byte
 *   order, so pymodbus writes the characters in reading order whatever byteorder says ("AB" is
 *   always 0x4142). to_registers() then reads every 2 bytes big-endian. A pymodbus-built string
 *   therefore decodes with our ABCD (or CDAB: word order does not apply to text) in all four cases;
 *   our BADC/DCBA, which swap the two characters of each register (as some devices do), would read
 *   it pair-swapped — asserted below so the difference stays documented. An odd-length string is
 *   NUL-padded at the end of the builder's payload; one builder per value keeps that pad from
 *   shifting the next value (tcp_server.py does that).
 *
 * Unit ids 1..4 carry the same layout, one order each; unit 5 holds the same values in input
 * registers (ABCD) for FC 4.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ModbusSerial from 'modbus-serial'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeRegisters, type DataType, type RawValue, type WordOrder } from '../../protocols/modbus/index.ts'
import { freePort } from '../support/ports.ts'
import { ProcessGroup, SYSTEM_PYTHON } from '../support/processes.ts'

/**
 * modbus-serial is CommonJS (`module.exports = ModbusRTU`): at run time the default import is the
 * client class, while TypeScript's NodeNext view types it as the module object with a `default`.
 */
type ModbusClient = InstanceType<typeof ModbusSerial.default>
const ModbusClient = ModbusSerial as unknown as new () => ModbusClient

const SERVER = join(dirname(fileURLToPath(import.meta.url)), '../support/pymodbus/tcp_server.py')

interface Point {
  name: string
  type: DataType
  address: number
  value: number | string
  /** registers (strings) */
  length?: number
}

/** Same layout in every unit; addresses are zero-based protocol addresses. */
const POINTS: readonly Point[] = [
  { name: 'uint16', type: 'uint16', address: 0, value: 0x1234 },
  { name: 'int16', type: 'int16', address: 1, value: -12345 },
  { name: 'uint32', type: 'uint32', address: 2, value: 0xdeadbeef },
  { name: 'int32', type: 'int32', address: 4, value: -123456789 },
  { name: 'float32', type: 'float32', address: 6, value: 123.456 },
  { name: 'float64', type: 'float64', address: 8, value: 1234567.890123 },
  { name: 'string (odd length, NUL padded)', type: 'string', address: 12, value: 'SAFETY-01', length: 5 },
  { name: 'string (even length)', type: 'string', address: 17, value: 'GJC4', length: 2 },
  { name: 'float32 negative exact', type: 'float32', address: 19, value: -0.15625 },
  { name: 'uint32 above 65535', type: 'uint32', address: 21, value: 70000 },
  { name: 'uint16 max', type: 'uint16', address: 23, value: 0xffff },
  { name: 'int16 min', type: 'int16', address: 24, value: -32768 },
]
const SPAN = 25

const ORDERS: readonly { unit: number; order: WordOrder; byteorder: 'big' | 'little'; wordorder: 'big' | 'little' }[] = [
  { unit: 1, order: 'ABCD', byteorder: 'big', wordorder: 'big' },
  { unit: 2, order: 'CDAB', byteorder: 'big', wordorder: 'little' },
  { unit: 3, order: 'BADC', byteorder: 'little', wordorder: 'big' },
  { unit: 4, order: 'DCBA', byteorder: 'little', wordorder: 'little' },
]
const INPUT_UNIT = 5

/** The order our codec needs for a pymodbus-built value (see the header). */
function ourOrder(type: DataType, pymodbusOrder: WordOrder): WordOrder {
  return type === 'string' ? 'ABCD' : pymodbusOrder
}

/** What we expect to read back: float32 only carries a float32's precision. */
function expected(point: Point): RawValue {
  return point.type === 'float32' ? Math.fround(point.value as number) : point.value
}

/** Registers of a value in an order, computed by hand from the big-endian bytes (independent of both codecs). */
function wordsByHand(type: DataType, value: number, order: WordOrder): number[] {
  const size = type === 'float64' ? 8 : type === 'uint16' || type === 'int16' ? 2 : 4
  const buf = Buffer.alloc(size)
  if (type === 'uint16') buf.writeUInt16BE(value)
  else if (type === 'int16') buf.writeInt16BE(value)
  else if (type === 'uint32') buf.writeUInt32BE(value)
  else if (type === 'int32') buf.writeInt32BE(value)
  else if (type === 'float32') buf.writeFloatBE(value)
  else buf.writeDoubleBE(value)
  let words = Array.from({ length: size / 2 }, (_, i) => buf.readUInt16BE(i * 2))
  if (order === 'CDAB' || order === 'DCBA') words = words.reverse()
  if (order === 'BADC' || order === 'DCBA') words = words.map((w) => ((w & 0xff) << 8) | (w >>> 8))
  return words
}

function serverSpec(): unknown {
  const units: Record<string, unknown> = {}
  for (const { unit, byteorder, wordorder } of ORDERS) {
    units[String(unit)] = {
      values: POINTS.map((p) => ({ table: 'holding', address: p.address, type: p.type, value: p.value, byteorder, wordorder, length: p.length })),
    }
  }
  units[String(INPUT_UNIT)] = {
    values: POINTS.map((p) => ({ table: 'input', address: p.address, type: p.type, value: p.value, order: 'ABCD', length: p.length })),
  }
  return { units }
}

const group = new ProcessGroup()
const client = new ModbusClient()
/** unit id → the SPAN holding registers (input registers for INPUT_UNIT) as read by modbus-serial */
const images = new Map<number, number[]>()

beforeAll(async () => {
  const port = await freePort()
  await group.startReady(SYSTEM_PYTHON, [SERVER, '--port', String(port), '--spec', JSON.stringify(serverSpec())], /^ready \d+$/u, { name: 'pymodbus tcp_server.py' })
  await client.connectTCP('127.0.0.1', { port })
  client.setTimeout(5_000)
  for (const { unit } of ORDERS) {
    client.setID(unit)
    images.set(unit, (await client.readHoldingRegisters(0, SPAN)).data)
  }
  client.setID(INPUT_UNIT)
  images.set(INPUT_UNIT, (await client.readInputRegisters(0, SPAN)).data)
})

afterAll(async () => {
  if (client.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()))
  await group.stopAll()
})

const image = (unit: number): number[] => {
  const words = images.get(unit)
  if (!words) throw new Error(`unit ${unit} was not read`)
  return words
}

describe.each(ORDERS)('pymodbus byteorder $byteorder, wordorder $wordorder = $order (unit $unit)', ({ unit, order }) => {
  it.each(POINTS)('$name decodes exactly with our codec', (point) => {
    const layout = { type: point.type, order: ourOrder(point.type, order), length: point.length ?? 1 }
    expect(decodeRegisters(layout, image(unit), point.address)).toBe(expected(point))
  })

  it.each(POINTS.filter((p) => p.type !== 'string'))('$name is on the wire as computed by hand', (point) => {
    const words = wordsByHand(point.type, point.value as number, order)
    expect(image(unit).slice(point.address, point.address + words.length)).toEqual(words)
  })

  it('strings ignore byteorder: characters stay in reading order, so our BADC/DCBA would pair-swap them', () => {
    const words = image(unit).slice(12, 17)
    expect(words.slice(0, 2)).toEqual([0x5341, 0x4645]) // "SA" "FE" whatever the byteorder
    expect(words[4]).toBe(0x3100) // "1" then the builder's NUL pad
    expect(decodeRegisters({ type: 'string', order: 'BADC', length: 5 }, image(unit), 12)).toBe('ASEFYT0-\u00001')
  })
})

describe('FC 4 input registers (unit 5, ABCD)', () => {
  it.each(POINTS)('$name decodes exactly', (point) => {
    const layout = { type: point.type, order: 'ABCD' as const, length: point.length ?? 1 }
    expect(decodeRegisters(layout, image(INPUT_UNIT), point.address)).toBe(expected(point))
  })
})

describe('pymodbus server behaviour the other tests rely on', () => {
  it('answers an address outside the image with exception 2 (illegal data address)', async () => {
    client.setID(1)
    await expect(client.readHoldingRegisters(SPAN, 1)).rejects.toMatchObject({ modbusCode: 2 })
  })

  it('serves protocol address N at block index N (zero_mode): address 2 is the first word of the uint32', async () => {
    client.setID(1)
    const { data } = await client.readHoldingRegisters(2, 2)
    expect(data).toEqual([0xdead, 0xbeef])
  })
})
