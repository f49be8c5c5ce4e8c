/** Unit: FC 43/14 and FC 17 answers decoded, and their RTU frame lengths, against the PDU server's encoding. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  DEVICE_ID_OBJECTS, ModbusFrameError, decodeDeviceIdPage, decodeServerIdReport, deviceIdRequest, handleRequest,
  identityOfObjects, rtuAnswerLength, rtuFrame, serverIdRequest, type DeviceIdentity, type ModbusTarget, type ServerIdAnswer,
} from '../../../protocols/modbus/index.ts'

function target(identity: DeviceIdentity | undefined, serverId?: ServerIdAnswer): ModbusTarget {
  return {
    read: () => [],
    write: () => {},
    identity: () => identity,
    ...(serverId && { reportServerId: () => serverId }),
  }
}

const pdu = (...bytes: number[]) => Uint8Array.from(bytes)

/** What a master does: every page of the category from object 0 until no more follow. */
function readAllPages(device: ModbusTarget, code: number): { identity: DeviceIdentity; pages: number } {
  const objects: [number, string][] = []
  let pages = 0
  for (let objectId = 0; ;) {
    const page = decodeDeviceIdPage(handleRequest(device, deviceIdRequest(code, objectId)))
    pages++
    objects.push(...page.objects)
    if (!page.moreFollows) return { identity: identityOfObjects(objects), pages }
    expect(page.nextObjectId).toBeGreaterThan(objectId)
    objectId = page.nextObjectId
  }
}

const ascii = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength })
const identities = fc.record({
  vendorName: ascii(240), productCode: ascii(240), revision: ascii(240), vendorUrl: ascii(240),
  productName: ascii(240), modelName: ascii(240), userApplicationName: ascii(240),
}, { requiredKeys: ['vendorName', 'productCode', 'revision'] })

describe('Read Device Identification answers', () => {
  it('regular objects read over as many pages as the device needs come back whole; basic ones are the first three', () => {
    fc.assert(fc.property(identities, (identity) => {
      expect(readAllPages(target(identity), 2).identity).toEqual(identity)
      const { vendorName, productCode, revision } = identity
      expect(readAllPages(target(identity), 1).identity).toEqual({ vendorName, productCode, revision })
    }))
  })

  it('a long identity needs more than one page (the case above is not all one page)', () => {
    const long = 'x'.repeat(200)
    const { identity, pages } = readAllPages(target({ vendorName: long, productCode: 'P', revision: '1', productName: long }), 2)
    expect(pages).toBe(2)
    expect(identity.productName).toBe(long)
  })

  it('an answer cut short, or not an identification answer, is a frame error', () => {
    expect(() => decodeDeviceIdPage(pdu(0x2b, 0x0e, 1, 0x81, 0, 0, 1, 0x00, 5, 0x41))).toThrow(ModbusFrameError)
    expect(() => decodeDeviceIdPage(pdu(0x2b, 0x0d, 1, 0x81, 0, 0, 0))).toThrow(ModbusFrameError)
    expect(() => decodeDeviceIdPage(pdu(0x03, 2, 0, 1))).toThrow(/not a Read Device Identification answer: 03020001/u)
  })

  it('objects by name; private and unknown ids left out', () => {
    expect(identityOfObjects([[0x00, 'Test Co'], [0x05, 'R2-24V'], [0x80, 'private'], [0x07, '?']])).toEqual({ vendorName: 'Test Co', modelName: 'R2-24V' })
    expect(Object.keys(DEVICE_ID_OBJECTS)).toHaveLength(7)
  })
})

describe('Report Server ID answers', () => {
  it('a one-byte id, whatever its value, with any run state and additional data comes back as sent', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.boolean(), fc.uint8Array({ maxLength: 200 }), (id, running, additional) => {
      const report = decodeServerIdReport(handleRequest(target(undefined, { serverId: [id], running, additional }), serverIdRequest()))
      expect(report).toMatchObject({ serverId: [id], running, additional: [...additional] })
      expect(report.data).toEqual([id, running ? 0xff : 0x00, ...additional])
    }))
  })

  it('the simulator\'s layout: id, run, vendor and model as text', () => {
    const report = decodeServerIdReport(pdu(0x11, 12, 0x41, 0xff, ...Buffer.from('Acme GD-10')))
    expect(report).toEqual({ serverId: [0x41], running: true, additional: [...Buffer.from('Acme GD-10')], text: 'Acme GD-10', data: [0x41, 0xff, ...Buffer.from('Acme GD-10')] })
  })

  it('pymodbus\'s layout: a text id of several bytes, then the run indicator', () => {
    const report = decodeServerIdReport(pdu(0x11, 9, ...Buffer.from('Pymodbus'), 0xff))
    expect(report).toMatchObject({ serverId: [...Buffer.from('Pymodbus')], running: true, additional: [], text: 'Pymodbus' })
  })

  it('no run indicator byte at all: every byte is id, and not running', () => {
    expect(decodeServerIdReport(pdu(0x11, 3, 1, 2, 3))).toMatchObject({ serverId: [1, 2, 3], running: false, additional: [], text: '' })
    expect(decodeServerIdReport(pdu(0x11, 0))).toMatchObject({ serverId: [], running: false, data: [] })
  })

  it('a stopped device (0x00) and text broken by control bytes', () => {
    expect(decodeServerIdReport(pdu(0x11, 8, 7, 0x00, 0x41, 0x42, 0x01, 0x43, 0x20, 0x44))).toMatchObject({ serverId: [7], running: false, additional: [0x41, 0x42, 1, 0x43, 0x20, 0x44], text: 'AB C D' })
  })

  it('a byte count beyond the answer, or another function, is a frame error', () => {
    expect(() => decodeServerIdReport(pdu(0x11, 5, 1, 0xff))).toThrow(ModbusFrameError)
    expect(() => decodeServerIdReport(pdu(0x03, 2, 0, 0))).toThrow(ModbusFrameError)
  })
})

describe('rtuAnswerLength', () => {
  const frames = fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 247 }), identities).map(([unit, identity]) => ({ fn: 0x2b as const, frame: rtuFrame(unit, handleRequest(target(identity), deviceIdRequest(2, 0))) })),
    fc.tuple(fc.integer({ min: 1, max: 247 }), fc.uint8Array({ maxLength: 240 })).map(([unit, additional]) => ({ fn: 0x11 as const, frame: rtuFrame(unit, handleRequest(target(undefined, { serverId: [unit], running: true, additional }), serverIdRequest())) })),
    fc.tuple(fc.integer({ min: 1, max: 247 }), fc.constantFrom(0x11 as const, 0x2b as const)).map(([unit, fn]) => ({ fn, frame: rtuFrame(unit, handleRequest(target(undefined), pdu(fn, 0x0e, 1, 0))) })),
  )

  it('knows a whole answer, normal or exception, from its bytes, and asks for more from any shorter prefix', () => {
    fc.assert(fc.property(frames, ({ fn, frame }) => {
      expect(rtuAnswerLength(frame, fn)).toBe(frame.length)
      expect(rtuAnswerLength(Buffer.concat([frame, Buffer.from([1, 2, 3])]), fn)).toBe(frame.length)
      for (let cut = 0; cut < frame.length; cut++) {
        const length = rtuAnswerLength(frame.subarray(0, cut), fn)
        expect(length === undefined || length === frame.length).toBe(true)
      }
    }))
  })

  it('an exception answer is five bytes', () => {
    expect(rtuAnswerLength(pdu(1, 0x91, 1), 0x11)).toBe(5)
    expect(rtuAnswerLength(pdu(1, 0xab), 0x2b)).toBe(5)
  })
})
