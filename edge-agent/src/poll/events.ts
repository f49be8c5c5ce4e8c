import type { DeviceIdentity } from '../../../protocols/modbus/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import type { DeviceState } from './device-health.ts'

/** What the poll engine tells the rest of the agent. Times are epoch ms UTC. */
export type PollEvent =
  | { type: 'device-state'; ts: number; device: string; from: DeviceState; to: DeviceState; reason?: string }
  | { type: 'device-identity'; ts: number; device: string; identity?: DeviceIdentity; mismatch?: string }
  | { type: 'line-state'; ts: number; bus: string; state: 'open' | 'down'; reason?: string }

export interface PollListener {
  samples(samples: Sample[]): void
  event(event: PollEvent): void
}
