import { describe, expect, it } from 'vitest'
import { encodeRegisters, ModbusCodecError, type WordOrder } from '../../../protocols/modbus/index.ts'
import { judgeFloatOrders } from '../../../edge-agent/src/word-order/index.ts'

const sent = (value: number, order: WordOrder) => encodeRegisters({ type: 'float32', order }, value)
const reads = (values: number[], order: WordOrder) => values.map((v) => sent(v, order))

describe('judgeFloatOrders: plausibility', () => {
  it('believes CDAB for 0.73 sent word-swapped, and says why the others are not', () => {
    const judgement = judgeFloatOrders(reads([0.73, 0.73, 0.73], 'CDAB'), '%CH4')
    expect(judgement.believed).toBe('CDAB')
    expect(judgement.orders.CDAB).toMatchObject({ plausible: true, stable: true, problems: [] })
    expect(judgement.orders.ABCD).toMatchObject({ plausible: false, problems: ['outside-unit-range'] })
    expect(judgement.orders.BADC).toMatchObject({ plausible: false, problems: ['outside-unit-range'] })
    expect(judgement.why).toBe(
      "CDAB: 0.73 in every read, within 0–100 %CH4; ABCD reads -2.3e+20 (outside 0–100 %CH4), BADC 460000 (outside 0–100 %CH4), "
      + "DCBA 0.000729693 in every read (plausible too, but 8 significant digits to CDAB's 2)",
    )
  })

  it('without a unit, rejects absurd magnitudes: above 1e9 and below 1e-6', () => {
    const judgement = judgeFloatOrders(reads([0.7312847], 'ABCD'))
    expect(judgement.orders.CDAB.problems).toEqual(['too-small'])
    expect(judgement.orders.DCBA.problems).toEqual(['too-large'])
  })

  it('names denormals and NaN', () => {
    const denormal = judgeFloatOrders([[0x0000, 0x3f3a]])
    expect(denormal.orders.ABCD.problems).toEqual(['denormal'])
    expect(denormal.orders.CDAB.plausible).toBe(true)
    const nan = judgeFloatOrders([[0xffff, 0xffff], [0xffff, 0xffff]])
    expect(Object.values(nan.orders).map((o) => o.problems)).toEqual([['not-finite'], ['not-finite'], ['not-finite'], ['not-finite']])
    expect(nan.believed).toBeUndefined()
    expect(nan.why).toMatch(/^no order reads a plausible, steady value: ABCD reads NaN \(not a number\).*check the table, the address and that it is a float32$/u)
  })

  it('holds no belief for registers that read 0, and says 0 reads 0 in every order', () => {
    const judgement = judgeFloatOrders([[0, 0], [0, 0], [0, 0]], '%LEL')
    expect(judgement.believed).toBeUndefined()
    expect(Object.values(judgement.orders).every((o) => o.plausible && o.values.every((v) => v === 0))).toBe(true)
    expect(judgement.why).toContain('0 reads 0 in every order')
  })

  it('takes a reading of 0 among others as no evidence against an order', () => {
    const judgement = judgeFloatOrders(reads([0, 0.73, 0, 0.74], 'ABCD'), '%LEL')
    expect(judgement.orders.ABCD).toMatchObject({ plausible: true, stable: true })
    expect(judgement.believed).toBe('ABCD')
  })

  it('holds no belief when the bytes read the same in every order', () => {
    const judgement = judgeFloatOrders([[0x4141, 0x4141]])
    expect(judgement.believed).toBeUndefined()
    expect(judgement.why).toBe('ABCD, CDAB, BADC and DCBA read the same 12.0784: these bytes cannot tell the order; read them while the value changes')
  })

  it('refuses reads that are not two registers', () => {
    expect(() => judgeFloatOrders([])).toThrow(ModbusCodecError)
    expect(() => judgeFloatOrders([[1, 2, 3]])).toThrow(/two registers/u)
    expect(() => judgeFloatOrders([[1, 0x10000]])).toThrow(/two registers/u)
  })
})

