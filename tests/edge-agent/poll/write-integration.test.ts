/**
 * Writes through the PollEngine to our simulator in another process (`edge-agent simulate`), over
 * Modbus TCP and over RTU on a socat pty pair at 9600 baud: two generic-kdg4-power-cut-controller
 * units on one line, unit 5 a working relay, unit 6 the `stuck` scenario (acknowledges, changes nothing).
 *
 * What each test proves, on both transports:
 * - PollEngine.write(cut_1, true) resolves; every later poll of the working relay reads cut_1 true, and
 *   once the feedback delay has passed feed_1 (馈电, inverted) reads false; writing false restores feed_1.
 * - A single holding register (comms_timeout) is written with FC 06 and reads back.
 * - The stuck relay acknowledges the same writes, yet cut_1 stays false and feed_1 true poll after poll.
 * - A write to a feedback input is refused with WRITE_REFUSED before anything goes on the line.
 * Nothing here asserts a timing; every process is stopped in afterAll.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ResolvedBus, ResolvedConfig } from '../../../edge-agent/src/config/index.ts'
import { PollEngine } from '../../../edge-agent/src/poll/engine.ts'
import { loadLibrary } from '../../../hardware-profiles/index.ts'
import type { Sample } from '../../../protocols/sample.ts'
import { ProcessGroup } from '../../support/processes.ts'
import { startPtyPair } from '../../support/socat.ts'
import { until } from '../../support/until.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const CLI = join(ROOT, 'edge-agent/bin/edge-agent.js')
const PROFILE_ID = 'generic-kdg4-power-cut-controller'
const KDG4 = loadLibrary().find((p) => p.id === PROFILE_ID)!
const FEEDBACK_DELAY_MS = 200
const POLL_MS = 150

const group = new ProcessGroup()
let engine: PollEngine | undefined

afterEach(async () => {
  await engine?.stop()
  engine = undefined
})
afterAll(() => group.stopAll())

/** `edge-agent simulate` with a working relay at unit 5 and a stuck one at unit 6; resolves with its endpoint. */
async function startSimulator(transport: string[]): Promise<string> {
  const args = [CLI, 'simulate', ...transport, '--device', `5:${PROFILE_ID}:static`, '--device', `6:${PROFILE_ID}:stuck`, '--feedback-delay-ms', String(FEEDBACK_DELAY_MS)]
  const { match } = await group.startReady(process.execPath, args, /^simulator ready (?:tcp|rtu) (\S+) /u, { cwd: ROOT, name: 'edge-agent simulate', timeoutMs: 30_000 })
  return match[1]!
}

/** A gateway config as loadConfigFile would resolve it: one bus, both relays, their samples feeding interlocks. */
function configFor(bus: ResolvedBus): ResolvedConfig {
  const device = (id: string, unit: number) => ({ id, bus: bus.id, unit, profile: PROFILE_ID, pollMs: POLL_MS, priority: 'safety' as const, loadedProfile: KDG4 })
  return { gateway: { id: 'test-gw', site: 'test-site' }, file: '<write-integration>', hash: 'test', buses: [bus], devices: [device('relay', 5), device('stuck', 6)], interlocks: [] } as unknown as ResolvedConfig
}

interface Poll {
  device: string
  at: number
  values: Map<string, Sample['value']>
}

function startEngine(bus: ResolvedBus): { engine: PollEngine; polls: Poll[] } {
  const polls: Poll[] = []
  const started = new PollEngine(configFor(bus), {
    samples: (samples) => {
      if (samples.some((s) => s.quality !== 'good')) return
      polls.push({ device: samples[0]!.device, at: Date.now(), values: new Map(samples.map((s) => [s.channel, s.value])) })
    },
    event: () => {},
  }, undefined, undefined, { holdLine: new Set(['relay', 'stuck']) })
  started.start()
  return { engine: started, polls }
}

const after = (polls: Poll[], device: string, since: number) => polls.filter((p) => p.device === device && p.at >= since)

