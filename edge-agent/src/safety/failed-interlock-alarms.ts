import type { AlarmTransition } from '../alarms/evaluator.ts'
import type { FailedInterlockAlarm } from './persisted-state.ts'

/**
 * The interlock-failed alarms raised now: an interlock machine raises and clears them; they are
 * acknowledged here, like any alarm, by device, channel and kind.
 */
export class FailedInterlockAlarms {
  /** by "device/channel/interlock" */
  private readonly raised: Map<string, FailedInterlockAlarm>

  constructor(saved: ReadonlyMap<string, FailedInterlockAlarm>) {
    this.raised = new Map(saved)
  }

  /** Follow an interlock-failed transition; returns the id of the entry it changed. */
  follow(t: AlarmTransition): string {
    const id = `${t.device}/${t.channel}/${t.interlock ?? ''}`
    if (t.state === 'raised') this.raised.set(id, { device: t.device, channel: t.channel, level: t.level, interlock: t.interlock ?? '', since: t.ts, acknowledged: false })
    if (t.state === 'cleared') this.raised.delete(id)
    return id
  }

  get(id: string): FailedInterlockAlarm | undefined {
    return this.raised.get(id)
  }

  all(): IterableIterator<FailedInterlockAlarm> {
    return this.raised.values()
  }

  /** Acknowledge the unacknowledged ones `matches` picks: their ids and transitions. */
  acknowledge(matches: (device: string, channel: string) => boolean, now: number, by: string | undefined): { id: string; transition: AlarmTransition }[] {
    const done: { id: string; transition: AlarmTransition }[] = []
    for (const [id, failed] of this.raised) {
      if (failed.acknowledged || !matches(failed.device, failed.channel)) continue
      failed.acknowledged = true
      done.push({
        id,
        transition: { type: 'alarm', ts: now, state: 'acknowledged', device: failed.device, channel: failed.channel, kind: 'interlock-failed', level: failed.level, interlock: failed.interlock, ...(by !== undefined && { by }) },
      })
    }
    return done
  }
}
