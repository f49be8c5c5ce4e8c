/**
 * The other devices' poll cycles while interlock sources are armed (bench/interlock ramp phase): from the
 * times the simulator answered each device's full-poll block, the longest interval per device that
 * overlaps another device's armed window and none of its own. Pure: times in, worst cycles out.
 */

/** From the crossing of the arming level to the disarm (DISARM_AFTER_MS after the drop, plus slack). */
export interface ArmedWindow {
  device: string
  from: number
  to: number
}

export interface PolledDevice {
  device: string
  /** when the simulator answered its full-poll block, ascending */
  reads: readonly number[]
  budgetMs: number
}

export interface CycleWhileArmed {
  device: string
  budgetMs: number
  /** longest interval between two full polls while another device was armed (NaN when none) */
  worstMs: number
  intervals: number
}

const overlaps = (a: number, b: number, w: ArmedWindow) => a < w.to && b > w.from

export function cyclesWhileArmed(devices: readonly PolledDevice[], windows: readonly ArmedWindow[]): CycleWhileArmed[] {
  return devices.map(({ device, reads, budgetMs }) => {
    let worstMs = Number.NaN
    let intervals = 0
    for (let i = 1; i < reads.length; i++) {
      const [a, b] = [reads[i - 1]!, reads[i]!]
      if (windows.some((w) => w.device === device && overlaps(a, b, w))) continue
      if (!windows.some((w) => w.device !== device && overlaps(a, b, w))) continue
      intervals++
      if (!(b - a <= worstMs)) worstMs = b - a
    }
    return { device, budgetMs, worstMs, intervals }
  })
}

/** The worst interval ÷ budget over the devices (NaN when no interval was seen while armed). */
export function worstRatio(cycles: readonly CycleWhileArmed[]): { ratio: number; device: string | undefined } {
  let best: { ratio: number; device: string | undefined } = { ratio: Number.NaN, device: undefined }
  for (const c of cycles) {
    const ratio = c.worstMs / c.budgetMs
    if (Number.isFinite(ratio) && !(ratio <= best.ratio)) best = { ratio, device: c.device }
  }
  return best
}