async function checkWrites(bus: ResolvedBus): Promise<void> {
  const started = startEngine(bus)
  engine = started.engine
  const { polls } = started
  await until('good polls of both relays', () => after(polls, 'relay', 0).length > 0 && after(polls, 'stuck', 0).length > 0, { timeoutMs: 10_000 })
  for (const device of ['relay', 'stuck']) {
    const { values } = after(polls, device, 0)[0]!
    expect([values.get('cut_1'), values.get('feed_1')], device).toEqual([false, true])
  }

  await expect(engine.write('relay', 'feed_1', false)).rejects.toMatchObject({ code: 'WRITE_REFUSED' })

  // the working relay: the output at once, its feedback after the delay
  await engine.write('relay', 'cut_1', true)
  const cutAt = Date.now()
  engine.pollSoon('relay', FEEDBACK_DELAY_MS + 50)
  await until('feed_1 false after the cut', () => after(polls, 'relay', cutAt).some((p) => p.values.get('feed_1') === false), { timeoutMs: 10_000 })
  const sinceCut = after(polls, 'relay', cutAt)
  expect(sinceCut.every((p) => p.values.get('cut_1') === true)).toBe(true)
  expect(sinceCut.at(-1)!.values.get('feed_1')).toBe(false)

  await engine.write('relay', 'comms_timeout', 30)
  const registerAt = Date.now()
  await until('a poll after the register write', () => after(polls, 'relay', registerAt).length > 0, { timeoutMs: 10_000 })
  expect(after(polls, 'relay', registerAt)[0]!.values.get('comms_timeout')).toBe(30)

  await engine.write('relay', 'cut_1', false)
  const restoreAt = Date.now()
  await until('feed_1 back after the restore', () => after(polls, 'relay', restoreAt).some((p) => p.values.get('feed_1') === true), { timeoutMs: 10_000 })

  // the stuck relay: acknowledged, nothing changes
  await engine.write('stuck', 'cut_1', true)
  await engine.write('stuck', 'comms_timeout', 30)
  const stuckAt = Date.now()
  engine.pollSoon('stuck', FEEDBACK_DELAY_MS + 50)
  await until('polls of the stuck relay well after the feedback delay', () => after(polls, 'stuck', stuckAt + 2 * FEEDBACK_DELAY_MS).length >= 2, { timeoutMs: 10_000 })
  for (const poll of after(polls, 'stuck', stuckAt)) {
    expect(poll.values.get('cut_1')).toBe(false)
    expect(poll.values.get('feed_1')).toBe(true)
    expect(poll.values.get('comms_timeout')).toBe(10)
  }
}

describe('PollEngine.write to the simulator over Modbus TCP', () => {
  let port: number

  beforeAll(async () => {
    port = Number((await startSimulator(['--tcp', '127.0.0.1:0'])).split(':').at(-1))
  })

  it('cuts with FC 05 and sees the feedback follow; a stuck relay acknowledges and changes nothing', async () => {
    await checkWrites({ id: 'plc', type: 'tcp', host: '127.0.0.1', port, timeoutMs: 1000, retries: 1, maxInFlight: 1 } as ResolvedBus)
  })
})

describe('PollEngine.write to the simulator over Modbus RTU on a socat pty pair at 9600 baud', () => {
  let path: string

  beforeAll(async () => {
    const pty = await startPtyPair()
    group.add(pty.proc)
    await startSimulator(['--rtu', pty.a, '--baud', '9600', '--wire-timing'])
    path = pty.b
  })

  it('cuts with FC 05 and sees the feedback follow; a stuck relay acknowledges and changes nothing', async () => {
    await checkWrites({ id: 'rs485', type: 'rtu', path, baud: 9600, parity: 'none', dataBits: 8, stopBits: 1, timeoutMs: 500, retries: 1, turnaroundMs: 0 } as ResolvedBus)
  })
})
