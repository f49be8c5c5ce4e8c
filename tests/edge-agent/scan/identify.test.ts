import { describe, expect, it } from 'vitest'
import { loadLibrary } from '../../../hardware-profiles/index.ts'
import { ILLEGAL_DATA_ADDRESS, ILLEGAL_FUNCTION, ModbusExceptionError, ModbusTimeoutError, type DeviceIdentity, type Table } from '../../../protocols/modbus/index.ts'
import type { ModbusRequest } from '../../../edge-agent/src/modbus/master.ts'
import { identifyDevice, type Transact } from '../../../edge-agent/src/scan/identify.ts'
import { floatsIn } from '../../../edge-agent/src/scan/floats.ts'
import { matchIdentity, matchSignatures, signatureReads } from '../../../edge-agent/src/scan/profile-match.ts'
import { preferFactoryFraming } from '../../../edge-agent/src/scan/tie-break.ts'

const library = loadLibrary()
const noPause = async () => {}

/** A device as a map of registers, with the identification answers it gives. */
function device(registers: Partial<Record<Table, Record<number, number>>>, answers: { identity?: DeviceIdentity; serverId?: boolean } = {}) {
  const asked: ModbusRequest[] = []
  const transact: Transact = async (request: ModbusRequest) => {
    asked.push(request)
    if (request.kind === 'identify') {
      if (!answers.identity) throw new ModbusExceptionError(ILLEGAL_FUNCTION, 0x2b, '')
      return answers.identity
    }
    if (request.kind === 'report-server-id') {
      if (!answers.serverId) throw new ModbusTimeoutError(100, '')
      return { serverId: [request.unit], running: true, additional: [], text: 'ACME', data: [request.unit, 0xff] }
    }
    if (request.kind !== 'read') throw new Error('no writes in a scan')
    const table = registers[request.table] ?? {}
    const words: number[] = []
    for (let a = request.address; a < request.address + request.count; a++) {
      if (table[a] === undefined) throw new ModbusExceptionError(ILLEGAL_DATA_ADDRESS, 3, '')
      words.push(table[a]!)
    }
    return words
  }
  return { transact, asked }
}

describe('matching a device to the profile library', () => {
  it('names the profile whose FC 43/14 vendor and product code the device reports', () => {
    const matches = matchIdentity(library, { vendorName: 'Generic', productCode: 'GTQ-LEL100', revision: '1.3' })
    expect(matches.map((m) => m.profile)).toEqual(['generic-gtq-lel100-combustible'])
    expect(matches[0]!.evidence).toContain('GTQ-LEL100')
    expect(matchIdentity(library, { vendorName: 'Generic', productCode: 'NOPE' })).toEqual([])
  })

  it('reads each signature block once and names every profile whose signature holds', () => {
    const reads = signatureReads(library)
    expect(new Set(reads.map((r) => `${r.table}${r.address}${r.count}`)).size).toBe(reads.length)
    const matches = matchSignatures(library, (block) => (block.table === 'holding' && block.address === 100 ? [0x4743, 0x0004] : undefined))
    expect(matches.map((m) => m.profile)).toEqual(['ccri-gjc4-catalytic-methane'])
    expect(matches[0]!.evidence).toBe('signature holding 100 = 0x4743 0x0004')
  })
})

