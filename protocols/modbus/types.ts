/** The four Modbus data tables. Bits: coil (rw), discrete (ro). Registers: holding (rw), input (ro). */
export type Table = 'coil' | 'discrete' | 'holding' | 'input'

export const isBitTable = (table: Table): boolean => table === 'coil' || table === 'discrete'

/**
 * Raw encodings of a point.
 * - `bool`: one coil or discrete input.
 * - `bit`: one bit (0 = least significant) of a holding or input register.
 * - `string`: ASCII, two characters a register, NUL/space padded.
 */
export type DataType =
  | 'bool'
  | 'bit'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'float32'
  | 'float64'
  | 'string'

export const DATA_TYPES: readonly DataType[] = [
  'bool', 'bit', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64', 'string',
]

/**
 * Byte and word order, named by the position of the most significant byte A of a 32-bit value
 * as it travels on the wire. For 64-bit values the same rule extends to four words:
 * - `ABCD` big-endian words, big-endian bytes (Modbus default; 64-bit ABCDEFGH)
 * - `CDAB` little-endian words ("word swap"; 64-bit GHEFCDAB)
 * - `BADC` big-endian words, bytes swapped in each word (64-bit BADCFEHG)
 * - `DCBA` fully little-endian (64-bit HGFEDCBA)
 */
export type WordOrder = 'ABCD' | 'CDAB' | 'BADC' | 'DCBA'

export const WORD_ORDERS: readonly WordOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA']

/** How a point's raw bits or registers are laid out. */
export interface RawLayout {
  type: DataType
  /** Word/byte order for multi-register numbers; for `string`, BADC/DCBA swap the two characters of a register. */
  order?: WordOrder
  /** Bit index 0..15 for `bit`. */
  bit?: number
  /** Register count for `string`. */
  length?: number
}

/** Raw value: booleans for bits, numbers for numeric registers, text for strings. */
export type RawValue = boolean | number | string
