/**
 * Acceptance (issue 4): the broker stopped for 60 s while the agent ingests ~1,000 samples/s, then
 * restarted — every sample arrives, in sequence order per gateway, none missing. The outage lasts
 * until the outbox holds 60 s of ingest at the nominal rate (so at least 60 s).
 *
 * Black box: `edge-agent run --config FILE` as a child process, polling simulators over Modbus TCP
 * (2 endpoints × 2 TSM-8 units × 12 channels every 50 ms = 960 samples/s nominal, plus the events),
 * a real mosquitto on a free loopback port.
 *
 * How the subscriber misses nothing while the broker is down: mosquitto runs with persistence
 * (sessions and queued messages saved at SIGTERM, restored on restart) and the FleetWatcher holds a
 * persistent session (fixed client id, clean start off, long expiry) subscribed at QoS 1. What the
 * broker acknowledged to the agent before it stopped is therefore queued for the watcher and
 * delivered after the restart, whichever of agent and watcher reconnects first. Anything the agent
 * published but never got a PUBACK for stays in its outbox and is sent again — a duplicate the
 * ReferenceConsumer drops by (gateway, seq).
 *
 * Checked:
 * - the union of accepted telemetry and event seqs is exactly one range starting at 1 and reaching at
 *   least L, the last seq the outbox had committed shortly after the restart (read from the SQLite
 *   file, read-only): nothing missing;
 * - order: in every message the seqs ascend; the first arrivals of telemetry seqs ascend across
 *   messages (resent duplicates after a reconnect are allowed and ignored), the same for events;
 * - every repeated (gateway, seq) carries the very record of its first arrival;
 * - the agent kept running through the outage and logged the lost connection.
 * Printed: the measured ingest rate, the backlog at restart, duplicates. Timings are never asserted.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { FleetWatcher, startMosquitto, type Mosquitto } from '../../support/mosquitto.ts'
import { tempDir, type TempDir } from '../../support/gateway-config.ts'
import { ProcessGroup, type ManagedProcess } from '../../support/processes.ts'
import {
  SeqAudit, covers, increasing, logLines, missingIn, nominalRate, readOutbox, startAgent, startTcpSimulators, writeAgentConfig,
} from '../../support/store-forward.ts'
import { explained, until } from '../../support/until.ts'

const GATEWAY = { id: 'sf-outage', site: 'sf-site' }
const OUTAGE_MS = 60_000
const POLL_MS = 50

const group = new ProcessGroup()
let dir: TempDir
let broker: Mosquitto | undefined
let watcher: FleetWatcher | undefined

beforeAll(() => {
  dir = tempDir('sf-outage')
})
afterAll(async () => {
  await watcher?.close()
  await group.stopAll()
  await broker?.dispose()
  dir?.remove()
}, 60_000)

it('broker down 60 s during ~1,000 samples/s: every sample arrives, in order, none missing', async () => {
  const endpoints = await startTcpSimulators(group, 2, 2)
  broker = await startMosquitto({ persistence: true })
  watcher = await FleetWatcher.connect(broker.url, { persistentId: 'sf-outage-fleet' })
  const audit = new SeqAudit(watcher, GATEWAY.id)
  const bufferPath = join(dir.path, 'outbox.sqlite')
  const config = writeAgentConfig(dir.path, { gateway: GATEWAY, endpoints, pollMs: POLL_MS, uplinkUrl: broker.url, bufferPath })
  const agent: ManagedProcess = group.add(startAgent(config))

  // live flow first
  await watcher.waitFor('telemetry from the agent', () => watcher!.fresh.telemetry.length > 3000, 60_000)
  const seqAtStop0 = readOutbox(bufferPath).nextSeq
  const stoppedAt = Date.now()
  await broker.stop()
  // the outage lasts until the outbox holds OUTAGE_MS of ingest at the nominal rate
  const outageRecords = (OUTAGE_MS / 1000) * nominalRate(endpoints, POLL_MS)
  await explained(until('an outage backlog', () => readOutbox(bufferPath).nextSeq - seqAtStop0 >= outageRecords || agent.exit !== undefined, { timeoutMs: 3 * OUTAGE_MS, everyMs: 500 }),
    () => `${readOutbox(bufferPath).nextSeq - seqAtStop0} of ${outageRecords} records; ${agent.describe()}`)
  const seqAtRestart = readOutbox(bufferPath).nextSeq
  const rate = (seqAtRestart - seqAtStop0) / ((Date.now() - stoppedAt) / 1000)
  expect(agent.exit, agent.describe()).toBeUndefined()
  const lost = logLines(agent).filter((l) => l.level === 40 && /^uplink: connection lost/u.test(l.msg))
  expect(lost.length, agent.describe()).toBeGreaterThanOrEqual(1)
  const backlog = readOutbox(bufferPath)
  const connects = logLines(agent).filter((l) => /^uplink connected to /u.test(l.msg)).length
  await broker.restart()

  await explained(until('the agent reconnected', () => logLines(agent).filter((l) => /^uplink connected to /u.test(l.msg)).length > connects, { timeoutMs: 60_000, everyMs: 50 }),
    () => agent.describe())
  const last = readOutbox(bufferPath).nextSeq - 1
  await explained(until('every committed seq up to L at the watcher', () => covers(watcher!, GATEWAY.id, 1, last), { timeoutMs: 120_000, everyMs: 50 }),
    () => `L=${last}, missing ${JSON.stringify(missingIn(watcher!, GATEWAY.id, 1, last).slice(0, 5))}, agent log tail ${agent.stdout.slice(-1500)}`)
  await agent.stop('SIGTERM')

  const ranges = watcher.consumer.tracker.accepted(GATEWAY.id)
  console.log(`[outage] ingest ${rate.toFixed(0)} samples+events/s (nominal ${nominalRate(endpoints, POLL_MS)} samples/s); ` +
    `backlog at restart ${backlog.samples} samples, ${backlog.events} events; L=${last}; accepted ${JSON.stringify(ranges)}; ` +
    `telemetry messages ${audit.telemetryMessages}, events messages ${audit.eventMessages}; duplicates removed by the consumer ${watcher.consumer.duplicates}; ` +
    `rejected ${JSON.stringify(watcher.consumer.rejected)}; agent exit ${JSON.stringify(agent.exit)}`)

  expect(rate).toBeGreaterThan(700) // the load the acceptance asks for (~1,000/s), not a timing
  expect(ranges[0]?.first).toBe(1)
  expect(watcher.consumer.tracker.gaps(GATEWAY.id)).toEqual([])
  expect(increasing(watcher.fresh.telemetry)).toBe(true)
  expect(increasing(watcher.fresh.events)).toBe(true)
  expect(audit.problems).toEqual([])
  expect(Object.values(watcher.consumer.rejected).reduce((a, b) => a + b, 0)).toBe(0)
  expect(agent.exit).toEqual({ code: 0, signal: null })
}, 300_000)
