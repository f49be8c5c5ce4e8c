import type { Table } from './types.ts'

/** A device's data model: four sparse tables of bits and 16-bit registers. */
export class RegisterImage {
  private readonly tables: Record<Table, Map<number, number>> = {
    coil: new Map(),
    discrete: new Map(),
    holding: new Map(),
    input: new Map(),
  }

  static from(spec: Partial<Record<Table, Record<string, readonly number[]>>>): RegisterImage {
    const image = new RegisterImage()
    for (const [table, starts] of Object.entries(spec) as [Table, Record<string, readonly number[]>][]) {
      for (const [start, values] of Object.entries(starts)) image.write(table, Number(start), values)
    }
    return image
  }

  has(table: Table, address: number): boolean {
    return this.tables[table].has(address)
  }

  get(table: Table, address: number): number | undefined {
    return this.tables[table].get(address)
  }

  /** Values of `count` addresses; undefined when any of them is not in the image. */
  read(table: Table, address: number, count: number): number[] | undefined {
    const map = this.tables[table]
    const out = new Array<number>(count)
    for (let i = 0; i < count; i++) {
      const value = map.get(address + i)
      if (value === undefined) return undefined
      out[i] = value
    }
    return out
  }

  write(table: Table, address: number, values: readonly number[]): void {
    const map = this.tables[table]
    const isBit = table === 'coil' || table === 'discrete'
    values.forEach((value, i) => map.set(address + i, isBit ? (value ? 1 : 0) : value & 0xffff))
  }

  addresses(table: Table): number[] {
    return [...this.tables[table].keys()].sort((a, b) => a - b)
  }

  clone(): RegisterImage {
    const copy = new RegisterImage()
    for (const table of Object.keys(this.tables) as Table[]) {
      for (const [address, value] of this.tables[table]) copy.tables[table].set(address, value)
    }
    return copy
  }
}