describe('judgeFloatOrders: stability and the clearly best order', () => {
  it('marks an order that jumps by orders of magnitude between reads unstable', () => {
    const judgement = judgeFloatOrders(reads([0.7312847, 0.7312947, 0.7313047], 'ABCD'))
    expect(judgement.orders.ABCD.stable).toBe(true)
    expect(judgement.orders.DCBA.stable).toBe(false)
  })

  it('of two plausible steady orders believes the one that changes far less between reads', () => {
    const judgement = judgeFloatOrders(reads([0.7312847, 0.7312947, 0.7313047], 'ABCD'))
    expect(judgement.orders.BADC).toMatchObject({ plausible: true, stable: true })
    expect(judgement).toMatchObject({ believed: 'ABCD', basis: 'steadiest' })
    expect(judgement.why).toContain('BADC 0.00291641 to 0.00292642 over 3 reads (plausible too, but changes 250× more between reads)')
  })

  it('of plausible orders that never change believes the one alone reading a short decimal', () => {
    const judgement = judgeFloatOrders(reads([0.73, 0.73], 'CDAB'))
    expect(['BADC', 'DCBA'].map((o) => judgement.orders[o as WordOrder].plausible)).toEqual([true, true])
    expect(judgement).toMatchObject({ believed: 'CDAB', basis: 'short-decimal' })
  })

  it('holds no belief between plausible orders that never change and read long decimals, and says what would tell them apart', () => {
    const judgement = judgeFloatOrders(reads([0.7312847, 0.7312847], 'ABCD'))
    expect(judgement.believed).toBeUndefined()
    expect(judgement.why).toBe(
      'ABCD and BADC are both plausible and steady (ABCD 0.731285 in every read, BADC 0.00292165 in every read); '
      + 'name the unit, or read them while the value changes to tell them apart; CDAB reads 9.3e-7 (too small), DCBA 5.9e+34 (too large)',
    )
  })

  it('with a unit, treats changes below 1 % of its range as noise, not jumps (a reading around 0)', () => {
    const noisyZero = reads([0.02, -0.01, 0.01], 'ABCD')
    expect(judgeFloatOrders(noisyZero, 'degC').orders.ABCD.stable).toBe(true)
    expect(judgeFloatOrders(noisyZero).orders.ABCD.stable).toBe(false)
  })

  it('believes the only plausible order from a single read, and says the value without "every read"', () => {
    const judgement = judgeFloatOrders(reads([21.5], 'DCBA'), 'degC')
    expect(judgement).toMatchObject({ believed: 'DCBA', basis: 'only-candidate' })
    expect(judgement.why).toMatch(/^DCBA: 21\.5, within -273\.15–3000 degC; /u)
  })
})

describe('a drifting float whose two low bytes both change', () => {
  // pymodbus serving 0.736 in CDAB, read 250 ms apart while it drifts: DCBA reads 0.0117, only 4× less steady
  const drifting = [[26035, 16188], [30012, 16188], [33955, 16188]]

  it('is believed in the order that changes smoothly while the byte-swapped one zigzags', () => {
    const judgement = judgeFloatOrders(drifting)
    expect(judgement.believed).toBe('CDAB')
    expect(judgement.basis).toBe('smooth')
    expect(judgement.why).toMatch(/DCBA .*zigzags/u)
    // five reads 200 ms apart: DCBA only 15× less steady, and moving the same way most of the time
    const five = [[41732, 16188], [44452, 16188], [47072, 16188], [49636, 16188], [52166, 16188]]
    expect(judgeFloatOrders(five)).toMatchObject({ believed: 'CDAB', basis: 'smooth' })
  })

  it('is not believed from two reads, nor when the steadier order is the one going back and forth', () => {
    expect(judgeFloatOrders(drifting.slice(0, 2)).believed).toBeUndefined()
    // the same low words in another sequence: CDAB now noisy (up, down), so smoothness decides nothing
    expect(judgeFloatOrders([[26035, 16188], [33955, 16188], [30012, 16188]]).believed).toBeUndefined()
  })
})