describe('identifying a found device', () => {
  it('stops at FC 43/14 when it names a profile', async () => {
    const d = device({}, { identity: { vendorName: 'Generic', productCode: 'GTQ-LEL100', revision: '1.3' } })
    const id = await identifyDevice(d.transact, 1, library, 100, noPause)
    expect(id.matches.map((m) => m.profile)).toEqual(['generic-gtq-lel100-combustible'])
    expect(d.asked.map((r) => r.kind)).toEqual(['identify'])
    expect(d.asked[0]).toMatchObject({ objects: 'regular' })
  })

  it('falls back to FC 17 and the signatures, saying what each question got', async () => {
    const d = device({ holding: { 100: 0x4743, 101: 0x0004 } }, { serverId: true })
    const id = await identifyDevice(d.transact, 17, library, 100, noPause)
    expect(id.matches.map((m) => m.profile)).toEqual(['ccri-gjc4-catalytic-methane'])
    expect(id.serverId?.text).toBe('ACME')
    expect(id.asked[0]).toBe('FC 43/14: exception 01 (not supported)')
    expect(id.asked[1]).toMatch(/^FC 17: server id 0x11, running/u)
    expect(id.floats).toEqual([])
  })

  it('searches an unknown device for floats and says which word order it believes', async () => {
    // 0.73 as float32 is 0x3F3AE148; CDAB sends the low word first
    const d = device({ holding: { 0: 0xe148, 1: 0x3f3a, 2: 0x0001, 3: 0x0000 } })
    const id = await identifyDevice(d.transact, 200, library, 100, noPause)
    expect(id.matches).toEqual([])
    expect(id.floats).toHaveLength(1)
    expect(id.floats[0]).toMatchObject({ table: 'holding', address: 0, order: 'CDAB' })
    expect(id.floats[0]!.value).toBeCloseTo(0.73, 5)
    expect(id.floats[0]!.why).toContain('CDAB')
  })
})

describe('floats in a block', () => {
  it('finds a float in each of the orders and skips the pair that straddles it', () => {
    const words = { ABCD: [0x4148, 0x0000], CDAB: [0x0000, 0x4148], BADC: [0x4841, 0x0000], DCBA: [0x0000, 0x4841] } // 12.5
    for (const [order, pair] of Object.entries(words)) {
      const found = floatsIn('input', 10, [[7, ...pair, 7], [7, ...pair, 7]])
      expect(found.map((f) => `${f.address}:${f.order}`), order).toEqual([`11:${order}`])
    }
  })

  it('finds nothing in small integers', () => {
    expect(floatsIn('holding', 0, [[0, 1, 2, 3, 50, 100, 0xffff, 0x8000]])).toEqual([])
  })
})

describe('a framing the line cannot tell apart', () => {
  const at = (parity: 'none' | 'even' | 'odd', stopBits: 1 | 2 = 1) => ({ baud: 19200, parity, stopBits })
  const tied = (unit: number, profile?: string) => ({
    unit, setting: at('even'), alsoAt: [at('none'), at('odd'), at('none', 2)],
    matches: profile ? [{ profile, evidence: '' }] : [], settingNote: 'answers alike',
  })

  it('is taken from the factory settings of the matched profiles, the same for every tied device', () => {
    const devices = preferFactoryFraming([tied(1, 'ccri-gjc4-catalytic-methane'), tied(5, 'generic-gq-ec-h2s'), tied(200)], library)
    expect(devices.map((d) => `${d.unit}:${d.setting.parity}${d.setting.stopBits}`)).toEqual(['1:none1', '5:none1', '200:none1'])
    expect(devices[0]!.alsoAt).toContainEqual(at('even'))
    expect(devices[0]!.settingNote).toMatch(/factory/u)
  })

  it('moves a device the sweep found at the tied framing with the devices it was found beside', () => {
    const swept = { unit: 17, setting: at('even'), alsoAt: [], matches: [{ profile: 'ccri-gjc4-catalytic-methane', evidence: '' }], swept: true as const }
    const confirmed = { ...swept, unit: 3, swept: undefined }
    const devices = preferFactoryFraming([tied(1, 'generic-gtq-lel100-combustible'), swept, confirmed], library)
    expect(devices.map((d) => `${d.unit}:${d.setting.parity}`)).toEqual(['1:none', '17:none', '3:even'])
  })

  it('stays with the scan order when no matched profile says', () => {
    const devices = preferFactoryFraming([tied(200)], library)
    expect(devices[0]!.setting).toEqual(at('even'))
  })
})
