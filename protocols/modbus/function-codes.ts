export const FC = {
  READ_COILS: 0x01,
  READ_DISCRETE_INPUTS: 0x02,
  READ_HOLDING_REGISTERS: 0x03,
  READ_INPUT_REGISTERS: 0x04,
  WRITE_SINGLE_COIL: 0x05,
  WRITE_SINGLE_REGISTER: 0x06,
  WRITE_MULTIPLE_COILS: 0x0f,
  WRITE_MULTIPLE_REGISTERS: 0x10,
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
    case FC.WRITE_MULTIPLE_COILS:
    case FC.WRITE_MULTIPLE_REGISTERS:
      return frame.length < 7 ? undefined : 9 + frame[6]!
    case FC.ENCAPSULATED_INTERFACE:
      return 7
    default:
      return -1
  }
}
