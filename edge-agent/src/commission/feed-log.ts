import type { AlarmSeen, InterlockSeen, Reading } from './analysis/index.ts'
import type { DeviceInfo, TestFeed } from './desk.ts'

/** What a commissioning run has seen of the devices under test so far, accumulated from test-feed answers. */
export class FeedLog {
  cursor = 0
  private readonly readingsOf = new Map<string, Reading[]>()
  private readonly alarmsOf = new Map<string, AlarmSeen[]>()
  private readonly interlocksOf = new Map<string, InterlockSeen[]>()
  private readonly devicesOf = new Map<string, DeviceInfo>()

  add(feed: TestFeed): void {
    this.cursor = feed.cursor
    for (const [device, channel, ts, value] of feed.samples) {
      push(this.readingsOf, `${device}/${channel}`, { ts, value: typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : null })
    }
    for (const e of feed.events) {
      if (e.type === 'alarm') {
        push(this.alarmsOf, `${e.device}/${e.channel}`, {
          ts: e.ts, state: e.state, kind: e.kind, level: e.level,
          ...(e.from !== undefined && { from: e.from }),
          ...(typeof e.value === 'number' && { value: e.value }),
          ...(e.threshold !== undefined && { threshold: e.threshold }),
        })
      } else {
        push(this.interlocksOf, e.interlock, {
          ts: e.ts, state: e.state,
          ...(e.phase !== undefined && { phase: e.phase }),
          ...(e.reason !== undefined && { reason: e.reason }),
          ...(e.cause !== undefined && { cause: e.cause }),
        })
      }
    }
    for (const { device, ...info } of feed.devices) this.devicesOf.set(device, info)
  }

  readings(device: string, channel: string): Reading[] {
    return this.readingsOf.get(`${device}/${channel}`) ?? []
  }

  alarms(device: string, channel: string): AlarmSeen[] {
    return this.alarmsOf.get(`${device}/${channel}`) ?? []
  }

  interlock(id: string): InterlockSeen[] {
    return this.interlocksOf.get(id) ?? []
  }

  device(device: string): DeviceInfo | undefined {
    return this.devicesOf.get(device)
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
