import { DEFAULT_HEALTH, isQuarantined, nextHealth, type HealthOptions, type PollOutcome } from './device-health.ts'
import type { PollListener } from './events.ts'
import type { ScheduledDevice } from './scheduler.ts'

/** What a line tells the listener about its devices' health: state changes as events, unreachable devices as comm-fail samples. */
export class DeviceReports {
  constructor(
    private readonly listener: PollListener,
    private readonly options: HealthOptions = DEFAULT_HEALTH,
    private readonly random: () => number = Math.random,
  ) {}

  /** Comm-fail samples for a device we cannot reach now, and the health transition they imply. */
  unreachable(device: ScheduledDevice, reason: string, now: number): void {
    this.listener.samples(device.poller.failureSamples('comm-fail', reason, now))
    this.outcome(device, 'no-answer', reason, now, false)
  }

  /** A poll's outcome; `countFailure` false: time spent quarantined is not another failure. */
  outcome(device: ScheduledDevice, outcome: PollOutcome, reason: string | undefined, now: number, countFailure = true): void {
    const previous = device.health
    // an online device answering again: nextHealth would return the same state, no change to report
    if (outcome === 'ok' && previous.state === 'online' && previous.failures === 0 && previous.backoffMs === 0 &&
      previous.quarantinedUntil === undefined && previous.reason === undefined) return
    const { health, change } = nextHealth(previous, outcome, now, reason, this.options, this.random)
    // keep the back-off as it was until the next probe
    device.health = !countFailure && isQuarantined(previous, now) ? previous : health
    if (change && device.health === health) {
      this.listener.event({ type: 'device-state', ts: now, device: device.poller.id, from: change.from, to: change.to, ...(change.reason && { reason: change.reason }) })
    }
  }

  /** The line, not the devices, was the problem: no quarantine, no back-off, and everyone polled again at once. */
  lineReopened(devices: readonly ScheduledDevice[], now: number): void {
    for (const device of devices) {
      device.health = { ...device.health, quarantinedUntil: undefined, backoffMs: 0, failures: 0 }
      device.nextDue = Math.min(device.nextDue, now)
    }
  }
}
