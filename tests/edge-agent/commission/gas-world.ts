import type { FeedSample, TestFeed } from '../../../edge-agent/src/commission/desk.ts'
import type { AgentCalls } from '../../../edge-agent/src/commission/runner.ts'

/**
 * A small simulated site behind a fake AgentCalls, for unit tests of the commissioning runner: a
 * methane sensor with a first-order response to the test gas (from the installer's APPLY act to the
 * REMOVE act), the agent's level alarms at 1.0 (alarm) and 1.5 (power-off), both restoring below 1.0,
 * and a power-cut interlock above 1.5 whose feedback follows, or not. Time moves only with sleep().
 */
export interface WorldOptions {
  t0: number
  /** the gas on the sensor, %CH4 */
  gas: number
  t90S: number
  /** the share of the gas the sensor shows at its plateau (a poisoned sensor shows less) */
  gain?: number
  feedbackFollows?: boolean
  /** what the sensor reads in clean air */
  offset?: number
  /** the poll state of the sensor, as the agent reports it */
  state?: string
}

const DEVICE = 'ch4-1'
const CHANNEL = 'ch4'
const INTERLOCK = 'ch4-power-cut'
const POLL_MS = 250

export class GasWorld implements AgentCalls {
  now: number
  readonly calls: { command: string; args: Record<string, unknown> }[] = []
  /** what each command answers instead of the default (a refusal, say) */
  readonly answers = new Map<string, { ok: boolean; message?: string }>()
  private from = 0
  private target = 0
  private since: number
  private lastSampleAt: number
  private level: 'none' | 'alarm' | 'power-off' = 'none'
  private interlock: 'idle' | 'tripped' = 'idle'
  private bypassed = false
  private suppressed = false
  private cursor = 0
  private until = Infinity
  private readonly pending: { ts: number; event: Record<string, unknown> }[] = []

  constructor(private readonly options: WorldOptions) {
    this.now = options.t0
    this.since = options.t0
    this.lastSampleAt = options.t0
  }

  readonly clock = (): number => this.now
  readonly sleep = async (ms: number): Promise<void> => {
    this.now += ms
  }

  reading(ts: number): number {
    const tau = this.options.t90S / Math.LN10
    return (this.options.offset ?? 0) + this.target + (this.from - this.target) * Math.exp(-(ts - this.since) / (tau * 1000))
  }

  applyGas(): void {
    this.switchTo((this.options.gain ?? 1) * this.options.gas)
  }

  removeGas(): void {
    this.switchTo(0)
  }

  commands(): string[] {
    return this.calls.map((c) => c.command).filter((c) => c !== 'test-feed')
  }

  async call(command: string, args: Record<string, unknown>): Promise<{ ok: boolean; message?: string; data?: unknown }> {
    this.calls.push({ command, args })
    const answer = this.answers.get(command)
    if (answer) return answer
    switch (command) {
      case 'test-mode':
        this.until = this.now + (args.minutes as number) * 60_000
        return { ok: true, data: { devices: args.devices, interlocks: [INTERLOCK], until: this.until, cursor: 0 } }
      case 'test-feed':
        return { ok: true, data: this.feed() }
      case 'bypass-interlock':
        this.bypassed = true
        return { ok: true }
      case 'end-bypass':
        this.bypassed = false
        return { ok: true }
      default:
        return { ok: true, message: `${command} done` }
    }
  }

  private switchTo(target: number): void {
    this.from = this.reading(this.now) - (this.options.offset ?? 0)
    this.since = this.now
    this.target = target
  }

  private feed(): TestFeed {
    const samples: FeedSample[] = []
    for (let ts = this.lastSampleAt + POLL_MS; ts <= this.now; ts += POLL_MS) {
      const value = this.reading(ts)
      samples.push([DEVICE, CHANNEL, ts, value, 'good'])
      this.judge(ts, value)
      this.lastSampleAt = ts
    }
    const due = this.pending.filter((p) => p.ts <= this.now)
    this.pending.splice(0, this.pending.length, ...this.pending.filter((p) => p.ts > this.now))
    this.cursor += samples.length + due.length
    return {
      cursor: this.cursor,
      testMode: this.now < this.until ? { devices: [DEVICE], interlocks: [INTERLOCK], until: this.until } : null,
      samples,
      events: due.map((p) => p.event) as unknown as TestFeed['events'],
      devices: [{ device: DEVICE, state: this.options.state ?? 'online', identified: (this.options.state ?? 'online') === 'online' }],
    }
  }

  /** the agent's alarm evaluator and interlock machine, as far as the runner sees them */
  private judge(ts: number, value: number): void {
    const alarm = (state: string, level: string, extra: Record<string, unknown> = {}) =>
      this.emit(ts, { type: 'alarm', ts, device: DEVICE, channel: CHANNEL, kind: 'level', state, level, value, test: true, ...extra })
    if (this.level === 'none' && value >= 1.5) {
      this.level = 'power-off'
      alarm('raised', 'power-off', { threshold: 1.5 })
    } else if (this.level === 'none' && value >= 1.0) {
      this.level = 'alarm'
      alarm('raised', 'alarm', { threshold: 1.0 })
    } else if (this.level === 'alarm' && value >= 1.5) {
      this.level = 'power-off'
      alarm('escalated', 'power-off', { from: 'alarm', threshold: 1.5 })
    } else if (this.level !== 'none' && value < 1.0) {
      alarm('cleared', this.level)
      this.level = 'none'
    }

    const interlock = (at: number, state: string, extra: Record<string, unknown> = {}) =>
      this.emit(at, { type: 'interlock', ts: at, interlock: INTERLOCK, state, test: true, ...extra })
    const follows = this.options.feedbackFollows ?? true
    if (this.interlock === 'idle' && value > 1.5) {
      if (this.bypassed) {
        if (!this.suppressed) interlock(ts, 'suppressed', { cause: `${DEVICE}/${CHANNEL} ${value.toFixed(2)} above 1.5` })
        this.suppressed = true
        return
      }
      this.interlock = 'tripped'
      interlock(ts, 'tripped', { cause: `${DEVICE}/${CHANNEL} above 1.5` })
      interlock(ts + 50, 'actuated', { phase: 'trip' })
      if (follows) interlock(ts + 600, 'confirmed', { phase: 'trip' })
      else interlock(ts + 2000, 'failed', { phase: 'trip', reason: 'the feedback cut-1/feed_1 did not follow within 2000 ms' })
    } else if (this.interlock === 'tripped' && value <= 1.5) {
      this.interlock = 'idle'
      interlock(ts, 'restored', { phase: 'restore' })
      interlock(ts + 50, 'actuated', { phase: 'restore' })
      if (follows) interlock(ts + 600, 'confirmed', { phase: 'restore' })
    }
  }

  private emit(ts: number, event: Record<string, unknown>): void {
    this.pending.push({ ts, event })
  }
}
