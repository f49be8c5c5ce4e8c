/**
 * The uplink against a real mosquitto: delivery of every record once and in order, retained status
 * and last will, broker outages, refused credentials, an unreachable broker, commands.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Outbox, type NewEvent } from '../../../edge-agent/src/outbox/index.ts'
import { Uplink, type UplinkLogger, type UplinkOptions } from '../../../edge-agent/src/uplink/index.ts'
import { commandTopic, type Status } from '../../../protocols/mqtt/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { FleetWatcher, startMosquitto, type Mosquitto } from '../../support/mosquitto.ts'
import { freePort } from '../../support/ports.ts'
import { until } from '../../support/until.ts'

const SITE = 'site-1'
const GW = 'gw-1'

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  msg: string
  fields?: unknown
}
function captureLogger(): { logger: UplinkLogger; lines: LogLine[]; text: () => string } {
  const lines: LogLine[] = []
  const at = (level: LogLine['level']) => (a: unknown, b?: string) => {
    lines.push(typeof a === 'string' ? { level, msg: a } : { level, msg: b ?? '', fields: a })
  }
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines, text: () => JSON.stringify(lines) }
}

// everything a test starts, undone after it whatever happened
let cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})
const later = <T>(value: T, cleanup: (value: T) => Promise<void> | void): T => {
  cleanups.push(() => cleanup(value))
  return value
}

function makeOutbox(): Outbox {
  const dir = mkdtempSync(join(tmpdir(), 'uplink-test-'))
  const outbox = new Outbox({ path: join(dir, 'outbox.db'), groupCommitMs: 20 })
  return later(outbox, () => {
    outbox.close()
    rmSync(dir, { recursive: true, force: true })
  })
}

function makeUplink(options: Partial<UplinkOptions> & Pick<UplinkOptions, 'url' | 'outbox'>): { uplink: Uplink; log: ReturnType<typeof captureLogger> } {
  const log = captureLogger()
  const uplink = new Uplink({
    site: SITE, gateway: GW, logger: log.logger, reconnectMinMs: 100, reconnectMaxMs: 500, connectTimeoutMs: 3000,
    status: () => ({ agentVersion: '0.1.0', configHash: 'abc123', uptimeS: 1, bufferDepth: 0 }),
    ...options,
  })
  return { uplink: later(uplink, (u) => u.stop()), log }
}

let tsNext = 1_795_963_372_000
const samples = (n: number): Sample[] => {
  const ts = tsNext++
  return Array.from({ length: n }, (_, i) => ({ device: `gas-${i % 4}`, channel: `ch${i % 8}`, ts, value: Math.round(i * 7.3) / 10, quality: i % 97 === 0 ? 'comm-fail' : 'good', ...(i % 97 === 0 && { reason: 'no answer' }) }))
}
const alarm = (device: string): NewEvent => ({ type: 'device-state', ts: tsNext++, device, from: 'online', to: 'offline', reason: 'no answer' })

const watch = async (url: string, options?: Parameters<typeof FleetWatcher.connect>[1]): Promise<FleetWatcher> =>
  later(await FleetWatcher.connect(url, options), (w) => w.close())

/** One turn of the event loop: what notify() scheduled (the uplink's pump, on setImmediate) has run. */
const pumped = () => new Promise<void>((resolve) => setImmediate(resolve))
/** The outbox with its reads of events counted: every pump of the uplink reads them first. */
function countingEventReads(outbox: Outbox): { outbox: Outbox; reads: () => number } {
  let reads = 0
  const nextEvents = outbox.nextEvents.bind(outbox)
  outbox.nextEvents = (...args) => {
    reads++
    return nextEvents(...args)
  }
  return { outbox, reads: () => reads }
}
const increasing = (seqs: number[]): boolean => seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)
const statusOf = (w: FleetWatcher): Status[] => w.of('status').flatMap((a) => (a.result.ok && a.result.accepted.kind === 'status' ? [a.result.accepted.status] : []))
/** Every committed sequence number 1..last accepted exactly as one range: nothing missing. */
const complete = (w: FleetWatcher, last: number): boolean => {
  const ranges = w.consumer.tracker.accepted(GW)
  return ranges.length === 1 && ranges[0]!.first === 1 && ranges[0]!.last === last
}

