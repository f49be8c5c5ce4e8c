import type { DeviceReports } from './device-reports.ts'
import type { PollResult, Transact } from './device-poller.ts'
import type { PollListener } from './events.ts'
import type { LineClock } from './line-clock.ts'
import { pollStarted, scheduleArmedRead, schedulePollEnded, type ScheduledDevice } from './scheduler.ts'

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
  /** the shortest time between two armed reads of a device */
  armedPollMs: number
}

/**
 * One poll of a device (its identification first, until that is done): its samples to the listener, its
 * health updated, its next poll scheduled. `releaseLine`, when given, is called once the poll's reads are
 * done and before it decodes them. `armedRead` makes it a read of the armed channels: only the blocks of
 * the device's armed channels, its grid untouched, the next one `armedPollMs` after this one's start.
 */
export async function pollDevice(device: ScheduledDevice, transact: Transact, { clock, listener, reports, armedPollMs }: PollContext, releaseLine?: () => void, armedRead = false): Promise<PollResult> {
  const start = clock.now()
  const armed = armedRead && device.armedChannels.length > 0
  if (!armed) {
    if (device.lastStart !== undefined) device.intervalMs = start - device.lastStart
    device.lastStart = start
    pollStarted(device, start)
  }
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
  result ??= await device.poller.poll(transact, {
    probe,
    ...(releaseLine && { readsDone: releaseLine }),
    ...(armed && { only: device.armedChannels }),
  })
  const end = clock.now()
  if (!armed) device.lastPollMs = end - start
  if (result.samples.length > 0) listener.samples(result.samples)
  reports.outcome(device, result.outcome, result.reason, end)
  if (armed) scheduleArmedRead(device, start, armedPollMs)
  else {
    schedulePollEnded(device, end)
    // a full poll read the armed channels too
    if (device.armedChannels.length > 0) device.armedDue = Math.max(device.armedDue, start + armedPollMs)
  }
  return result
}
