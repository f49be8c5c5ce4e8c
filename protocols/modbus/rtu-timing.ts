/** Serial line framing. */
export interface SerialFraming {
  baud: number
  parity: 'none' | 'even' | 'odd'
  dataBits?: number
  stopBits?: number
}

/** `9600 8N1`; data and stop bits left unstated are 8 and 1. */
export function framingLabel(framing: SerialFraming): string {
  return `${framing.baud} ${framing.dataBits ?? 8}${framing.parity[0]!.toUpperCase()}${framing.stopBits ?? 1}`
}

/** Bits on the wire for one character: start + data + parity + stop. */
export function bitsPerChar(framing: SerialFraming): number {
  return 1 + (framing.dataBits ?? 8) + (framing.parity === 'none' ? 0 : 1) + (framing.stopBits ?? 1)
}

export function charTimeMs(framing: SerialFraming): number {
  return (bitsPerChar(framing) * 1000) / framing.baud
}

/** Inter-frame silence t3.5; fixed at 1.75 ms above 19200 baud (Modbus over serial line v1.02 §2.5.1.1). */
export function silenceMs(framing: SerialFraming): number {
  return framing.baud > 19200 ? 1.75 : 3.5 * charTimeMs(framing)
}

/** Bytes of an RTU read request and its answer for `count` registers or bits. */
export function readFrameBytes(count: number, bits: boolean): { request: number; response: number } {
  const data = bits ? Math.ceil(count / 8) : count * 2
  return { request: 8, response: 5 + data }
}

/** Least time one transaction occupies the bus: request, silence, answer, silence (no device turnaround). */
export function transactionWireMs(framing: SerialFraming, requestBytes: number, responseBytes: number): number {
  return (requestBytes + responseBytes) * charTimeMs(framing) + 2 * silenceMs(framing)
}
