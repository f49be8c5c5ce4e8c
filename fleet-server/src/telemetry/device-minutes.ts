import { DAY_MS, SHANGHAI_OFFSET_MS } from '../../../protocols/calendar/index.ts'

/**
 * Which minutes of a calendar day (Asia/Shanghai) a device reported a good sample in: a 1,440-bit map
 * per (device, day), bit m of byte m >> 3 (least significant first) for minute m after local midnight.
 * Setting bits is idempotent, so replaying telemetry after a crash never counts a minute twice.
 */
const MINUTES_PER_DAY = 1440
export const DAY_BITMAP_BYTES = MINUTES_PER_DAY / 8
const MINUTE_MS = 60_000

/** The minute number since the epoch (UTC minutes and Shanghai minutes share their boundaries). */
export const minuteOf = (epochMs: number): number => Math.floor(epochMs / MINUTE_MS)

/** The local calendar day of an epoch minute, as days since 1970-01-01 (Shanghai), and the minute within it. */
export function localDayOfMinute(minute: number): { day: number; minuteOfDay: number } {
  const local = minute * MINUTE_MS + SHANGHAI_OFFSET_MS
  const day = Math.floor(local / DAY_MS)
  return { day, minuteOfDay: (local - day * DAY_MS) / MINUTE_MS }
}

const dayNames = new Map<number, string>()
/** YYYY-MM-DD of a local day number */
export function dayName(day: number): string {
  let name = dayNames.get(day)
  if (name === undefined) {
    name = new Date(day * DAY_MS).toISOString().slice(0, 10)
    if (dayNames.size > 4096) dayNames.clear()
    dayNames.set(day, name)
  }
  return name
}

export const emptyDayBitmap = (): Buffer => Buffer.alloc(DAY_BITMAP_BYTES)

/** Sets a minute's bit; true when it was not set before. */
export function setMinute(bits: Uint8Array, minuteOfDay: number): boolean {
  const byte = minuteOfDay >> 3
  const mask = 1 << (minuteOfDay & 7)
  if ((bits[byte]! & mask) !== 0) return false
  bits[byte] = bits[byte]! | mask
  return true
}

export function hasMinute(bits: Uint8Array, minuteOfDay: number): boolean {
  return (bits[minuteOfDay >> 3]! & (1 << (minuteOfDay & 7))) !== 0
}

/** The number of minutes set. */
export function countMinutes(bits: Uint8Array): number {
  let n = 0
  for (let i = 0; i < bits.length; i++) {
    let b = bits[i]!
    while (b !== 0) {
      b &= b - 1
      n++
    }
  }
  return n
}
