import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compileProfile, decodeChannels, DecodedChannels, decodeImage, loadLibrary, type CompiledProfile, type Profile, type Reading,
} from '../../hardware-profiles/index.ts'
import {
  BlockImage, decodeRegisters, encodeRegisters, isBitTable, isPlausibleFloat, RegisterImage, WORD_ORDERS,
  type ReadBlock, type RegisterView, type Table, type WordOrder,
} from '../../protocols/modbus/index.ts'
import { GAS_PROFILE, METHANE_ABCD_PROFILE, profileFromYaml } from '../support/profiles.ts'

const library = loadLibrary()

/** decodeImage's readings, or the message it threw. */
function outcome(compiled: CompiledProfile, image: RegisterView, partial: boolean): Record<string, Reading> | string {
  try {
    return decodeImage(compiled, image, { partial })
  } catch (error) {
    return `threw ${(error as Error).message}`
  }
}

/** The same answers as a RegisterImage and as the BlockImage a poll builds; `missing` blocks unanswered. */
function bothImages(blocks: readonly ReadBlock[], values: (block: ReadBlock) => number[], missing = new Set<number>()): [RegisterImage, BlockImage] {
  const registers = new RegisterImage()
  const inPlace = new BlockImage()
  blocks.forEach((block, i) => {
    if (missing.has(i)) return
    const answer = values(block)
    registers.write(block.table, block.address, answer)
    inPlace.write(block.table, block.address, answer)
  })
  return [registers, inPlace]
}

/** A block's registers from a vector, 0 where the vector says nothing (planner gaps). */
const fromVector = (image: RegisterImage) => (block: ReadBlock) =>
  Array.from({ length: block.count }, (_, i) => image.get(block.table, block.address + i) ?? 0)

