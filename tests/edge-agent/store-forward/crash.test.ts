/**
 * Acceptance (issue 4): the agent killed with SIGKILL at 20 random moments during ingest — every
 * committed sequence number arrives; duplicates appear only as repeated (gateway, seq), and the
 * ReferenceConsumer removes them.
 *
 * Black box: `edge-agent run --config FILE` as a child process (same config, same outbox file every
 * time) polling simulators over Modbus TCP (2 endpoints × 2 TSM-8 units × 12 channels every 50 ms),
 * a real mosquitto on a free loopback port that stays up, and a FleetWatcher subscribed (QoS 1) for
 * the whole test, so it sees everything the broker accepts.
 *
 * The loop: start the agent, wait until this run has committed samples (next_seq in the outbox moved),
 * wait a random 0.5–3 s (seeded PRNG, seed printed; SF_CRASH_SEED=N replays a schedule), SIGKILL;
 * 20 times.
 *
 * What counts as committed: the outbox gives sequence numbers inside the commit transaction and
 * persists meta.next_seq in it, so after the last kill every number below next_seq (read from the
 * SQLite file, read-only) was committed — L = next_seq − 1. Then the agent runs once more until the
 * watcher holds 1..L without a hole and its outbox no record ≤ L (the drain is complete for everything
 * committed before: each record is deleted on its PUBACK); it is stopped with SIGTERM, and the outbox
 * file must still hold no record ≤ L.
 *
 * Checked: the accepted seqs cover 1..L with no gap; every repeated (gateway, seq) carries the same
 * record as its first arrival (a repeat, never a reused number); nothing rejected. Printed: the kill
 * schedule, L, duplicates removed by the consumer.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { FleetWatcher, startMosquitto, type Mosquitto } from '../../support/mosquitto.ts'
import { tempDir, type TempDir } from '../../support/gateway-config.ts'
import { ProcessGroup } from '../../support/processes.ts'
import { explained, until } from '../../support/until.ts'
import {
  SeqAudit, covers, missingIn, readOutbox, seededRandom, sleep, startAgent, startTcpSimulators, writeAgentConfig,
} from '../../support/store-forward.ts'

const GATEWAY = { id: 'sf-crash', site: 'sf-site' }
const KILLS = 20

const group = new ProcessGroup()
let dir: TempDir
let broker: Mosquitto | undefined
let watcher: FleetWatcher | undefined

beforeAll(() => {
  dir = tempDir('sf-crash')
})
afterAll(async () => {
  await watcher?.close()
  await group.stopAll()
  await broker?.dispose()
  dir?.remove()
}, 60_000)

it('SIGKILL at 20 random moments during ingest: every committed seq arrives, duplicates only as repeated (gateway, seq)', async () => {
  const endpoints = await startTcpSimulators(group, 2, 2)
  broker = await startMosquitto()
  watcher = await FleetWatcher.connect(broker.url)
  const audit = new SeqAudit(watcher, GATEWAY.id)
  const bufferPath = join(dir.path, 'outbox.sqlite')
  const config = writeAgentConfig(dir.path, { gateway: GATEWAY, endpoints, pollMs: 50, uplinkUrl: broker.url, bufferPath })

  const seed = Number(process.env.SF_CRASH_SEED ?? Date.now() % 2 ** 31)
  const random = seededRandom(seed)
  const schedule: string[] = []
  for (let i = 0; i < KILLS; i++) {
    const agent = group.add(startAgent(config, `edge-agent #${i + 1}`))
    // ingest under way: this run has committed samples (the agent-started event alone is one seq)
    const atStart = readOutbox(bufferPath).nextSeq
    await explained(until('this run ingesting', () => readOutbox(bufferPath).nextSeq > atStart + 50 || agent.exit !== undefined, { timeoutMs: 30_000, everyMs: 50 }),
    () => agent.describe())
    const delay = Math.round(500 + random() * 2500)
    await sleep(delay)
    const before = readOutbox(bufferPath)
    expect(agent.exit, agent.describe()).toBeUndefined() // still running when we kill it
    agent.child.kill('SIGKILL')
    const exit = await agent.exited
    expect(exit.signal).toBe('SIGKILL')
    schedule.push(`${delay}ms→${before.nextSeq}`)
  }

  const killed = readOutbox(bufferPath)
  const last = killed.nextSeq - 1
  expect(last).toBeGreaterThan(1000) // there was ingest between the kills

  const final = group.add(startAgent(config, 'edge-agent final'))
  // running, its signal handlers set: its agent-started event (seq L + 1) is in the outbox
  await explained(until('the final run started', () => readOutbox(bufferPath).nextSeq > last + 1 || final.exit !== undefined, { timeoutMs: 30_000, everyMs: 50 }),
    () => final.describe())
  await explained(until('every committed seq 1..L at the watcher', () => covers(watcher!, GATEWAY.id, 1, last), { timeoutMs: 120_000, everyMs: 50 }),
    () => `L=${last}, missing ${JSON.stringify(missingIn(watcher!, GATEWAY.id, 1, last).slice(0, 10))}; ${final.describe()}`)
  // The watcher may have seen a record from a killed run whose PUBACK never reached that run: the final
  // run re-sends it and deletes it on its own PUBACK, which can come after the watcher's coverage.
  await explained(until('the outbox drained of every seq ≤ L', () => drainedUpTo(readOutbox(bufferPath), last), { timeoutMs: 120_000, everyMs: 50 }),
    () => `L=${last}, outbox ${JSON.stringify(readOutbox(bufferPath))}; ${final.describe()}`)
  await final.stop('SIGTERM')
  const after = readOutbox(bufferPath)

  console.log(`[crash] seed ${seed}; kills: ${schedule.join(', ')}; committed before the final run L=${last} ` +
    `(outbox then: ${killed.samples} samples, ${killed.events} events); duplicates removed by the consumer ${watcher.consumer.duplicates} ` +
    `(repeated seqs seen by the audit ${audit.repeats}); agent-started events received ${[...audit.events.values()].filter((e) => e.type === 'agent-started').length}; ` +
    `outbox after the final run: ${after.samples} samples (min seq ${String(after.minSample)}), ${after.events} events (min seq ${String(after.minEvent)}); ` +
    `rejected ${JSON.stringify(watcher.consumer.rejected)}; final exit ${JSON.stringify(final.exit)}`)

  expect(missingIn(watcher, GATEWAY.id, 1, last)).toEqual([])
  expect(audit.problems).toEqual([])
  expect(Object.values(watcher.consumer.rejected).reduce((a, b) => a + b, 0)).toBe(0)
  // nothing committed before the final run is still waiting in the outbox
  expect(drainedUpTo(after, last), JSON.stringify(after)).toBe(true)
  expect(final.exit).toEqual({ code: 0, signal: null })
}, 240_000)

function drainedUpTo(outbox: ReturnType<typeof readOutbox>, last: number): boolean {
  return (outbox.minSample === null || outbox.minSample > last) && (outbox.minEvent === null || outbox.minEvent > last)
}
