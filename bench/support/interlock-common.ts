/** What both phases of bench/interlock share: the line, the two library profiles, and small helpers. */
import { loadLibrary, type Profile } from '../../hardware-profiles/index.ts'

export const FRAMING = { baud: 9600, parity: 'none', dataBits: 8, stopBits: 1 } as const
export const SENSOR_PROFILE = 'ccri-gjc4-catalytic-methane'
export const RELAY_PROFILE = 'generic-kdg4-power-cut-controller'
/** FC 05 write single coil: unit, function, address, value, CRC */
export const WRITE_COIL_REQUEST_BYTES = 8

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
export const uniform = (lo: number, hi: number) => lo + Math.random() * (hi - lo)
export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : String(n))
export const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** Nearest-rank percentile of a sorted list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export function profileById(id: string): Profile {
  const profile = loadLibrary().find((p) => p.id === id)
  if (!profile) throw new Error(`profile ${id} is not in the library`)
  return profile
}
