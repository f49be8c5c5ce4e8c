/**
 * Acceptance (issue 4): a cap hit produces a `buffer-overflow` event with the exact count; events are
 * never dropped.
 *
 * Black box: `edge-agent run --config FILE` as a child process with buffer.maxBytes 1,000,000 (the
 * schema's least), polling simulators over Modbus TCP (2 endpoints × 4 TSM-8 units × 12 channels
 * every 50 ms, ~1,900 samples/s nominal), a real mosquitto on a free loopback port.
 *
 * The broker is down from before the agent starts until the agent has logged that the cap dropped
 * telemetry, so nothing left the outbox before the drop: every seq 1..L (L = the last committed seq,
 * read read-only from the outbox after the restart) must either arrive or have been dropped. The
 * subscriber misses nothing: mosquitto with persistence, the FleetWatcher's persistent session
 * (fixed client id, clean start off, QoS 1) registered before the broker is stopped.
 *
 * Checked, once the watcher holds every seq of 1..L outside the ranges the buffer-overflow events
 * name:
 * - at least one buffer-overflow event (cause size) arrived;
 * - for each of them, the seqs of [firstSeq, lastSeq] that never arrived number exactly `count`,
 *   and the seqs of that range that did arrive are events (only telemetry is dropped);
 * - every missing seq of 1..L lies in an overflow range and their total is the sum of the counts —
 *   so no event is missing (an event dropped or lost would be one missing seq too many).
 * Printed: every overflow event, the missing ranges.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { AgentEvent } from '../../../protocols/mqtt/index.ts'
import { FleetWatcher, startMosquitto, type Mosquitto } from '../../support/mosquitto.ts'
import { tempDir, type TempDir } from '../../support/gateway-config.ts'
import { ProcessGroup } from '../../support/processes.ts'
import {
  SeqAudit, logLines, missingIn, nominalRate, readOutbox, startAgent, startTcpSimulators, writeAgentConfig,
} from '../../support/store-forward.ts'
import { explained, until } from '../../support/until.ts'

const GATEWAY = { id: 'sf-cap', site: 'sf-site' }
const POLL_MS = 50

const group = new ProcessGroup()
let dir: TempDir
let broker: Mosquitto | undefined
let watcher: FleetWatcher | undefined

beforeAll(() => {
  dir = tempDir('sf-cap')
})
afterAll(async () => {
  await watcher?.close()
  await group.stopAll()
  await broker?.dispose()
  dir?.remove()
}, 60_000)

type Overflow = Extract<AgentEvent, { type: 'buffer-overflow' }>

it('buffer.maxBytes hit while the broker is down: a buffer-overflow event with the exact count and range; no event dropped', async () => {
  const endpoints = await startTcpSimulators(group, 2, 4)
  broker = await startMosquitto({ persistence: true })
  watcher = await FleetWatcher.connect(broker.url, { persistentId: 'sf-cap-fleet' })
  const audit = new SeqAudit(watcher, GATEWAY.id)
  await broker.stop()

  const bufferPath = join(dir.path, 'outbox.sqlite')
  const config = writeAgentConfig(dir.path, { gateway: GATEWAY, endpoints, pollMs: POLL_MS, uplinkUrl: broker.url, bufferPath, maxBytes: 1_000_000 })
  const agent = group.add(startAgent(config))
  await agent.waitForLine(/"msg":"buffer cap reached: oldest telemetry dropped/u, 90_000)
  expect(agent.exit, agent.describe()).toBeUndefined()
  await broker.restart()

  await explained(until('the agent connected', () => logLines(agent).some((l) => /^uplink connected to /u.test(l.msg)), { timeoutMs: 30_000, everyMs: 50 }), () => agent.describe())
  const last = readOutbox(bufferPath).nextSeq - 1
  // every overflow event, also those committed after L: a later drop may name seqs ≤ L
  const overflows = (): Overflow[] => [...audit.events.values()].filter((e): e is Overflow => e.type === 'buffer-overflow')
  const dropped = (seq: number): boolean => overflows().some((o) => seq >= o.firstSeq && seq <= o.lastSeq)
  const unexplained = () => missingIn(watcher!, GATEWAY.id, 1, last).filter((r) => {
    for (let s = r.first; s <= r.last; s++) if (!dropped(s)) return true
    return false
  })
  await explained(until('every seq 1..L arrived or reported dropped', () => overflows().length > 0 && unexplained().length === 0, { timeoutMs: 90_000, everyMs: 50 }),
    () => `L=${last}, overflows ${JSON.stringify(overflows())}, unexplained ${JSON.stringify(unexplained().slice(0, 5))}; ${agent.describe()}`)
  await agent.stop('SIGTERM')

  const missing = missingIn(watcher, GATEWAY.id, 1, last)
  const missingCount = missing.reduce((n, r) => n + r.last - r.first + 1, 0)
  const all = overflows()
  const capLines = logLines(agent).filter((l) => /^buffer cap reached/u.test(l.msg))
  console.log(`[cap] nominal ${nominalRate(endpoints, POLL_MS)} samples/s; L=${last}; overflow events ${JSON.stringify(all)}; ` +
    `missing ranges ${JSON.stringify(missing)} (${missingCount} seqs); cap log lines ${capLines.length}; events received ${audit.events.size}; ` +
    `duplicates removed ${watcher.consumer.duplicates}; rejected ${JSON.stringify(watcher.consumer.rejected)}`)

  expect(all.length).toBeGreaterThanOrEqual(1)
  expect(all.every((o) => o.cause === 'size')).toBe(true)
  for (const o of all) {
    expect(o.lastSeq - o.firstSeq + 1).toBeGreaterThanOrEqual(o.count)
    const inRange = missingIn(watcher, GATEWAY.id, o.firstSeq, o.lastSeq).reduce((n, r) => n + r.last - r.first + 1, 0)
    expect({ overflow: o.seq, missingInRange: inRange }).toEqual({ overflow: o.seq, missingInRange: o.count })
    // what arrived from inside a dropped range is events only
    for (let s = o.firstSeq; s <= o.lastSeq; s++) {
      if (watcher.consumer.tracker.has(GATEWAY.id, s) && !audit.events.has(s)) throw new Error(`seq ${s} in dropped range ${o.firstSeq}..${o.lastSeq} arrived as telemetry`)
    }
  }
  expect(missingCount).toBe(all.reduce((n, o) => n + o.count, 0))
  expect(audit.problems).toEqual([])
  expect(Object.values(watcher.consumer.rejected).reduce((a, b) => a + b, 0)).toBe(0)
}, 180_000)
