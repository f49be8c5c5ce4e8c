const TABLE = (() => {
  const table = new Uint16Array(256)
  for (let i = 0; i < 256; i++) {
    let crc = i
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1
    table[i] = crc
  }
  return table
})()

/** CRC-16/MODBUS of `bytes[start, end)`; sent low byte first. */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]!) & 0xff]!
  return crc
}

/** True when the last two bytes of `frame` are the CRC of the rest. */
export function hasValidCrc(frame: Uint8Array): boolean {
  if (frame.length < 4) return false
  const crc = crc16(frame, 0, frame.length - 2)
  return frame[frame.length - 2] === (crc & 0xff) && frame[frame.length - 1] === crc >>> 8
}

/** `unit + pdu + crc` */
export function rtuFrame(unit: number, pdu: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(pdu.length + 3)
  frame[0] = unit
  frame.set(pdu, 1)
  const crc = crc16(frame, 0, pdu.length + 1)
  frame[pdu.length + 1] = crc & 0xff
  frame[pdu.length + 2] = crc >>> 8
  return frame
}
