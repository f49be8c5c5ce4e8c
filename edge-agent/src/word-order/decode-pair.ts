/** Two registers read as each 32-bit type in each word order: the installer's table, decoded by the shared codec. */
import { decodeRegisters, WORD_ORDERS, type WordOrder } from '../../../protocols/modbus/index.ts'

export interface PairDecoding {
  uint32: number
  int32: number
  float32: number
}

/** The registers at `offset` and `offset + 1` of `words`, as uint32, int32 and float32 in ABCD, CDAB, BADC and DCBA. */
export function decodePair(words: ArrayLike<number>, offset = 0): Record<WordOrder, PairDecoding> {
  const decode = (type: 'uint32' | 'int32' | 'float32', order: WordOrder) => decodeRegisters({ type, order }, words, offset) as number
  const entries = WORD_ORDERS.map((order) => [order, {
    uint32: decode('uint32', order),
    int32: decode('int32', order),
    float32: decode('float32', order),
  }] as const)
  return Object.fromEntries(entries) as Record<WordOrder, PairDecoding>
}

/** The float32 that `words` (two registers) decode to in `order`. */
export const float32In = (words: ArrayLike<number>, order: WordOrder): number =>
  decodeRegisters({ type: 'float32', order }, words, 0) as number
