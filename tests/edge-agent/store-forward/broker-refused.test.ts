/**
 * Acceptance (issue 4): a wrong password or an unreachable broker gives a clear log line and keeps
 * buffering.
 *
 * Black box: `edge-agent run --config FILE` as a child process (stdout is a pipe: pino JSON lines,
 * the assertions are on a line's `msg`), polling a simulator over Modbus TCP (1 endpoint × 2 TSM-8
 * units × 12 channels every 100 ms), a real mosquitto on a free loopback port.
 *
 * 1. Wrong password: mosquitto with a password file (users gateway and fleet server); the agent's
 *    credentials file (mode 0600, as the agent demands) holds a wrong password. The agent logs a warn
 *    line "uplink: connection refused: bad user name or password…", keeps running, the outbox grows
 *    (read-only reads of the SQLite file), nothing reaches the fleet; the password is never logged.
 *    Then the right password is written (0600) and the agent restarted (the credentials file is read
 *    at start): everything committed (1..L, L from the outbox after the restart) arrives.
 * 2. Unreachable broker: nothing listens on the configured port (mosquitto stopped). The agent logs a
 *    warn line "uplink: broker unreachable: ECONNREFUSED 127.0.0.1:PORT…", keeps running and
 *    buffering; the broker is started on that port and the same agent process drains 1..L.
 *    The subscriber misses nothing: mosquitto with persistence, the FleetWatcher's persistent session
 *    registered before the broker was stopped.
 */
import { chmodSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { FleetWatcher, startMosquitto, type Mosquitto } from '../../support/mosquitto.ts'
import { tempDir, type TempDir } from '../../support/gateway-config.ts'
import { ProcessGroup, type ManagedProcess } from '../../support/processes.ts'
import {
  SeqAudit, covers, logLines, missingIn, readOutbox, startAgent, startTcpSimulators, writeAgentConfig, type Endpoint,
} from '../../support/store-forward.ts'
import { explained, until, valueOf } from '../../support/until.ts'

const group = new ProcessGroup()
let dir: TempDir
let endpoints: Endpoint[]
const cleanups: (() => Promise<void> | void)[] = []

beforeAll(async () => {
  dir = tempDir('sf-refused')
  endpoints = await startTcpSimulators(group, 1, 2)
}, 60_000)
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  await group.stopAll()
  dir?.remove()
}, 60_000)

function writeCredentials(path: string, username: string, password: string): void {
  writeFileSync(path, JSON.stringify({ username, password }), { mode: 0o600 })
  chmodSync(path, 0o600)
  expect(statSync(path).mode & 0o777).toBe(0o600)
}

/** The outbox grows while the agent cannot deliver: a read, then a later one that holds more. */
async function expectBuffering(bufferPath: string, agent: ManagedProcess): Promise<{ before: number; after: number }> {
  const before = readOutbox(bufferPath)
  const after = await explained(valueOf('the outbox growing', () => {
    const now = readOutbox(bufferPath)
    return now.samples > before.samples && now.nextSeq > before.nextSeq ? now : undefined
  }, { timeoutMs: 15_000, everyMs: 100 }), () => agent.describe())
  expect(agent.exit, agent.describe()).toBeUndefined()
  expect(after.samples).toBeGreaterThan(before.samples)
  expect(after.nextSeq).toBeGreaterThan(before.nextSeq)
  return { before: before.samples, after: after.samples }
}

/** L: the last seq of a commit made after this moment (the agent connected, ingesting on). */
async function committedAfterNow(bufferPath: string): Promise<number> {
  const now = readOutbox(bufferPath).nextSeq
  return valueOf('a commit after connecting', () => {
    const next = readOutbox(bufferPath).nextSeq
    return next > now ? next - 1 : undefined
  }, { timeoutMs: 15_000, everyMs: 50 })
}