describe('Uplink → mosquitto', () => {
  let broker: Mosquitto
  beforeAll(async () => {
    broker = await startMosquitto()
  })
  afterAll(() => broker?.dispose())

  it('delivers every record once, events ahead of the telemetry backlog, each stream in order; retained status and last will', async () => {
    const watcher = await watch(broker.url)
    const outbox = makeOutbox()
    // a backlog: 10,000 samples, with events committed in between
    for (let i = 0; i < 10; i++) {
      outbox.appendSamples(samples(1000))
      if (i % 3 === 0) outbox.commitEvent(alarm(`gas-${i}`))
    }
    outbox.flush()
    const { uplink } = makeUplink({ url: broker.url, outbox, reconnectMinMs: 1500, reconnectMaxMs: 1500 })
    uplink.start()
    await until('the backlog drained', () => outbox.depth().samples + outbox.depth().events === 0)
    // live data after the backlog
    outbox.appendSamples(samples(300))
    const liveEvent = outbox.commitEvent(alarm('gas-live'))
    outbox.appendSamples(samples(300))
    outbox.flush()
    uplink.notify()
    const last = outbox.peekNextSeq() - 1
    expect(last).toBe(10_605)
    await watcher.waitFor('every record', () => complete(watcher, last))
    // the watcher may see a message before the uplink has processed its PUBACK
    await until('the outbox empty', () => outbox.depth().samples + outbox.depth().events === 0)
    expect(outbox.depth()).toEqual({ samples: 0, events: 0, pending: 0 })

    const data = watcher.arrivals.filter((a) => !a.topic.endsWith('/status'))
    expect(data.every((a) => a.result.ok)).toBe(true)
    expect(watcher.consumer.duplicates).toBe(0)
    expect(watcher.fresh.events).toHaveLength(5)
    expect(watcher.fresh.events.at(-1)).toBe(liveEvent)
    expect(watcher.fresh.telemetry).toHaveLength(10_600)
    expect(increasing(watcher.fresh.telemetry) && increasing(watcher.fresh.events)).toBe(true)
    // the four backlog events arrived before the first telemetry message
    expect(data[0]!.topic).toMatch(/\/events$/)
    const firstTelemetry = data.findIndex((a) => a.topic.endsWith('/telemetry'))
    const backlogEvents = data.slice(0, firstTelemetry).flatMap((a) => (a.result.ok && a.result.accepted.kind === 'events' ? a.result.accepted.events : []))
    expect(backlogEvents).toHaveLength(4)
    // compact batches: 2,000 samples a message
    expect(watcher.of('telemetry').length).toBeLessThanOrEqual(8)
    expect(uplink.stats).toMatchObject({ connected: true, acknowledged: last, acknowledgedEvents: 5, acknowledgedSamples: 10_600, inFlight: 0, connects: 1 })

    // retained status online, as a late subscriber sees it
    const late = await watch(broker.url)
    await late.waitFor('retained status', () => statusOf(late).length > 0)
    expect(late.of('status')[0]!.retain).toBe(true)
    expect(statusOf(late)[0]).toMatchObject({ v: 1, gw: GW, state: 'online', agentVersion: '0.1.0', configHash: 'abc123', bufferDepth: 0 })

    // the socket dies without DISCONNECT: the broker publishes the last will, the uplink comes back
    const seen = statusOf(watcher).length
    uplink.breakConnection()
    await watcher.waitFor('the last will', () => statusOf(watcher).slice(seen).some((s) => s.state === 'offline'))
    expect(uplink.stats.connected).toBe(false)
    await watcher.waitFor('online again', () => statusOf(watcher).at(-1)?.state === 'online' && uplink.stats.connected)
    expect(uplink.stats.connects).toBe(2)

    // a clean stop leaves a retained offline status
    await uplink.stop()
    const after = await watch(broker.url)
    await after.waitFor('retained offline', () => statusOf(after).length > 0)
    expect(statusOf(after)[0]).toMatchObject({ v: 1, gw: GW, state: 'offline' })
  })

  it('re-sends what was in flight when the connection breaks mid-drain: nothing missing, duplicates only as repeated seqs', async () => {
    const watcher = await watch(broker.url)
    const outbox = makeOutbox()
    for (let i = 0; i < 60; i++) outbox.appendSamples(samples(1000))
    outbox.flush()
    const { uplink } = makeUplink({ url: broker.url, outbox, batchSamples: 500 })
    uplink.start()
    await until('a few batches acknowledged', () => uplink.stats.acknowledged > 0 && uplink.stats.inFlight > 0)
    uplink.breakConnection()
    await until('drained after the reconnect', () => outbox.depth().samples === 0)
    await watcher.waitFor('every sample', () => complete(watcher, 60_000))
    expect(uplink.stats.connects).toBe(2)
    expect(watcher.fresh.telemetry).toHaveLength(60_000)
    expect(increasing(watcher.fresh.telemetry)).toBe(true)
    expect(watcher.consumer.tracker.gaps(GW)).toEqual([])
  })

  it('coalesces live telemetry for up to batchMs (a few compact messages); an event never waits', async () => {
    const watcher = await watch(broker.url)
    const outbox = makeOutbox()
    // the uplink's clock and the samples' times are the test's: batchMs passes when the test says so
    let now = Date.now()
    const { uplink } = makeUplink({ url: broker.url, outbox, batchMs: 1000, idlePollMs: 20, clock: () => now })
    uplink.start()
    await watcher.waitFor('online', () => statusOf(watcher).some((s) => s.state === 'online'))
    // 2.5 s of live polls: 8 devices of 5 channels every 100 ms (400 samples/s), each poll committed at once
    const started = now
    let eventSent = 0
    let eventSeen = 0
    for (let tick = 0; tick < 25; tick++) {
      now += 100
      const ts = now
      for (let d = 0; d < 8; d++) {
        outbox.appendSamples(Array.from({ length: 5 }, (_, c) => ({ device: `gas-${d}`, channel: `c${c}`, ts, value: tick + c / 10, quality: 'good' as const })))
      }
      outbox.flush()
      if (tick === 12) {
        outbox.commitEvent(alarm('gas-live'))
        eventSent = now
      }
      uplink.notify()
      await pumped()
      // the clock stands still until the event is at the watcher: it went without waiting for batchMs
      if (tick === 12) await until('the event at the watcher', () => watcher.fresh.events.length > 0)
      if (eventSent && !eventSeen && watcher.fresh.events.length > 0) eventSeen = now
    }
    const last = outbox.peekNextSeq() - 1
    // the last partial message goes once batchMs has passed since its oldest sample
    now += 1000
    uplink.notify()
    await watcher.waitFor('every record', () => complete(watcher, last))
    expect(eventSeen - eventSent).toBeLessThan(500) // the event went at once, telemetry was being held
    const telemetry = watcher.of('telemetry')
    // 1,000 samples over ~2.5 s in messages of up to 1 s of samples, never one per commit (25)
    expect(telemetry.length).toBeGreaterThanOrEqual(2)
    expect(telemetry.length).toBeLessThanOrEqual(5)
    const bytes = telemetry.reduce((n, a) => n + Buffer.byteLength(a.payload), 0)
    expect(bytes / 1000).toBeLessThanOrEqual(20)
    expect(watcher.consumer.duplicates).toBe(0)
    // everything was out by batchMs after the last poll, on the uplink's clock
    expect(now - started).toBeLessThan(8000)
  })

  it('an outbox closed under a running uplink: one error line, no crash, the connection stays', async () => {
    const { outbox, reads } = countingEventReads(makeOutbox())
    const { uplink, log } = makeUplink({ url: broker.url, outbox, idlePollMs: 20 })
    uplink.start()
    await until('connected', () => uplink.stats.connected)
    outbox.close()
    const readsAtClose = reads()
    await until('fifteen idle polls of the closed outbox', () => reads() >= readsAtClose + 15)
    const errors = log.lines.filter((l) => l.level === 'error')
    expect(errors.map((l) => l.msg)).toEqual([expect.stringMatching(/^uplink: cannot read the outbox: /)])
    expect(uplink.stats.connected).toBe(true)
  })

  it('commands: a valid one reaches onCommand and is answered; malformed ones are refused without reaching it', async () => {
    const watcher = await watch(broker.url)
    const outbox = makeOutbox()
    const { uplink } = makeUplink({ url: broker.url, outbox })
    const calls: [string, unknown][] = []
    uplink.onCommand(async (name, command) => {
      calls.push([name, command])
      if (command.args?.['fail']) throw new Error('alarm a-9 is not active')
      return { ok: true, message: `acknowledged ${String(command.args?.['alarm'])}` }
    })
    uplink.start()
    // the status is published after the command subscription on the same connection
    await watcher.waitFor('online', () => statusOf(watcher).some((s) => s.state === 'online'))
    const publish = (name: string, payload: string) => watcher.client.publishAsync(commandTopic(SITE, GW, name), payload, { qos: 1 })
    await publish('ack-alarm', JSON.stringify({ v: 1, id: 'c-1', ts: tsNext, by: 'li.wei', args: { alarm: 'a-1' } }))
    await publish('ack-alarm', '{"v":1,"id":')
    await publish('ack-alarm', JSON.stringify({ v: 1, id: 'c-3', args: {} })) // no ts
    await publish('ack-alarm', JSON.stringify({ v: 2, id: 'c-4', ts: tsNext, by: 'li.wei' }))
    await publish('ack-alarm', JSON.stringify({ v: 1, id: 'c-5', ts: tsNext, by: 'li.wei', args: { alarm: 'a-9', fail: true } }))
    await watcher.waitFor('five results', () => watcher.of('cmd-result').length === 5)
    const results = watcher.of('cmd-result').map((a) => {
      if (!a.result.ok || a.result.accepted.kind !== 'cmd-result') throw new Error(`rejected cmd-result: ${a.payload}`)
      return a.result.accepted.result
    })
    expect(results.map(({ id, command, ok }) => ({ id, command, ok }))).toEqual([
      { id: 'c-1', command: 'ack-alarm', ok: true },
      { id: '-', command: 'ack-alarm', ok: false },
      { id: 'c-3', command: 'ack-alarm', ok: false },
      { id: 'c-4', command: 'ack-alarm', ok: false },
      { id: 'c-5', command: 'ack-alarm', ok: false },
    ])
    expect(results[0]!.message).toBe('acknowledged a-1')
    expect(results[1]!.message).toMatch(/not JSON/)
    expect(results[2]!.message).toMatch(/invalid command: .*ts/)
    expect(results[3]!.message).toMatch(/invalid command: \/v/)
    expect(results[4]!.message).toBe('alarm a-9 is not active')
    expect(calls.map(([name, command]) => [name, (command as { id: string }).id])).toEqual([['ack-alarm', 'c-1'], ['ack-alarm', 'c-5']])
    expect(uplink.stats.connected).toBe(true)
  })
})

