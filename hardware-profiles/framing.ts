import { framingLabel, type SerialFraming } from '../protocols/modbus/index.ts'
import type { Profile } from './schema.ts'

/** The labels of a bus's framing and of the profile's factory setting, when the profile states one the bus does not match. */
export interface FramingMismatch {
  bus: string
  factory: string
}

/**
 * How the bus differs from the profile's factory serial settings (`undefined`: it does not, or the profile
 * states none). Data and stop bits the profile leaves unstated are not compared; its label shows them as 8 and 1.
 */
export function framingMismatch(bus: Required<SerialFraming>, profile: Profile): FramingMismatch | undefined {
  const factory = profile.serial
  if (!factory) return undefined
  const differs = factory.baud !== bus.baud || factory.parity !== bus.parity ||
    (factory.dataBits !== undefined && factory.dataBits !== bus.dataBits) || (factory.stopBits !== undefined && factory.stopBits !== bus.stopBits)
  if (!differs) return undefined
  return { bus: framingLabel(bus), factory: framingLabel(factory) }
}
