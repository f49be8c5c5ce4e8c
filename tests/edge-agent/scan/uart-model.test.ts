import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { carry } from './uart-model.ts'
import type { SerialSetting } from '../../../edge-agent/src/scan/settings.ts'

const at = (baud: number, parity: SerialSetting['parity'] = 'none', stopBits: 1 | 2 = 1): SerialSetting => ({ baud, parity, stopBits })
const bytes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 40 })

describe('the modelled UART (what the scanner is tested against where a pty carries anything)', () => {
  it('carries every byte intact between ends with the same setting', () => {
    fc.assert(fc.property(bytes, fc.constantFrom(at(9600), at(19200, 'even'), at(2400, 'odd'), at(115200, 'none', 2)), (data, setting) => {
      expect(carry(data, setting, setting)).toEqual({ bytes: data, errors: 0 })
    }))
  })

  it('garbles a frame sent at another baud', () => {
    const frame = [0x11, 0x03, 0x00, 0x00, 0x00, 0x01, 0x86, 0x9a]
    for (const [from, to] of [[9600, 19200], [19200, 9600], [9600, 4800], [115200, 1200], [1200, 115200]] as const) {
      const heard = carry(frame, at(from), at(to))
      expect(heard.errors > 0 || heard.bytes.join() !== frame.join(), `${from} → ${to}`).toBe(true)
    }
  })

  it('flags characters whose parity bit lands where a receiver without parity wants its stop bit', () => {
    // even parity of 0x03 is 0: an 8N1 receiver reads that 0 as its stop bit
    expect(carry([0x03], at(9600, 'even'), at(9600, 'none')).errors).toBe(1)
    expect(carry([0x01], at(9600, 'even'), at(9600, 'none')).errors).toBe(0)
  })

  it('flags a wrong parity bit', () => {
    expect(carry([0x01], at(9600, 'odd'), at(9600, 'even')).errors).toBeGreaterThan(0)
    expect(carry([0x01, 0x02], at(9600, 'none'), at(9600, 'even')).errors).toBeGreaterThan(0)
  })
})
