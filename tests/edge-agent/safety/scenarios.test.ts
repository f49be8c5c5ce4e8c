/**
 * Acceptance (issue 5): the edge safety logic, black box and offline. The real agent
 * (`edge-agent run`) polls simulated devices on two RS-485 lines (socat pty pairs, 9600 8N1) while
 * its broker is DOWN from the start; everything it decides, it decides alone. Then mosquitto comes
 * back and the events recorded during the outage arrive, in order, with the telemetry that shows why.
 *
 * Line A: a methane sensor running the `leak` scenario (0.5 → 1.7 → 0.5 %CH4 every 30 s) and a
 * power-cut relay whose feed-sensing input follows its coil. Line B: a faulty methane sensor, a
 * slowly leaking one (90 s), a relay that ignores writes (`stuck`) and a working relay.
 *
 * - leak-cut: the leak raises alarm (1.0) then power-off (1.5) in order at those thresholds; the
 *   relay coil is written and the feedback confirmed; restore only after the gas has stayed below
 *   the restore level (1.0) for the hold time (3 s).
 * - fault-cut: the faulty sensor trips its interlock fail-safe.
 * - stuck-cut: the relay that ignores the write raises `interlock-failed` at the feedback time.
 * - slow-cut: bypassed for 1 minute from the gateway's own CLI (`edge-agent bypass`); the trip is
 *   suppressed, the bypass ends by itself, and the interlock trips then.
 * - `edge-agent alarms` and `edge-agent ack` on the gateway work without the uplink; once it is back,
 *   `cmd/ack-alarm` from the fleet side is answered on `cmd-result` and recorded.
 * Timings are reported, not asserted; the orders and thresholds are asserted.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { AgentEvent } from '../../../protocols/mqtt/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import type { SafetyStatus } from '../../../edge-agent/src/safety/status.ts'
import { tempDir, type TempDir } from '../../support/gateway-config.ts'
import { FleetWatcher, startMosquitto, type Mosquitto } from '../../support/mosquitto.ts'
import { ProcessGroup, run } from '../../support/processes.ts'
import { startPtyPair, type PtyPair } from '../../support/socat.ts'
import { CLI, ROOT, covers, missingIn, readOutbox, startAgent } from '../../support/store-forward.ts'
import { explained, until, valueOf } from '../../support/until.ts'

const GATEWAY = { id: 'safety-gw', site: 'mine-1' }
const METHANE = 'ccri-gjc4-catalytic-methane'
const RELAY = 'generic-kdg4-power-cut-controller'

const group = new ProcessGroup()
const ptys: PtyPair[] = []
let dir: TempDir
let broker: Mosquitto | undefined
let watcher: FleetWatcher | undefined

beforeAll(() => {
  dir = tempDir('safety-scenarios')
})
afterAll(async () => {
  await watcher?.close()
  await group.stopAll()
  await broker?.dispose()
  for (const pty of ptys) await pty.stop()
  dir?.remove()
}, 60_000)

function config(lineA: string, lineB: string, uplinkUrl: string): string {
  const device = (id: string, bus: string, unit: number, profile: string, pollMs: number) =>
    `  - { id: ${id}, bus: ${bus}, unit: ${unit}, profile: ${profile}, pollMs: ${pollMs}, priority: safety }`
  const file = join(dir.path, 'gateway.yaml')
  writeFileSync(file, [
    `gateway: { id: ${GATEWAY.id}, site: ${GATEWAY.site} }`,
    `uplink: { url: "${uplinkUrl}" }`,
    `buffer: { path: ${join(dir.path, 'outbox.sqlite')} }`,
    'buses:',
    `  - { id: line-a, type: rtu, path: ${lineA}, baud: 9600 }`,
    `  - { id: line-b, type: rtu, path: ${lineB}, baud: 9600 }`,
    'devices:',
    device('ch4-leak', 'line-a', 1, METHANE, 500),
    device('relay-a', 'line-a', 5, RELAY, 500),
    device('ch4-fault', 'line-b', 2, METHANE, 1000),
    device('ch4-slow', 'line-b', 3, METHANE, 1000),
    device('relay-stuck', 'line-b', 6, RELAY, 500),
    device('relay-b', 'line-b', 7, RELAY, 500),
    'interlocks:',
    '  - id: leak-cut',
    '    when: [{ device: ch4-leak, channel: ch4, above: 1.5, restore: 1.0 }]',
    '    action: { device: relay-a, channel: cut_1, value: true }',
    '    restoreAfterMs: 3000',
    '  - id: fault-cut',
    '    when: [{ device: ch4-fault, channel: ch4, above: 1.5 }]',
    '    action: { device: relay-b, channel: cut_1, value: true }',
    '  - id: stuck-cut',
    '    when: [{ device: ch4-fault, channel: ch4, above: 1.5 }]',
    '    action: { device: relay-stuck, channel: cut_1, value: true, feedbackMs: 1500 }',
    '  - id: slow-cut',
    '    when: [{ device: ch4-slow, channel: ch4, above: 1.0 }]',
    '    action: { device: relay-b, channel: cut_2, value: true }',
    '',
  ].join('\n'))
  return file
}

const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { cwd: ROOT, timeoutMs: 30_000 })

it('offline: leak levels in order, trip with confirmed feedback, timed restore, fail-safe, interlock-failed, bypass expiry; then every event arrives in order', async () => {
  const [a, b] = [await startPtyPair(), await startPtyPair()]
  ptys.push(a, b)
  await group.startReady(process.execPath, [CLI, 'simulate', '--rtu', a.a, '--baud', '9600', '--device', `1:${METHANE}:leak`, '--device', `5:${RELAY}:steady`, '--period-s', '30'],
    /simulator ready/u, { cwd: ROOT, name: 'sim-a', timeoutMs: 30_000 })
  await group.startReady(process.execPath, [CLI, 'simulate', '--rtu', b.a, '--baud', '9600', '--device', `2:${METHANE}:fault`, '--device', `3:${METHANE}:leak`,
    '--device', `6:${RELAY}:stuck`, '--device', `7:${RELAY}:steady`, '--period-s', '90'], /simulator ready/u, { cwd: ROOT, name: 'sim-b', timeoutMs: 30_000 })

  broker = await startMosquitto({ persistence: true })
  watcher = await FleetWatcher.connect(broker.url, { persistentId: 'safety-fleet' })
  await broker.stop()
  const file = config(a.b, b.b, broker.url)
  const check = await cli('check', '--config', file)
  expect(check.code, check.stderr).toBe(0)
  const agent = group.add(startAgent(file))

  // the gateway's own CLI, uplink down: bypass slow-cut for a minute before its leak reaches 1.0 %
  await until('the control socket', () => agent.stdout.includes('edge agent starting'), { timeoutMs: 30_000, everyMs: 50 })
  // the socket may not listen yet: the bypass is tried again until the agent takes it
  let bypass = await cli('bypass', '--config', file, '--interlock', 'slow-cut', '--minutes', '1', '--reason', 'calibration with test gas', '--by', 'tester')
  bypass = await explained(valueOf('the bypass taken', async () => {
    if (bypass.code !== 0) bypass = await cli('bypass', '--config', file, '--interlock', 'slow-cut', '--minutes', '1', '--reason', 'calibration with test gas', '--by', 'tester')
    return bypass.code === 0 ? bypass : undefined
  }, { timeoutMs: 60_000, everyMs: 100 }), () => bypass.stderr)
  expect(bypass.code, bypass.stderr).toBe(0)

  // the outage lasts the whole scenario: until the bypass has expired and its interlock tripped
  let status: SafetyStatus | undefined
  await explained(until('slow-cut tripped after its bypass expired', () => {
    const r = runSync(file)
    if (r) status = r
    return status?.interlocks.find((i) => i.id === 'slow-cut')?.state === 'tripped' && status.interlocks.find((i) => i.id === 'leak-cut')?.state === 'normal' &&
      status.interlocks.some((i) => i.id === 'leak-cut' && i.output === 'confirmed')
  }, { timeoutMs: 150_000, everyMs: 50 }), () => JSON.stringify(status))
  expect(status!.interlocks.find((i) => i.id === 'fault-cut')).toMatchObject({ state: 'tripped', output: 'confirmed' })
  expect(status!.interlocks.find((i) => i.id === 'stuck-cut')).toMatchObject({ state: 'tripped', output: expect.stringMatching(/failed|writing|awaiting-feedback/u) })
  expect(status!.alarms.some((x) => x.kind === 'interlock-failed' && x.interlock === 'stuck-cut')).toBe(true)
  const ack = await cli('ack', '--config', file, '--device', 'ch4-fault', '--channel', 'ch4', '--by', 'tester')
  expect(ack.code, ack.stderr + ack.stdout).toBe(0)

  // the broker returns: what was decided offline arrives
  await broker.restart()
  const seen = () => events().filter((e) => e.type === 'interlock' && e.interlock === 'slow-cut' && e.state === 'tripped').length > 0
  await explained(until('the offline events at the fleet', seen, { timeoutMs: 60_000, everyMs: 50 }), () => `${events().length} events`)

  // an acknowledgement from the fleet server's side: cmd/ack-alarm → cmd-result, and the event
  await watcher.client.publishAsync(`fleet/v1/${GATEWAY.site}/${GATEWAY.id}/cmd/ack-alarm`,
    JSON.stringify({ v: 1, id: 'ack-1', ts: Date.now(), by: 'fleet user', args: { all: true } }), { qos: 1 })
  await until('the cmd-result of ack-1', () => watcher!.of('cmd-result').some((a) => a.payload.includes('"ack-1"')), { timeoutMs: 30_000, everyMs: 50 })
  const result = JSON.parse(watcher.of('cmd-result').find((a) => a.payload.includes('"ack-1"'))!.payload) as { ok: boolean; message: string }
  expect(result).toMatchObject({ ok: true, message: expect.stringMatching(/^\d+ alarms? acknowledged$/u) })
  await until('the acknowledged events', () => events().some((e) => e.type === 'alarm' && e.state === 'acknowledged' && e.by === 'fleet user'), { timeoutMs: 30_000, everyMs: 50 })
  // everything committed so far — the whole outage — arrives, nothing missing
  const last = readOutbox(join(dir.path, 'outbox.sqlite')).nextSeq - 1
  await explained(until(`every seq up to ${last} at the watcher`, () => covers(watcher!, GATEWAY.id, 1, last), { timeoutMs: 60_000, everyMs: 50 }),
    () => JSON.stringify(missingIn(watcher!, GATEWAY.id, 1, last).slice(0, 5)))
  await agent.stop('SIGTERM')

  const all = events()
  expect(missingIn(watcher, GATEWAY.id, 1, last)).toEqual([])
  // every agent payload valid (the watcher also hears the cmd/ it sent itself, not an agent topic)
  expect(watcher.arrivals.filter((x) => !x.result.ok && !x.topic.includes('/cmd/')).map((x) => x.result)).toEqual([])
  expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((x, y) => x - y))
  const samples = telemetry()
  const of = (interlock: string) => all.filter((e): e is Extract<AgentEvent, { type: 'interlock' }> => e.type === 'interlock' && e.interlock === interlock)

  // leak: alarm, then power-off, each raised by the first sample at or over its threshold
  const leakAlarms = all.filter((e): e is Extract<AgentEvent, { type: 'alarm' }> => e.type === 'alarm' && e.device === 'ch4-leak' && e.kind === 'level')
  // both levels restore below 1.0 % (煤矿安全规程 2016): they clear together
  expect(leakAlarms.slice(0, 3).map((e) => `${e.state} ${e.level}`)).toEqual(['raised alarm', 'escalated power-off', 'cleared power-off'])
  const ch4 = samples.filter((s) => s.device === 'ch4-leak' && s.channel === 'ch4' && s.quality === 'good')
  for (const [event, threshold] of [[leakAlarms[0]!, 1.0], [leakAlarms[1]!, 1.5]] as const) {
    expect(event.threshold).toBe(threshold)
    expect(event.value as number).toBeGreaterThanOrEqual(threshold)
    const before = ch4.filter((s) => s.ts < event.ts).at(-1)
    expect(before!.value as number).toBeLessThan(threshold)
  }

  // leak-cut: write, confirmation through the feed input, restore after 3 s below 1.0 %
  const leak = of('leak-cut')
  expect(leak.slice(0, 6).map((e) => e.state)).toEqual(['tripped', 'actuated', 'confirmed', 'restored', 'actuated', 'confirmed'])
  expect(leak[1]).toMatchObject({ phase: 'trip', device: 'relay-a', channel: 'cut_1', value: true })
  const restored = leak[3]!
  const below = ch4.filter((s) => s.ts > leak[0]!.ts && s.ts <= restored.ts)
  const lastHigh = below.filter((s) => (s.value as number) >= 1.0).at(-1)!
  expect(restored.ts - lastHigh.ts).toBeGreaterThanOrEqual(3000)
  const feed = samples.filter((s) => s.device === 'relay-a' && s.channel === 'feed_1' && s.ts > leak[1]!.ts && s.ts < restored.ts)
  expect(feed.some((s) => s.value === false)).toBe(true)

  // leak-cut's source armed from the alarm level on: read on its own far faster than its 500 ms period, until it fell back
  const armedLeak = all.filter((e): e is Extract<AgentEvent, { type: 'armed' }> => e.type === 'armed' && e.device === 'ch4-leak')
  expect(armedLeak.slice(0, 2).map((e) => e.state)).toEqual(['armed', 'disarmed'])
  const [armedAt, disarmedAt] = [armedLeak[0]!, armedLeak[1]!]
  expect(armedAt).toMatchObject({ channel: 'ch4', armAt: 1.0, trip: 1.5, interlocks: ['leak-cut'] })
  expect(armedAt.ts).toBeLessThan(leak[0]!.ts)
  expect(disarmedAt.ts).toBeGreaterThan(restored.ts)
  const whileArmed = ch4.filter((s) => s.ts > armedAt.ts && s.ts < disarmedAt.ts).length
  expect(whileArmed, 'samples of ch4-leak while armed').toBeGreaterThan(4 * Math.ceil((disarmedAt.ts - armedAt.ts) / 500))

  // fault-cut: fail-safe on the faulty sensor
  expect(of('fault-cut')[0]).toMatchObject({ state: 'tripped', cause: expect.stringMatching(/^fail-safe: ch4-fault\/ch4 device-fault/u) })

  // stuck-cut: interlock-failed, never before the feedback time
  const stuck = of('stuck-cut')
  const actuated = stuck.find((e) => e.state === 'actuated')!
  const failed = stuck.find((e) => e.state === 'failed')!
  expect(failed.reason).toContain('馈电异常')
  expect(failed.ts - actuated.ts).toBeGreaterThanOrEqual(1500)
  expect(all.some((e) => e.type === 'alarm' && e.kind === 'interlock-failed' && e.interlock === 'stuck-cut' && e.state === 'raised')).toBe(true)

  // slow-cut: bypassed, suppressed, ended by itself at its expiry, then tripped
  const slow = of('slow-cut')
  expect(slow.map((e) => e.state).slice(0, 4)).toEqual(['bypassed', 'suppressed', 'bypass-ended', 'tripped'])
  expect(slow[0]).toMatchObject({ by: expect.stringMatching(/^tester \[OS user /u), reason: 'calibration with test gas' })
  expect(slow[2]).toMatchObject({ reason: 'expired' })
  expect(slow[2]!.ts).toBeGreaterThanOrEqual(slow[0]!.until!)

  // the acknowledgement made on the gateway
  expect(all.some((e) => e.type === 'alarm' && e.device === 'ch4-fault' && e.state === 'acknowledged' && e.by?.startsWith('tester [OS user ') === true)).toBe(true)

  console.log(`[safety] ${all.length} events, ${samples.length} samples after the outage; leak trip→actuated ${leak[1]!.ts - leak[0]!.ts} ms, ` +
    `stuck actuated→failed ${failed.ts - actuated.ts} ms (feedbackMs 1500), bypass ended ${slow[2]!.ts - slow[0]!.until!} ms after its expiry, ` +
    `restore ${restored.ts - lastHigh.ts} ms after the last reading ≥ 1.0 % (hold 3000 ms)`)
}, 300_000)

function events(): AgentEvent[] {
  const out: AgentEvent[] = []
  for (const a of watcher!.arrivals) if (a.result.ok && a.result.accepted.kind === 'events') out.push(...a.result.accepted.events)
  return out.sort((x, y) => x.seq - y.seq)
}

function telemetry(): Sample[] {
  const out: (Sample & { seq: number })[] = []
  for (const a of watcher!.arrivals) if (a.result.ok && a.result.accepted.kind === 'telemetry') out.push(...a.result.accepted.samples)
  return out.sort((x, y) => x.seq - y.seq)
}

let statusBusy = false
let lastStatus: SafetyStatus | undefined
/** `edge-agent alarms --json`, polled in the background by `until`. */
function runSync(file: string): SafetyStatus | undefined {
  if (!statusBusy) {
    statusBusy = true
    void cli('alarms', '--config', file, '--json').then((r) => {
      statusBusy = false
      if (r.code === 0) lastStatus = JSON.parse(r.stdout) as SafetyStatus
    })
  }
  return lastStatus
}
