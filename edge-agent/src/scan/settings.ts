import type { SerialFraming } from '../../../protocols/modbus/index.ts'

export type Parity = SerialFraming['parity']

/** One serial setting a bus may run at; data bits are always 8 (Modbus RTU). */
export interface SerialSetting {
  baud: number
  parity: Parity
  stopBits: 1 | 2
}

/** The eight baud rates installers meet, the most common first. */
export const AUTO_BAUDS = [9600, 19200, 4800, 38400, 115200, 2400, 57600, 1200] as const

const PARITIES: readonly Parity[] = ['none', 'even', 'odd']

/** The settings installers meet first, in that order; the rest follow baud by baud. */
const COMMON_FIRST: readonly SerialSetting[] = [
  { baud: 9600, parity: 'none', stopBits: 1 },
  { baud: 9600, parity: 'even', stopBits: 1 },
  { baud: 19200, parity: 'even', stopBits: 1 },
  { baud: 19200, parity: 'none', stopBits: 1 },
]

export const settingLabel = (setting: SerialSetting): string =>
  `${setting.baud} 8${setting.parity[0]!.toUpperCase()}${setting.stopBits}`

const sameSetting = (a: SerialSetting, b: SerialSetting) => a.baud === b.baud && a.parity === b.parity && a.stopBits === b.stopBits

/**
 * The settings a scan tries, in the order installers meet them: 9600 8N1, 9600 8E1, 19200 8E1, 19200 8N1,
 * then no and even parity at 4800, 38400, 115200, 2400, 57600, 1200, then odd parity at each, and 2 stop
 * bits (no parity, as the Modbus serial line spec asks) last. `bauds` and `parities` narrow the list.
 */
export function scanSettings(bauds: readonly number[] = AUTO_BAUDS, parities: readonly Parity[] = PARITIES): SerialSetting[] {
  const wanted = (s: SerialSetting) => bauds.includes(s.baud) && parities.includes(s.parity)
  const ordered: SerialSetting[] = COMMON_FIRST.filter(wanted)
  const add = (setting: SerialSetting) => {
    if (wanted(setting) && !ordered.some((s) => sameSetting(s, setting))) ordered.push(setting)
  }
  const otherBauds = [...AUTO_BAUDS, ...bauds.filter((b) => !(AUTO_BAUDS as readonly number[]).includes(b))]
  for (const baud of otherBauds) for (const parity of ['none', 'even'] as const) add({ baud, parity, stopBits: 1 })
  for (const baud of otherBauds) add({ baud, parity: 'odd', stopBits: 1 })
  for (const baud of otherBauds) add({ baud, parity: 'none', stopBits: 2 })
  return ordered
}

/**
 * The settings split into those a scan tries and those it tries only when nothing answered: 2 stop bits,
 * since a UART checks only the first stop bit, so a device set to 2 answers at 1 (and its answers read
 * right at 1) unless it checks both, which few do.
 */
export function splitLastResort(settings: readonly SerialSetting[]): { settings: SerialSetting[]; lastResort: SerialSetting[] } {
  return { settings: settings.filter((s) => s.stopBits === 1), lastResort: settings.filter((s) => s.stopBits === 2) }
}

/** The ids devices leave the factory with or installers pick first: 1–16 and 247. */
export const LIKELY_UNITS: readonly number[] = [...Array.from({ length: 16 }, (_, i) => i + 1), 247]
