import { describe, expect, it } from 'vitest'
import type { AlarmTransition } from '../../../edge-agent/src/alarms/evaluator.ts'
import { CommissioningDesk, type DeskAgent, type DeviceInfo, type TestFeed } from '../../../edge-agent/src/commission/desk.ts'
import type { InterlockTransition } from '../../../edge-agent/src/interlocks/decision.ts'
import type { InterlockSpec } from '../../../edge-agent/src/interlocks/spec.ts'
import { testMode, type TestMode } from '../../../edge-agent/src/safety/test-mode.ts'
import { generateSigningKey, signRun, type Run, type SignedRun } from '../../../protocols/commissioning/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { sampleRun } from '../../support/commissioning-run.ts'

const T0 = Date.UTC(2026, 11, 7, 2, 0, 0)
const GATEWAY_KEY = generateSigningKey()
const OTHER_KEY = generateSigningKey()

const CUT: InterlockSpec = {
  id: 'cut', mode: 'any',
  conditions: [{ kind: 'value', device: 'ch4-t1', channel: 'ch4', op: 'above', value: 1.5 }],
  action: { device: 'kdg', channel: 'cut_1', value: true, restoreValue: false, feedback: { device: 'kdg', channel: 'feed_1', whenTripped: false, whenRestored: true }, feedbackMs: 2000 },
  failSafe: true, silentAfterMs: 60_000, restoreAfterMs: 0, manualReset: false, maxBypassMs: 3_600_000,
}

/** A fake agent: the real test-mode decisions, a manual clock, and a log of what the desk asked of it. */
class FakeAgent implements DeskAgent {
  site = 'site-a'
  gateway = 'gw-1'
  knownDevices = new Set(['ch4-t1', 'ch4-t2', 'kdg'])
  now = T0
  mode: TestMode | undefined
  ended: { by: string; reason: string }[] = []
  recorded: { run: Run; signed: SignedRun }[] = []
  info = new Map<string, DeviceInfo>([['ch4-t1', { state: 'online', identified: true, identity: { vendorName: 'CCTEG' } }]])
  key: string | Error = GATEWAY_KEY.publicKey
  refusal: string | undefined

  testModeRefusal(): string | undefined {
    return this.refusal
  }

  startTestMode(devices: readonly string[], minutes: number, by: string): TestMode {
    this.mode = testMode(devices, [CUT], { now: this.now, minutes, by })
    return this.mode
  }
  endTestMode(by: string, reason: string): boolean {
    const was = this.mode !== undefined
    this.mode = undefined
    if (was) this.ended.push({ by, reason })
    return was
  }
  testMode(): TestMode | undefined {
    return this.mode
  }
  deviceInfo(device: string): DeviceInfo {
    return this.info.get(device) ?? { state: 'unknown', identified: false }
  }
  publicKey(): string {
    if (this.key instanceof Error) throw this.key
    return this.key
  }
  recordRun(run: Run, signed: SignedRun): number {
    this.recorded.push({ run, signed })
    return 41 + this.recorded.length
  }
}

const sample = (device: string, value: number, extra: Partial<Sample> = {}): Sample => ({ device, channel: 'ch4', ts: T0, value, quality: 'good', ...extra })
const raised = (device: string, test?: true): AlarmTransition =>
  ({ type: 'alarm', ts: T0, device, channel: 'ch4', kind: 'level', state: 'raised', level: 'alarm', value: 1.2, ...(test && { test }) }) as AlarmTransition
const tripped = (test?: true): InterlockTransition => ({ type: 'interlock', ts: T0, interlock: 'cut', state: 'tripped', ...(test && { test }) }) as InterlockTransition

function desk() {
  const agent = new FakeAgent()
  return { agent, desk: new CommissioningDesk(agent) }
}
const feed = (d: CommissioningDesk, after: number) => d.handle('test-feed', { after }).data as TestFeed

describe('CommissioningDesk: test mode', () => {
  it('refuses devices not in the config, naming them, and declares nothing', () => {
    const { agent, desk: d } = desk()
    expect(d.handle('test-mode', { devices: ['ch4-t1', 'ch4-x', 'nope'], minutes: 10, by: 'tech' })).toEqual({ ok: false, message: 'not in the config: ch4-x, nope' })
    expect(agent.mode).toBeUndefined()
  })

  it('refuses what the agent refuses (a real alarm or trip of the devices), with its reason, and declares nothing', () => {
    const { agent, desk: d } = desk()
    agent.refusal = 'ch4-t1/ch4 is in alarm (alarm): clear it first'
    expect(d.handle('test-mode', { devices: ['ch4-t1'], minutes: 10, by: 'tech' })).toEqual({ ok: false, message: 'ch4-t1/ch4 is in alarm (alarm): clear it first' })
    expect(agent.mode).toBeUndefined()
  })

  it('declares the mode for the devices asked: until, the interlocks they exercise, and the cursor to read after', () => {
    const { agent, desk: d } = desk()
    const answer = d.handle('test-mode', { devices: ['ch4-t1'], minutes: 10, by: 'tech' })
    expect(answer).toEqual({ ok: true, message: `test mode until ${new Date(T0 + 600_000).toISOString()}`, data: { devices: ['ch4-t1'], interlocks: ['cut'], until: T0 + 600_000, cursor: 0 } })
    expect(agent.mode?.by).toBe('tech')
  })

  it('end-test-mode: ended, or that none was running; an anonymous caller and no reason get defaults', () => {
    const { agent, desk: d } = desk()
    expect(d.handle('end-test-mode', {})).toEqual({ ok: true, message: 'no test mode was running' })
    d.handle('test-mode', { devices: ['ch4-t1'], minutes: 10 })
    expect(d.handle('end-test-mode', {})).toEqual({ ok: true, message: 'test mode ended' })
    expect(agent.ended).toEqual([{ by: 'unknown', reason: 'ended by the commissioning run' }])
  })
})

