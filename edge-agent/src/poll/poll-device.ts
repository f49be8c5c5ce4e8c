import type { DeviceReports } from './device-reports.ts'
import type { PollResult, Transact } from './device-poller.ts'
import type { PollListener } from './events.ts'
import type { LineClock } from './line-clock.ts'
import { schedulePollEnded, type ScheduledDevice } from './scheduler.ts'

export interface OnceResult {
  device: string
  outcome: PollResult['outcome']
  /** no answer, or not the model the config names: nothing it said can be trusted */
  unread: boolean
  reason?: string
}

export interface PollContext {
  clock: LineClock
  listener: PollListener
  reports: DeviceReports
}

/**
 * One poll of a device (its identification first, until that is done): its samples to the listener, its
 * health updated, its next poll scheduled. `releaseLine`, when given, is called once the poll's reads are
 * done and before it decodes them.
 */
export async function pollDevice(device: ScheduledDevice, transact: Transact, { clock, listener, reports }: PollContext, releaseLine?: () => void): Promise<PollResult> {
  const start = clock.now()
  if (device.lastStart !== undefined) device.intervalMs = start - device.lastStart
  device.lastStart = start
  const probe = device.health.quarantinedUntil !== undefined
  let result: PollResult | undefined
  if (!device.poller.identityChecked) {
    const identity = await device.poller.identify(transact, { probe })
    if (!identity.retry) {
      listener.event({ type: 'device-identity', ts: clock.now(), device: device.poller.id, ...identity })
    } else if (identity.noAnswer) {
      // a device that does not answer its identification will not answer a poll either: spare the line
      const reason = identity.reason ?? 'no answer'
      result = { samples: device.poller.failureSamples('comm-fail', reason, clock.now()), outcome: 'no-answer', reason, transactions: 1 }
    }
  }
  result ??= await device.poller.poll(transact, releaseLine ? { probe, readsDone: releaseLine } : { probe })
  const end = clock.now()
  device.lastPollMs = end - start
  if (result.samples.length > 0) listener.samples(result.samples)
  reports.outcome(device, result.outcome, result.reason, end)
  schedulePollEnded(device, end)
  return result
}
