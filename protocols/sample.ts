import type { Quality } from './quality.ts'

/** One reading of one channel: what the agent buffers, evaluates and reports. Times are epoch ms UTC. */
export interface Sample {
  device: string
  channel: string
  ts: number
  /** null when there is no usable value (comm-fail, a "no sensor" sentinel) */
  value: number | boolean | string | null
  quality: Quality
  /** why the quality is not good */
  reason?: string
}