it('a wrong password: a clear log line, the agent keeps running and buffering; with the right password everything drains', async () => {
  const gateway = { id: 'sf-badpw', site: 'sf-site' }
  const broker = await startMosquitto({ users: { [gateway.id]: 'right-password', fleet: 'fleet-password' } })
  cleanups.push(() => broker.dispose())
  const watcher = await FleetWatcher.connect(broker.url, { username: 'fleet', password: 'fleet-password' })
  cleanups.push(() => watcher.close())
  const audit = new SeqAudit(watcher, gateway.id)
  const sub = join(dir.path, 'badpw')
  const { mkdirSync } = await import('node:fs')
  mkdirSync(sub)
  const credentialsFile = join(sub, 'credentials.json')
  writeCredentials(credentialsFile, gateway.id, 'hunter2-wrong')
  const bufferPath = join(sub, 'outbox.sqlite')
  const config = writeAgentConfig(sub, { gateway, endpoints, pollMs: 100, uplinkUrl: broker.url, bufferPath, credentialsFile })

  const agent = group.add(startAgent(config, 'edge-agent wrong password'))
  await until('the refusal logged', () => logLines(agent).some((l) => /^uplink: connection refused/u.test(l.msg)) || agent.exit !== undefined, { timeoutMs: 30_000, everyMs: 50 })
  const refusal = logLines(agent).find((l) => /^uplink: connection refused/u.test(l.msg))
  expect(refusal, agent.describe()).toBeDefined()
  expect(refusal!.level).toBe(40) // warn
  expect(refusal!.msg).toMatch(/^uplink: connection refused: bad user name or password(, or not authorized)? \(reason 13[45]\); retrying in \d+\.\d s$/u)
  const grew = await expectBuffering(bufferPath, agent)
  expect(watcher.fresh.telemetry.length + watcher.fresh.events.length).toBe(0)
  expect(agent.stdout + agent.stderr).not.toContain('hunter2')
  await agent.stop('SIGTERM')
  expect(agent.exit).toEqual({ code: 0, signal: null })

  writeCredentials(credentialsFile, gateway.id, 'right-password')
  const fixed = group.add(startAgent(config, 'edge-agent right password'))
  await fixed.waitForLine(/"msg":"uplink connected to /u, 30_000)
  const last = await committedAfterNow(bufferPath)
  await explained(until('every committed seq 1..L at the watcher', () => covers(watcher, gateway.id, 1, last), { timeoutMs: 60_000, everyMs: 50 }),
    () => `L=${last}, missing ${JSON.stringify(missingIn(watcher, gateway.id, 1, last).slice(0, 5))}; ${fixed.describe()}`)
  await fixed.stop('SIGTERM')
  console.log(`[wrong password] log line: ${JSON.stringify(refusal)}; outbox grew ${grew.before} → ${grew.after} samples; ` +
    `after the fix L=${last} delivered, accepted ${JSON.stringify(watcher.consumer.tracker.accepted(gateway.id))}, duplicates ${watcher.consumer.duplicates}`)
  expect(missingIn(watcher, gateway.id, 1, last)).toEqual([])
  expect(audit.problems).toEqual([])
  expect(fixed.exit).toEqual({ code: 0, signal: null })
}, 120_000)

it('an unreachable broker: a clear log line, the agent keeps running and buffering; once the broker is up everything drains', async () => {
  const gateway = { id: 'sf-unreach', site: 'sf-site' }
  const broker = await startMosquitto({ persistence: true })
  cleanups.push(() => broker.dispose())
  const watcher = await FleetWatcher.connect(broker.url, { persistentId: 'sf-unreach-fleet' })
  cleanups.push(() => watcher.close())
  const audit = new SeqAudit(watcher, gateway.id)
  await broker.stop()

  const sub = join(dir.path, 'unreach')
  const { mkdirSync } = await import('node:fs')
  mkdirSync(sub)
  const bufferPath = join(sub, 'outbox.sqlite')
  const config = writeAgentConfig(sub, { gateway, endpoints, pollMs: 100, uplinkUrl: broker.url, bufferPath })
  const agent = group.add(startAgent(config, 'edge-agent unreachable'))
  await until('the failure logged', () => logLines(agent).some((l) => /^uplink: broker unreachable/u.test(l.msg)) || agent.exit !== undefined, { timeoutMs: 30_000, everyMs: 50 })
  const line = logLines(agent).find((l) => /^uplink: broker unreachable/u.test(l.msg))
  expect(line, agent.describe()).toBeDefined()
  expect(line!.level).toBe(40)
  expect(line!.msg).toMatch(new RegExp(`^uplink: broker unreachable: ECONNREFUSED 127\\.0\\.0\\.1:${broker.port}; retrying in \\d+\\.\\d s$`, 'u'))
  const grew = await expectBuffering(bufferPath, agent)

  await broker.restart()
  await explained(until('the agent reconnected', () => logLines(agent).some((l) => /^uplink connected to /u.test(l.msg)), { timeoutMs: 30_000, everyMs: 50 }), () => agent.describe())
  const last = await committedAfterNow(bufferPath)
  await explained(until('every committed seq 1..L at the watcher', () => covers(watcher, gateway.id, 1, last), { timeoutMs: 60_000, everyMs: 50 }),
    () => `L=${last}, missing ${JSON.stringify(missingIn(watcher, gateway.id, 1, last).slice(0, 5))}; ${agent.describe()}`)
  await agent.stop('SIGTERM')
  const reconnected = logLines(agent).find((l) => /^uplink connected to /u.test(l.msg) && /failed attempt/u.test(l.msg))
  console.log(`[unreachable] log line: ${JSON.stringify(line)}; outbox grew ${grew.before} → ${grew.after} samples; ` +
    `reconnect line: ${JSON.stringify(reconnected?.msg)}; L=${last} delivered, accepted ${JSON.stringify(watcher.consumer.tracker.accepted(gateway.id))}, duplicates ${watcher.consumer.duplicates}`)
  expect(missingIn(watcher, gateway.id, 1, last)).toEqual([])
  expect(audit.problems).toEqual([])
  expect(agent.exit).toEqual({ code: 0, signal: null })
}, 120_000)