describe('Uplink through a broker outage', () => {
  it('keeps buffering while the broker is down, then delivers everything, in order, and empties the outbox', async () => {
    const broker = later(await startMosquitto({ persistence: true }), (b) => b.dispose())
    // a persistent session: what the broker acknowledged before stopping reaches the watcher after it
    const watcher = await watch(broker.url, { persistentId: 'watcher-outage' })
    const outbox = makeOutbox()
    const { uplink, log } = makeUplink({ url: broker.url, outbox })
    uplink.start()
    let events = 0
    let produced = 0
    let eventsCommitted = 0
    const producer = setInterval(() => {
      outbox.appendSamples(samples(10)) // 1,000 samples/s when the machine keeps up
      produced += 10
      if (++events % 50 === 0) {
        outbox.commitEvent(alarm(`gas-${events}`))
        eventsCommitted++
      }
      uplink.notify()
    }, 10)
    cleanups.push(() => clearInterval(producer))
    await until('records and events delivered before the outage', () => uplink.stats.acknowledgedSamples > 0 && uplink.stats.acknowledgedEvents >= 2)
    await broker.stop()
    // no acknowledgement can come now: every sample produced from here on must stay in the outbox
    outbox.flush()
    const depthAtStop = outbox.depth().samples
    const producedAtStop = produced
    const eventsAtStop = eventsCommitted
    await until('the outage noticed, reconnects refused, events committed meanwhile',
      () => log.lines.some((l) => l.level === 'warn' && /broker unreachable/.test(l.msg)) && uplink.stats.failedAttempts >= 2 && eventsCommitted >= eventsAtStop + 2)
    expect(uplink.stats.connected).toBe(false)
    outbox.flush()
    expect(produced - producedAtStop).toBeGreaterThan(0)
    expect(outbox.depth().samples).toBe(depthAtStop + produced - producedAtStop)
    expect(log.lines.some((l) => l.level === 'warn' && /broker unreachable: ECONNREFUSED 127\.0\.0\.1:\d+/.test(l.msg))).toBe(true)
    expect(log.lines.some((l) => l.level === 'warn' && /connection lost/.test(l.msg))).toBe(true)
    await broker.restart()
    const eventsAtRestart = eventsCommitted
    await until('connected again, producing on', () => uplink.stats.connected && eventsCommitted > eventsAtRestart)
    clearInterval(producer)
    outbox.flush()
    uplink.notify()
    const last = outbox.peekNextSeq() - 1
    await until('the outbox drained', () => outbox.depth().samples + outbox.depth().events === 0)
    await watcher.waitFor('every record', () => complete(watcher, last))
    expect(watcher.fresh.telemetry.length + watcher.fresh.events.length).toBe(last)
    expect(increasing(watcher.fresh.telemetry) && increasing(watcher.fresh.events)).toBe(true)
    expect(watcher.fresh.events.length).toBeGreaterThanOrEqual(5)
    expect(uplink.stats.connects).toBe(2)
    expect(log.lines.some((l) => l.level === 'info' && /connected to .* after \d+ failed attempt/.test(l.msg))).toBe(true)
  }, 40_000)
})

