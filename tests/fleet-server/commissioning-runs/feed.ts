import { generateSigningKey, signRun, type Run, type SignedRun } from '../../../protocols/commissioning/index.ts'
import type { AgentEvent } from '../../../protocols/mqtt/index.ts'
import { Ingest, type IngestResult } from '../../../fleet-server/src/ingest/ingest.ts'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import { sampleRun } from '../../support/commissioning-run.ts'

/**
 * Signed runs fed through the real ingest path (Ingest.handle on the gateway's events topic), for
 * tests of the fleet side of issue 17 against a store of tests/fleet-server/api/fixture.ts.
 */

const HOUR = 3_600_000

/** Registers a fresh signing key for `gateway` (of `site`) as enrolment does; returns its private key. */
export function registerKey(store: SqliteStore, gateway: string, site: string): string {
  const { privateKeyPem, publicKey } = generateSigningKey()
  store.setGatewayCredentials({ gatewayId: gateway, siteId: site, username: gateway, passwordHash: 'scrypt$irrelevant', signingKey: publicKey })
  return privateKeyPem
}

/** sampleRun() of `gateway` on `site`, ended `endedAt`, of the given devices (each the sample device's steps), passed unless one failed. */
export function runOf(gateway: string, site: string, endedAt: number, devices: Record<string, 'passed' | 'failed'>, overrides: Partial<Run> = {}): Run {
  const base = sampleRun()
  const template = base.devices[0]!
  const list = Object.entries(devices).map(([device, result]) => ({ ...template, device, result }))
  return {
    ...base, id: `${gateway}:${endedAt - HOUR}`, site, gateway, startedAt: endedAt - HOUR, endedAt,
    result: list.every((d) => d.result === 'passed') ? 'passed' : 'failed', devices: list, ...overrides,
  }
}

export const sign = (run: Run, privateKeyPem: string): SignedRun => signRun(run, privateKeyPem)

export const commissioningEvent = (seq: number, ts: number, signed: SignedRun): AgentEvent => ({ seq, ts, type: 'commissioning', signed })

/** One events batch of `gateway` on its site's topic, through the ingest. */
export function feed(ingest: Ingest, site: string, gateway: string, events: AgentEvent[]): IngestResult {
  return ingest.handle(`fleet/v1/${site}/${gateway}/events`, Buffer.from(JSON.stringify({ v: 1, gw: gateway, events })))
}

export const ingestFor = (store: SqliteStore, clock: { now: number }) => new Ingest({ store, clock: () => clock.now })

export const rows = (store: SqliteStore, table: string): number => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
