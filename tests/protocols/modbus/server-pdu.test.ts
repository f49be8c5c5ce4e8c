import { describe, expect, it } from 'vitest'
import { handleRequest, ModbusExceptionError, rtuFrame, rtuRequestLength, type ModbusTarget } from '../../../protocols/modbus/index.ts'

function target(): ModbusTarget & { writes: unknown[] } {
  const writes: unknown[] = []
  return {
    writes,
    read: (table, address, count) => {
      if (address + count > 10) throw new ModbusExceptionError(2, 3)
      return Array.from({ length: count }, (_, i) => (table === 'coil' || table === 'discrete' ? (address + i) % 2 : 0x100 + address + i))
    },
    write: (table, address, values) => void writes.push({ table, address, values: [...values] }),
    identity: () => ({ vendorName: 'ACME', productCode: 'X1', revision: '2.0', modelName: 'X1-Pro' }),
  }
}

const pdu = (...bytes: number[]) => Uint8Array.from(bytes)
const hex = (buffer: Buffer) => buffer.toString('hex')

describe('handleRequest', () => {
  it('reads registers and packs bits least significant first', () => {
    expect(hex(handleRequest(target(), pdu(0x03, 0, 2, 0, 2)))).toBe('0304010201' + '03')
    expect(hex(handleRequest(target(), pdu(0x01, 0, 0, 0, 9)))).toBe('0102aa00')
  })

  it('answers exceptions: illegal function, illegal address, illegal value', () => {
    expect(hex(handleRequest(target(), pdu(0x07)))).toBe('8701')
    expect(hex(handleRequest(target(), pdu(0x03, 0, 9, 0, 2)))).toBe('8302')
    expect(hex(handleRequest(target(), pdu(0x03, 0, 0, 0, 126)))).toBe('8303')
    expect(hex(handleRequest(target(), pdu(0x05, 0, 1, 0x12, 0x34)))).toBe('8503')
  })

  it('writes single and multiple coils and registers and echoes the request head', () => {
    const t = target()
    expect(hex(handleRequest(t, pdu(0x05, 0, 3, 0xff, 0)))).toBe('050003ff00')
    expect(hex(handleRequest(t, pdu(0x0f, 0, 0, 0, 3, 1, 0b101)))).toBe('0f00000003')
    expect(hex(handleRequest(t, pdu(0x10, 0, 4, 0, 2, 4, 0, 1, 0xab, 0xcd)))).toBe('1000040002')
    expect(t.writes).toEqual([
      { table: 'coil', address: 3, values: [1] },
      { table: 'coil', address: 0, values: [1, 0, 1] },
      { table: 'holding', address: 4, values: [1, 0xabcd] },
    ])
  })

  it('streams Read Device Identification; an unknown object id restarts at object 0', () => {
    const basic = handleRequest(target(), pdu(0x2b, 0x0e, 1, 0))
    expect(hex(basic.subarray(0, 7))).toBe('2b0e0182000003')
    expect(basic.subarray(7).toString('latin1')).toBe('\x00\x04ACME\x01\x02X1\x02\x032.0')
    expect(hex(handleRequest(target(), pdu(0x2b, 0x0e, 1, 0x55)))).toBe(hex(basic))
    const regular = handleRequest(target(), pdu(0x2b, 0x0e, 2, 0))
    expect(regular[6]).toBe(4)
    const individual = handleRequest(target(), pdu(0x2b, 0x0e, 4, 5))
    expect(individual.subarray(7).toString('latin1')).toBe('\x05\x06X1-Pro')
    expect(hex(handleRequest(target(), pdu(0x2b, 0x0e, 4, 0x55)))).toBe('ab02')
  })

  it('reports its server id: byte count, id, run indicator, additional data; a server without one answers illegal function', () => {
    const reporting = { ...target(), reportServerId: () => ({ serverId: [7], running: true, additional: Buffer.from('ACME X1') }) }
    expect(hex(handleRequest(reporting, pdu(0x11)))).toBe('1109' + '07' + 'ff' + Buffer.from('ACME X1').toString('hex'))
    const stopped = { ...target(), reportServerId: () => ({ serverId: [1, 2], running: false, additional: new Uint8Array() }) }
    expect(hex(handleRequest(stopped, pdu(0x11)))).toBe('1103010200')
    expect(hex(handleRequest(target(), pdu(0x11)))).toBe('9101')
    expect(hex(handleRequest({ ...target(), reportServerId: () => undefined }, pdu(0x11)))).toBe('9101')
  })

  it('keeps a server id answer within one PDU (253 bytes)', () => {
    const long = { ...target(), reportServerId: () => ({ serverId: [7], running: true, additional: new Uint8Array(300).fill(0x41) }) }
    const answer = handleRequest(long, pdu(0x11))
    expect(answer).toHaveLength(253)
    expect(answer[1]).toBe(251)
  })

  it('a Report Server ID request frame is four bytes on a serial line', () => {
    expect(rtuRequestLength(rtuFrame(5, pdu(0x11)))).toBe(4)
  })
})
