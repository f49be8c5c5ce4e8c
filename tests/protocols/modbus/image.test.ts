import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BlockImage, RegisterImage, type RegisterView, type Table } from '../../../protocols/modbus/index.ts'

const TABLES: readonly Table[] = ['coil', 'discrete', 'holding', 'input']

/** What `locate` found, copied out (located is only valid until the next call). */
function located(view: RegisterView, table: Table, address: number, count: number): number[] | undefined {
  const at = view.locate(table, address, count)
  return at < 0 ? undefined : Array.from({ length: count }, (_, i) => view.located[at + i]!)
}

const write = fc.record({
  table: fc.constantFrom(...TABLES),
  address: fc.integer({ min: 0, max: 40 }),
  // registers outside 16 bits and bits other than 0/1 too: both images must store them the same way
  values: fc.array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -70000, max: 140000 }), fc.constantFrom(0, 1, 2)), { minLength: 1, maxLength: 12 }),
})
const read = fc.record({ table: fc.constantFrom(...TABLES), address: fc.integer({ min: 0, max: 50 }), count: fc.integer({ min: 1, max: 8 }) })

describe('RegisterImage.locate', () => {
  it('finds consecutive addresses, or -1 when any is missing', () => {
    const image = RegisterImage.from({ holding: { 10: [1, 2, 3] }, coil: { 0: [1, 0, 1] } })
    expect(located(image, 'holding', 11, 2)).toEqual([2, 3])
    expect(located(image, 'coil', 0, 3)).toEqual([1, 0, 1])
    expect(image.locate('holding', 12, 2)).toBe(-1)
    expect(image.locate('input', 10, 1)).toBe(-1)
  })
})

describe('BlockImage', () => {
  it('reads in place from the block that holds the range', () => {
    const image = new BlockImage()
    image.write('input', 0, [10, 11, 12, 13])
    image.write('holding', 20, [0x4731])
    const at = image.locate('input', 2, 2)
    expect(at).toBe(2)
    expect([image.located[at], image.located[at + 1]]).toEqual([12, 13])
    expect(image.read('holding', 20, 1)).toEqual([0x4731])
    expect(image.get('input', 3)).toBe(13)
    expect(image.locate('input', 3, 2)).toBe(-1)
    expect(image.locate('coil', 0, 1)).toBe(-1)
  })

  it('keeps its own copy, stored as RegisterImage stores it: bits 0/1, registers 16-bit', () => {
    const image = new BlockImage()
    const reply = [1, 0x1_0002, -1]
    image.write('holding', 0, reply)
    reply[0] = 99
    expect(image.read('holding', 0, 3)).toEqual([1, 2, 0xffff])
    image.write('coil', 0, [2, 0, 1])
    expect(image.read('coil', 0, 3)).toEqual([1, 0, 1])
  })

  it('lets a later block win where blocks overlap, and joins a range spread over several blocks', () => {
    const image = new BlockImage()
    image.write('holding', 0, [1, 2, 3, 4])
    image.write('holding', 2, [30, 40, 50])
    expect(image.read('holding', 0, 5)).toEqual([1, 2, 30, 40, 50])
    expect(image.read('holding', 1, 2)).toEqual([2, 30])
    image.write('holding', 5, [60])
    expect(image.read('holding', 3, 3)).toEqual([40, 50, 60])
    expect(image.read('holding', 4, 3)).toBeUndefined()
  })

  it('reads exactly what a RegisterImage written with the same blocks in the same order reads', () => {
    fc.assert(fc.property(fc.array(write, { maxLength: 8 }), fc.array(read, { minLength: 1, maxLength: 20 }), (writes, reads) => {
      const blocks = new BlockImage()
      const reference = new RegisterImage()
      for (const w of writes) {
        blocks.write(w.table, w.address, w.values)
        reference.write(w.table, w.address, w.values)
      }
      for (const r of reads) {
        expect(blocks.read(r.table, r.address, r.count)).toEqual(reference.read(r.table, r.address, r.count))
        expect(located(blocks, r.table, r.address, r.count)).toEqual(located(reference, r.table, r.address, r.count))
      }
    }), { numRuns: 500 })
  })
})