describe('Uplink refused or unreachable', () => {
  it('a wrong password: one clear log line, no crash, records kept; with the right one everything drains', async () => {
    const broker = later(await startMosquitto({ users: { [GW]: 'right-password', server: 'server-password' } }), (b) => b.dispose())
    const outbox = makeOutbox()
    outbox.appendSamples(samples(500))
    outbox.commitEvent(alarm('gas-1'))
    outbox.flush()
    const bad = makeUplink({ url: broker.url, outbox, credentials: { username: GW, password: 'hunter2-wrong' } })
    bad.uplink.start()
    await until('several refused attempts', () => bad.uplink.stats.failedAttempts >= 4)
    const warnings = bad.log.lines.filter((l) => l.level === 'warn')
    expect(warnings).toHaveLength(1) // the same failure again is not a new line at warn
    expect(warnings[0]!.msg).toMatch(/^uplink: connection refused: bad user name or password(, or not authorized)? \(reason 13[45]\); retrying in \d+\.\d s$/)
    expect(bad.uplink.stats).toMatchObject({ connected: false, acknowledged: 0, lastError: expect.stringMatching(/^connection refused: bad user name or password/) })
    expect(bad.log.text()).not.toContain('hunter2')
    expect(outbox.depth()).toMatchObject({ samples: 500, events: 1 })
    await bad.uplink.stop()

    const watcher = await watch(broker.url, { username: 'server', password: 'server-password' })
    const good = makeUplink({ url: broker.url, outbox, credentials: { username: GW, password: 'right-password' } })
    good.uplink.start()
    await watcher.waitFor('every record', () => complete(watcher, 501))
    await until('the outbox drained', () => outbox.depth().samples + outbox.depth().events === 0)
  })

  it('a publish the broker refuses (ACL): records kept, retried after back-off, one warning', async () => {
    const root = `fleet/v1/${SITE}/${GW}`
    const broker = later(await startMosquitto({ acl: [`topic write ${root}/status`, `topic write ${root}/events`, `topic read ${root}/cmd/#`] }), (b) => b.dispose())
    const outbox = makeOutbox()
    outbox.commitEvent(alarm('gas-1'))
    outbox.appendSamples(samples(100))
    outbox.flush()
    const { uplink, log } = makeUplink({ url: broker.url, outbox })
    uplink.start()
    await until('a few refusals', () => uplink.stats.connects >= 3)
    expect(uplink.stats.lastError).toBe('connection lost: publish refused: not authorized (reason 135)')
    expect(outbox.depth()).toMatchObject({ samples: 100, events: 0 }) // the event topic is allowed
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringMatching(/^uplink: connection lost: publish refused: not authorized \(reason 135\); retrying in/)])
  })

  it('an unreachable broker: one clear log line, no crash, records kept; once it is up everything drains', async () => {
    const port = await freePort()
    const outbox = makeOutbox()
    outbox.appendSamples(samples(500))
    outbox.commitEvent(alarm('gas-1'))
    outbox.flush()
    const { uplink, log } = makeUplink({ url: `mqtt://127.0.0.1:${port}`, outbox, reconnectMinMs: 100, reconnectMaxMs: 300 })
    uplink.start()
    await until('several failed attempts', () => uplink.stats.failedAttempts >= 3)
    const warnings = log.lines.filter((l) => l.level === 'warn')
    expect(warnings.map((l) => l.msg)).toEqual([expect.stringMatching(new RegExp(`^uplink: broker unreachable: ECONNREFUSED 127\\.0\\.0\\.1:${port}; retrying in`))])
    expect(outbox.depth()).toMatchObject({ samples: 500, events: 1 })

    // the broker comes up on that port: the uplink gets in at its next attempt, by itself
    const broker = later(await startMosquitto({ port }), (b) => b.dispose())
    await until('the outbox drained', () => outbox.depth().samples + outbox.depth().events === 0)
    // deleted only after PUBACKs: the broker has every record (arrival itself is checked above)
    expect(uplink.stats).toMatchObject({ connected: true, acknowledged: 501, acknowledgedEvents: 1, connects: 1 })
    expect(broker.running).toBe(true)
    expect(log.lines.some((l) => l.level === 'info' && /connected to/.test(l.msg))).toBe(true)
  })
})

describe('Uplink over mqtts:// (openssl is a required test package)', () => {
  it('trusts the broker through the configured CA; without it, one clear TLS log line and nothing sent', async () => {
    const broker = later(await startMosquitto({ tls: true }), (b) => b.dispose())
    expect(broker.url).toMatch(/^mqtts:/)
    const outbox = makeOutbox()
    outbox.appendSamples(samples(100))
    outbox.flush()
    const untrusted = makeUplink({ url: broker.url, outbox })
    untrusted.uplink.start()
    await until('refused attempts', () => untrusted.uplink.stats.failedAttempts >= 2)
    expect(untrusted.log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      expect.stringMatching(new RegExp(`^uplink: TLS failure with 127\\.0\\.0\\.1:${broker.port}: [A-Z_]+: .*; retrying in`)),
    ])
    expect(outbox.depth().samples).toBe(100)
    await untrusted.uplink.stop()

    const watcher = await watch(broker.url, { ca: broker.caPem })
    const trusted = makeUplink({ url: broker.url, outbox, ca: broker.caPem })
    trusted.uplink.start()
    await watcher.waitFor('every sample', () => complete(watcher, 100))
    await until('the outbox drained', () => outbox.depth().samples === 0)
  })
})