describe('CommissioningDesk: the feed', () => {
  it('feeds only during a test mode, only the devices under test and only test events; a bad reading as null', () => {
    const { desk: d } = desk()
    d.onSamples([sample('ch4-t1', 0.5)])
    expect(feed(d, 0)).toEqual({ cursor: 0, testMode: null, samples: [], events: [], devices: [] })
    d.handle('test-mode', { devices: ['ch4-t1', 'ch4-t2'], minutes: 10, by: 'tech' })
    d.onSamples([sample('ch4-t1', 0.1), sample('kdg', 1, { channel: 'feed_1' }), sample('ch4-t2', 9, { quality: 'comm-error' as Sample['quality'] })])
    d.onTransition(raised('ch4-t1', true))
    d.onTransition(raised('ch4-t9'))
    d.onTransition(tripped(true))
    const answer = feed(d, 0)
    expect(answer.cursor).toBe(4)
    expect(answer.samples).toEqual([['ch4-t1', 'ch4', T0, 0.1, 'good'], ['ch4-t2', 'ch4', T0, null, 'comm-error']])
    expect(answer.events).toEqual([raised('ch4-t1', true), tripped(true)])
    expect(answer.testMode).toEqual({ devices: ['ch4-t1', 'ch4-t2'], interlocks: ['cut'], until: T0 + 600_000 })
    expect(answer.devices).toEqual([
      { device: 'ch4-t1', state: 'online', identified: true, identity: { vendorName: 'CCTEG' } },
      { device: 'ch4-t2', state: 'unknown', identified: false },
    ])
  })

  it('a cursor gives only what came after it; a new test mode starts an empty feed, the cursor still counting up', () => {
    const { desk: d } = desk()
    d.handle('test-mode', { devices: ['ch4-t1'], minutes: 10, by: 'tech' })
    d.onSamples([sample('ch4-t1', 0.1), sample('ch4-t1', 0.2)])
    const first = feed(d, 0)
    d.onSamples([sample('ch4-t1', 0.3)])
    const second = feed(d, first.cursor)
    expect(second.samples.map((s) => s[3])).toEqual([0.3])
    expect(feed(d, second.cursor).samples).toEqual([])
    const restarted = d.handle('test-mode', { devices: ['ch4-t1'], minutes: 10, by: 'tech' }).data as { cursor: number }
    expect(restarted.cursor).toBe(3)
    expect(feed(d, 0).samples).toEqual([])
    d.onSamples([sample('ch4-t1', 0.4)])
    expect(feed(d, restarted.cursor)).toMatchObject({ cursor: 4, samples: [['ch4-t1', 'ch4', T0, 0.4, 'good']] })
  })

  it('keeps the newest 50 000 entries: the oldest go first', () => {
    const { desk: d } = desk()
    d.handle('test-mode', { devices: ['ch4-t1'], minutes: 10, by: 'tech' })
    d.onSamples(Array.from({ length: 50_003 }, (_, i) => sample('ch4-t1', i)))
    const answer = feed(d, 0)
    expect(answer.cursor).toBe(50_003)
    expect(answer.samples).toHaveLength(50_000)
    expect(answer.samples[0]![3]).toBe(3)
    expect(answer.samples.at(-1)![3]).toBe(50_002)
  })
})

describe('CommissioningDesk: record-run', () => {
  const run = sampleRun()

  it('accepts a run signed with the gateway\'s key for its site and gateway, and hands it to the agent', () => {
    const { agent, desk: d } = desk()
    const signed = signRun(run, GATEWAY_KEY.privateKeyPem)
    expect(d.handle('record-run', { signed })).toEqual({ ok: true, message: `run ${run.id} recorded (event 42); it reaches the server through the outbox`, data: { seq: 42 } })
    expect(agent.recorded).toEqual([{ run, signed }])
  })

  it('refuses a run signed by another key, one for another site, and a changed one; records none', () => {
    const { agent, desk: d } = desk()
    expect(d.handle('record-run', { signed: signRun(run, OTHER_KEY.privateKeyPem) })).toMatchObject({ ok: false, message: expect.stringMatching(/^run refused \(OTHER_KEY\): /u) })
    expect(d.handle('record-run', { signed: signRun(sampleRun({ site: 'site-b' }), GATEWAY_KEY.privateKeyPem) })).toMatchObject({ ok: false, message: expect.stringMatching(/^run refused \(OTHER_SITE\): /u) })
    expect(d.handle('record-run', { signed: signRun(sampleRun({ gateway: 'gw-2', id: 'gw-2:1' }), GATEWAY_KEY.privateKeyPem) })).toMatchObject({ ok: false, message: expect.stringMatching(/^run refused \(OTHER_GATEWAY\): /u) })
    const signed = signRun(run, GATEWAY_KEY.privateKeyPem)
    expect(d.handle('record-run', { signed: { ...signed, run: { ...run, result: 'failed' } } })).toMatchObject({ ok: false, message: expect.stringMatching(/^run refused \(BAD_SIGNATURE\): /u) })
    expect(agent.recorded).toEqual([])
  })

  it('no key at the gateway: the key\'s own message, nothing recorded', () => {
    const { agent, desk: d } = desk()
    agent.key = new Error('no signing key: run edge-agent provision first')
    expect(d.handle('record-run', { signed: signRun(run, GATEWAY_KEY.privateKeyPem) })).toEqual({ ok: false, message: 'no signing key: run edge-agent provision first' })
    expect(agent.recorded).toEqual([])
  })
})