describe('decoding from the answers in place (BlockImage)', () => {
  it('gives what a RegisterImage gives, for every library profile and vector, every block answered or one missing', () => {
    let compared = 0
    for (const profile of library) {
      const compiled = compileProfile(profile)
      const { blocks } = compiled.plan
      for (const vector of profile.vectors) {
        const source = RegisterImage.from(vector.registers)
        for (let drop = -1; drop < blocks.length; drop++) {
          const [registers, inPlace] = bothImages(blocks, fromVector(source), new Set([drop]))
          for (const partial of [true, false]) {
            expect(outcome(compiled, inPlace, partial), `${profile.id} ${vector.name} without block ${drop}`).toEqual(outcome(compiled, registers, partial))
            compared++
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(200)
  })

  it('property: any register values decode alike from both images, and a reused DecodedChannels remembers nothing it should not', () => {
    const profiles = library.filter((p) => p.transports.includes('tcp')).slice(0, 12)
    const reused = new Map(profiles.map((p) => [p.id, new DecodedChannels(compileProfile(p))]))
    // few distinct values, so the remembered engineering values are hit often; some of them fault or sentinel patterns
    const word = fc.oneof(fc.constantFrom(0, 1, 2, 10, 0x8000, 0xffff, 0x7fff, 0x3f80), fc.integer({ min: 0, max: 0xffff }))
    fc.assert(fc.property(fc.constantFrom(...profiles), fc.array(word, { minLength: 64, maxLength: 64 }), fc.integer({ min: -1, max: 5 }), (profile, words, drop) => {
      const out = reused.get(profile.id)!
      const compiled = out.profile
      const { blocks } = compiled.plan
      const values = (block: ReadBlock) => Array.from({ length: block.count }, (_, i) => (isBitTable(block.table) ? words[(block.address + i) % 64]! & 1 : words[(block.address + i) % 64]!))
      const [registers, inPlace] = bothImages(blocks, values, new Set([drop]))
      const expected = outcome(compiled, registers, true)
      expect(outcome(compiled, inPlace, true)).toEqual(expected)
      decodeChannels(compiled, inPlace, true, out)
      expect(out.readings()).toEqual(expected)
    }), { numRuns: 400 })
  })

  it('never remembers a zero: -0 and 0 keep their sign from one decode to the next', () => {
    const gas = profileFromYaml(GAS_PROFILE)
    const lel = gas.channels.find((c) => c.id === 'lel')!
    // one unscaled float64: its engineering value is the raw value itself, sign of zero included
    const profile: Profile = { ...gas, channels: [{ ...lel, type: 'float64', scale: undefined, invalid: undefined, range: undefined }], quality: [] }
    const compiled = compileProfile(profile)
    const out = new DecodedChannels(compiled)
    const image = (hi: number) => RegisterImage.from({ input: { 0: [hi, 0, 0, 0] } })
    decodeChannels(compiled, image(0x8000), true, out)
    expect(Object.is(out.readings().lel!.value, -0)).toBe(true)
    decodeChannels(compiled, image(0), true, out)
    expect(Object.is(out.readings().lel!.value, 0)).toBe(true)
  })

  it('without partial, a register missing from the image throws, naming the channel', () => {
    const compiled = compileProfile(profileFromYaml(GAS_PROFILE))
    const image = new BlockImage()
    image.write('input', 0, [12, 209, 0, 2])
    expect(() => decodeImage(compiled, image)).toThrow(/channel signature: holding 20\.\.20 not in the register image/u)
    expect(decodeImage(compiled, image, { partial: true }).signature).toBeUndefined()
  })
})

describe('compiled channel indices', () => {
  it('lists the channels in profile order, with their exponent and quality-rule indices', () => {
    const profile = library.find((p) => p.channels.some((c) => c.decimalsFrom))!
    const compiled = compileProfile(profile)
    expect(compiled.list.map((c) => c.channel.id)).toEqual([...compiled.channels.keys()])
    compiled.list.forEach((c, i) => {
      expect(c.index).toBe(i)
      expect(c.decimalsIndex).toBe(c.channel.decimalsFrom ? compiled.list.findIndex((x) => x.channel.id === c.channel.decimalsFrom) : -1)
      expect([c.table, c.address, c.count]).toEqual([c.point.table, c.point.address, c.point.count])
    })
    expect(compiled.list.some((c) => c.decimalsIndex >= 0)).toBe(true)
    expect(() => decodeChannels(compileProfile(profile), new BlockImage(), true, new DecodedChannels(compiled))).toThrow(RangeError)
    const gas = compileProfile(profileFromYaml(GAS_PROFILE))
    const id = (i: number) => gas.list[i]!.channel.id
    expect(gas.qualityRuleIndices.map((r) => [id(r.status), r.targets.map(id)])).toEqual([['fault', ['lel', 'o2']], ['run_state', ['lel', 'o2']]])
  })

  it('a decimal exponent naming no channel is a device fault of that reading, as before', () => {
    const gas = profileFromYaml(GAS_PROFILE)
    const broken: Profile = { ...gas, channels: gas.channels.map((c) => (c.id === 'o2' ? { ...c, decimalsFrom: 'nowhere' } : c)) }
    const compiled = compileProfile(broken)
    expect(compiled.channels.get('o2')!.decimalsIndex).toBe(-2)
    const readings = decodeImage(compiled, RegisterImage.from({ input: { 0: [12, 209, 0, 2] }, holding: { 20: [0x4731] } }))
    expect(readings.o2).toEqual({ value: null, quality: 'device-fault', reason: 'decimal-point channel nowhere is not in the profile' })
    expect(readings.lel).toEqual({ value: 1.2, quality: 'good' })
  })

  it('tables of the plan are the channels\' tables', () => {
    for (const profile of library.slice(0, 10)) {
      const compiled = compileProfile(profile)
      for (const c of compiled.list) expect(c.bool).toBe(c.channel.type === 'bool' && (['coil', 'discrete'] as Table[]).includes(c.table))
    }
  })
})

describe('a float register read in the wrong word order', () => {
  const profile = profileFromYaml(METHANE_ABCD_PROFILE)
  const compiled = compileProfile(profile)
  const cdab = (value: number) => encodeRegisters({ type: 'float32', order: 'CDAB' }, value)

  it('reads out-of-range with no value, naming the word order that decodes a value in range (was: 9.1e-33, good)', () => {
    const readings = decodeImage(compiled, RegisterImage.from({ input: { 0: cdab(0.42) }, holding: { 10: cdab(1), 30: [0x4D48] } }))
    expect(readings.ch4).toEqual({ value: null, quality: 'out-of-range', reason: 'implausible float 9.1e-33: check the word order (CDAB decodes 0.42, BADC decodes 0.0338967)' })
    expect(readings.alarm_set).toEqual({ value: null, quality: 'out-of-range', reason: 'implausible float 2.3e-41: check the word order (CDAB decodes 1)' })
    expect(readings.model).toEqual({ value: 0x4D48, quality: 'good' })
  })

  it('the same from the answers in place, as a poll decodes them', () => {
    const image = new BlockImage()
    image.write('input', 0, cdab(0.42))
    image.write('holding', 10, cdab(1))
    const out = new DecodedChannels(compiled)
    decodeChannels(compiled, image, true, out)
    expect(out.readings().ch4!.quality).toBe('out-of-range')
    expect(out.readings().ch4!.value).toBeNull()
  })

  const plausible = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).filter(isPlausibleFloat)
  const unscaled: Profile = { ...profile, channels: profile.channels.map((c) => ({ ...c, range: undefined, writable: undefined })) }

  it('property: any plausible float32 (or exactly 0) read in the order it was sent is good and reads as sent', () => {
    fc.assert(fc.property(plausible, fc.constantFrom(...WORD_ORDERS), (value, order) => {
      const channels = unscaled.channels.map((c) => (c.type === 'float32' ? { ...c, order } : c))
      const inOrder = compileProfile({ ...unscaled, channels })
      const image = new RegisterImage()
      image.write('input', 0, encodeRegisters({ type: 'float32', order }, value))
      image.write('holding', 10, [0, 0])
      image.write('holding', 30, [0x4D48])
      const reading = decodeImage(inOrder, image).ch4!
      expect(reading.quality).toBe('good')
      expect(reading.value).toBe(Number(Math.fround(value).toPrecision(7)))
    }), { numRuns: 1000 })
  })

  it('property: a plausible float32 sent in another order that reads implausible is out-of-range, naming the order it was sent in', () => {
    let hits = 0
    const abcd = compileProfile(unscaled)
    fc.assert(fc.property(plausible, fc.constantFrom<WordOrder>('CDAB', 'BADC', 'DCBA'), (value, sent) => {
      const words = encodeRegisters({ type: 'float32', order: sent }, value)
      const read = decodeRegisters({ type: 'float32', order: 'ABCD' }, words) as number
      const reading = decodeImage(abcd, RegisterImage.from({ input: { 0: words }, holding: { 10: [0, 0], 30: [1] } })).ch4!
      if (!Number.isFinite(read)) return
      if (isPlausibleFloat(read)) {
        expect(reading.quality).toBe('good')
        return
      }
      hits++
      expect(reading.quality).toBe('out-of-range')
      expect(reading.value).toBeNull()
      expect(reading.reason).toContain(`${sent} decodes ${Number(Math.fround(value).toPrecision(6))}`)
    }), { numRuns: 2000 })
    expect(hits).toBeGreaterThan(100)
  })
})
