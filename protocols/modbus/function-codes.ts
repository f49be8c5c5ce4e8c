export const FC = {
  READ_COILS: 0x01,
  READ_DISCRETE_INPUTS: 0x02,
  READ_HOLDING_REGISTERS: 0x03,
  READ_INPUT_REGISTERS: 0x04,
  WRITE_SINGLE_COIL: 0x05,
  WRITE_SINGLE_REGISTER: 0x06,
  WRITE_MULTIPLE_COILS: 0x0f,
  WRITE_MULTIPLE_REGISTERS: 0x10,
  REPORT_SERVER_ID: 0x11,
  ENCAPSULATED_INTERFACE: 0x2b,
} as const

/** MEI type of Read Device Identification inside FC 43. */
export const MEI_READ_DEVICE_ID = 0x0e

/** Read Device Identification object ids. */
export const DEVICE_ID_OBJECTS = {
  vendorName: 0x00,
  productCode: 0x01,
  revision: 0x02,
  vendorUrl: 0x03,
  productName: 0x04,
  modelName: 0x05,
  userApplicationName: 0x06,
} as const

export type DeviceIdentity = Partial<Record<keyof typeof DEVICE_ID_OBJECTS, string>>

/**
 * The Read Device ID codes of FC 43/14's stream access: `basic` asks for objects 0-2 (vendor, product code,
 * revision), `regular` adds 3-6 (vendor URL, product name, model name, user application name).
 */
export const DEVICE_ID_CATEGORIES = { basic: 1, regular: 2 } as const

export type DeviceIdCategory = keyof typeof DEVICE_ID_CATEGORIES

/**
 * A device's answer to FC 17 (Report Server ID): byte count, server id, run indicator (0x00 off, 0xFF on),
 * additional data. The id's length is device specific and not on the wire, so `serverId`, `running` and
 * `additional` are a reading of the common layouts (a one-byte id; else the id up to the first run indicator
 * byte) and `data` keeps every byte as it came.
 */
export interface ServerIdReport {
  /** the id bytes as read: one byte when the byte after it is a run indicator, else up to the first 0x00/0xFF */
  serverId: number[]
  /** the run indicator was 0xFF (false also when no run indicator byte was found at all) */
  running: boolean
  /** the bytes after the run indicator */
  additional: number[]
  /** the printable ASCII runs (two characters or more) of the data, space-separated, for display */
  text: string
  /** every data byte after the byte count */
  data: number[]
}

/**
 * Length of a complete RTU request frame (with CRC) from its first bytes,
 * or undefined when more bytes are needed, or -1 when the function code is unknown.
 */
export function rtuRequestLength(frame: Uint8Array): number | undefined {
  if (frame.length < 2) return undefined
  switch (frame[1]) {
    case FC.READ_COILS:
    case FC.READ_DISCRETE_INPUTS:
    case FC.READ_HOLDING_REGISTERS:
    case FC.READ_INPUT_REGISTERS:
    case FC.WRITE_SINGLE_COIL:
    case FC.WRITE_SINGLE_REGISTER:
      return 8
    case FC.REPORT_SERVER_ID:
      return 4
    case FC.WRITE_MULTIPLE_COILS:
    case FC.WRITE_MULTIPLE_REGISTERS:
      return frame.length < 7 ? undefined : 9 + frame[6]!
    case FC.ENCAPSULATED_INTERFACE:
      return 7
    default:
      return -1
  }
}
