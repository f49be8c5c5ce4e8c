import type { Table } from './types.ts'

/**
 * Read access to registers (or bits) without copying them: what decoding needs.
 * `locate` finds `count` consecutive addresses of `table` and returns the index of the first in
 * {@link located}, or -1 when any of them is missing; `located` is only valid until the next call.
 */
export interface RegisterView {
  locate(table: Table, address: number, count: number): number
  readonly located: ArrayLike<number>
}

const NONE: readonly number[] = []

/** A device's data model: four sparse tables of bits and 16-bit registers. */
export class RegisterImage implements RegisterView {
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

  located: ArrayLike<number> = NONE
  private scratch: number[] = []

  locate(table: Table, address: number, count: number): number {
    const map = this.tables[table]
    if (count > this.scratch.length) this.scratch = new Array<number>(count)
    const out = this.scratch
    for (let i = 0; i < count; i++) {
      const value = map.get(address + i)
      if (value === undefined) return -1
      out[i] = value
    }
    this.located = out
    return 0
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

/**
 * The answers of one poll, each block kept as it came (one array per read), read in place: what the
 * poll loop decodes from, instead of copying every register into a {@link RegisterImage}. It reads
 * exactly as a RegisterImage written with the same blocks in the same order would: bits are 0/1,
 * registers 16-bit, and where two blocks overlap the later one holds the address.
 */
export class BlockImage implements RegisterView {
  private readonly tables: Table[] = []
  private readonly starts: number[] = []
  private readonly blocks: number[][] = []
  located: ArrayLike<number> = NONE
  private scratch: number[] = []

  /** Keep one block's values (copied, bits as 0/1, registers masked to 16 bits, as RegisterImage.write stores them). */
  write(table: Table, address: number, values: readonly number[]): void {
    const isBit = table === 'coil' || table === 'discrete'
    const count = values.length
    const copy = new Array<number>(count)
    if (isBit) for (let i = 0; i < count; i++) copy[i] = values[i] ? 1 : 0
    else for (let i = 0; i < count; i++) copy[i] = values[i]! & 0xffff
    this.tables.push(table)
    this.starts.push(address)
    this.blocks.push(copy)
  }

  locate(table: Table, address: number, count: number): number {
    const end = address + count
    // the last block that touches the range decides: if it holds all of it, read it there
    for (let b = this.blocks.length - 1; b >= 0; b--) {
      if (this.tables[b] !== table) continue
      const start = this.starts[b]!
      const values = this.blocks[b]!
      if (address >= start && end <= start + values.length) {
        this.located = values
        return address - start
      }
      if (address < start + values.length && end > start) return this.gather(table, address, count)
    }
    return -1
  }

  /** Values of `count` addresses; undefined when any of them is not here (as RegisterImage.read). */
  read(table: Table, address: number, count: number): number[] | undefined {
    const at = this.locate(table, address, count)
    if (at < 0) return undefined
    return Array.from({ length: count }, (_, i) => this.located[at + i]!)
  }

  get(table: Table, address: number): number | undefined {
    const at = this.locate(table, address, 1)
    return at < 0 ? undefined : this.located[at]
  }

  /** A range spread over several blocks: address by address, the latest block holding each. */
  private gather(table: Table, address: number, count: number): number {
    if (count > this.scratch.length) this.scratch = new Array<number>(count)
    const out = this.scratch
    for (let i = 0; i < count; i++) {
      const a = address + i
      let found = false
      for (let b = this.blocks.length - 1; b >= 0 && !found; b--) {
        const start = this.starts[b]!
        if (this.tables[b] === table && a >= start && a < start + this.blocks[b]!.length) {
          out[i] = this.blocks[b]![a - start]!
          found = true
        }
      }
      if (!found) return -1
    }
    this.located = out
    return 0
  }
}
