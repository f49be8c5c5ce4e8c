import type { Run, SignedRun } from '../../../protocols/commissioning/index.ts'
import { verifySignedRun } from '../../../protocols/commissioning/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import type { AlarmTransition } from '../alarms/evaluator.ts'
import type { ControlOutcome } from '../control/index.ts'
import type { EndTestModeArgs, LocalCommandName, RecordRunArgs, TestFeedArgs, TestModeArgs } from '../control/local-commands.ts'
import type { InterlockTransition } from '../interlocks/decision.ts'
import type { TestMode } from '../safety/test-mode.ts'

/** What the desk needs of the running agent. */
export interface DeskAgent {
  site: string
  gateway: string
  knownDevices: ReadonlySet<string>
  /** why a test of these devices cannot be declared now, or undefined */
  testModeRefusal(devices: readonly string[]): string | undefined
  startTestMode(devices: readonly string[], minutes: number, by: string): TestMode
  endTestMode(by: string, reason: string): boolean
  testMode(): TestMode | undefined
  /** the devices' poll state and identity as read (FC 43/14 or signature) */
  deviceInfo(device: string): DeviceInfo
  /** the gateway's registered public key, read when a run is recorded */
  publicKey(): string
  recordRun(run: Run, signed: SignedRun): number
}

export interface DeviceInfo {
  state: string
  /** its model was checked against the profile (FC 43/14 or the signature registers) */
  identified: boolean
  identity?: Record<string, string>
  /** how the identity read differs from the profile */
  mismatch?: string
}

/** [device, channel, ts, value (null when not good), quality] */
export type FeedSample = [string, string, number, number | boolean | string | null, string]

export interface TestFeed {
  cursor: number
  testMode: { devices: string[]; interlocks: string[]; until: number } | null
  samples: FeedSample[]
  events: (AlarmTransition | InterlockTransition)[]
  devices: ({ device: string } & DeviceInfo)[]
}

/** Entries kept for a commissioning run that polls every ~250 ms: minutes of a busy test. */
const FEED_CAPACITY = 50_000

/**
 * The gateway's side of a commissioning run (`edge-agent commission` talks to it over the control
 * socket): declares and ends the test mode, feeds the readings and test events of the devices under
 * test, and records the signed run — after checking it as the server will, so a run the server would
 * refuse is refused here, on site, where it can still be done again.
 */
export class CommissioningDesk {
  private entries: { n: number; sample?: FeedSample; event?: AlarmTransition | InterlockTransition }[] = []
  private next = 1

  constructor(private readonly agent: DeskAgent) {}

  onSamples(samples: readonly Sample[]): void {
    const mode = this.agent.testMode()
    if (!mode) return
    for (const s of samples) {
      if (!mode.devices.has(s.device)) continue
      this.push({ sample: [s.device, s.channel, s.ts, s.quality === 'good' ? s.value : null, s.quality] })
    }
  }

  onTransition(transition: AlarmTransition | InterlockTransition): void {
    if (transition.test === true) this.push({ event: transition })
  }

  handle(command: LocalCommandName, args: unknown): ControlOutcome {
    switch (command) {
      case 'test-mode':
        return this.start(args as TestModeArgs)
      case 'end-test-mode': {
        const { by, reason } = args as EndTestModeArgs
        const ended = this.agent.endTestMode(by ?? 'unknown', reason ?? 'ended by the commissioning run')
        return { ok: true, message: ended ? 'test mode ended' : 'no test mode was running' }
      }
      case 'test-feed':
        return { ok: true, data: this.feed((args as TestFeedArgs).after) }
      case 'record-run':
        return this.record((args as RecordRunArgs).signed)
    }
  }

  private start({ devices, minutes, by }: TestModeArgs): ControlOutcome {
    const unknown = devices.filter((d) => !this.agent.knownDevices.has(d))
    if (unknown.length > 0) return { ok: false, message: `not in the config: ${unknown.join(', ')}` }
    const refusal = this.agent.testModeRefusal(devices)
    if (refusal !== undefined) return { ok: false, message: refusal }
    this.entries = []
    const mode = this.agent.startTestMode(devices, minutes, by ?? 'unknown')
    return { ok: true, message: `test mode until ${new Date(mode.until).toISOString()}`, data: { ...this.modeOf(mode), cursor: this.next - 1 } }
  }

  private feed(after: number): TestFeed {
    const mode = this.agent.testMode()
    // entries are numbered consecutively: the first one after the cursor is found by its number
    const fresh = this.entries.slice(Math.max(0, after + 1 - (this.entries[0]?.n ?? after + 1)))
    return {
      cursor: this.next - 1,
      testMode: mode ? this.modeOf(mode) : null,
      samples: fresh.flatMap((e) => (e.sample ? [e.sample] : [])),
      events: fresh.flatMap((e) => (e.event ? [e.event] : [])),
      devices: mode ? [...mode.devices].map((device) => ({ device, ...this.agent.deviceInfo(device) })) : [],
    }
  }

  private record(signed: SignedRun): ControlOutcome {
    let publicKey: string
    try {
      publicKey = this.agent.publicKey()
    } catch (error) {
      return { ok: false, message: (error as Error).message }
    }
    const verdict = verifySignedRun(signed, { publicKey, site: this.agent.site, gateway: this.agent.gateway })
    if (!verdict.ok) return { ok: false, message: `run refused (${verdict.code}): ${verdict.reason}` }
    const seq = this.agent.recordRun(verdict.run, signed)
    return { ok: true, message: `run ${verdict.run.id} recorded (event ${seq}); it reaches the server through the outbox`, data: { seq } }
  }

  private modeOf(mode: TestMode): { devices: string[]; interlocks: string[]; until: number } {
    return { devices: [...mode.devices], interlocks: [...mode.interlocks], until: mode.until }
  }

  private push(entry: { sample?: FeedSample; event?: AlarmTransition | InterlockTransition }): void {
    this.entries.push({ n: this.next++, ...entry })
    if (this.entries.length > FEED_CAPACITY) this.entries.splice(0, this.entries.length - FEED_CAPACITY)
  }
}
