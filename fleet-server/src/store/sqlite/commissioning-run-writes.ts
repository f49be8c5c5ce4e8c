import type { Database, Statement } from 'better-sqlite3'
import { canonicalBytes, type Run } from '../../../../protocols/commissioning/index.ts'
import type { AgentEvent, CommissioningEvent } from '../../../../protocols/mqtt/index.ts'
import { SYSTEM_IDS } from '../../../../hardware-profiles/schema.ts'
import type { AuditTrail } from '../../audit/chain.ts'
import { testedInstallations, type RunOutcome, type SystemDevice } from '../../commissioning-runs/index.ts'
import type { IngestRejectReason, RunRefusalCode, RunVerdicts } from '../../ingest/types.ts'
import type { CommissioningInput, CommissioningRecord } from '../types.ts'

/** What becomes of one commissioning event of a batch. */
export type RunDisposition =
  | { kind: 'store'; run: Run; event: CommissioningEvent }
  /** the same run (id and hash) again: counted as a duplicate, not stored twice */
  | { kind: 'duplicate' }
  | { kind: 'refuse'; code: RunRefusalCode; reason: string; event: CommissioningEvent }

export interface CommissioningRunDeps {
  audit: AuditTrail | undefined
  countReject: (reason: IngestRejectReason) => void
  /** appends a commissioning record (and tells the compliance report it changed) */
  addCommissioning: (record: CommissioningInput) => CommissioningRecord
}

const REGULATORY = new Set<string>(SYSTEM_IDS)

/**
 * The verified commissioning runs (migration 14): kept append-only, one per (gateway, run id), the
 * signed run as canonical JSON (its `run` is exactly the bytes the signature covers), with each
 * device's result; refused ones counted and audited. After a run is kept, the site's regulatory
 * systems that accepted runs now install (testedInstallations) get a 'tested' commissioning record,
 * unless one not rejected is already dated on or before that day.
 */
export class CommissioningRunWrites {
  private readonly sql: Record<'existing' | 'run' | 'device' | 'event' | 'siteDevices' | 'siteRuns' | 'siteRunDevices' | 'testedRecords' | 'technician', Statement>

  constructor(db: Database, private readonly deps: CommissioningRunDeps) {
    const p = (sql: string) => db.prepare(sql)
    this.sql = {
      existing: p('SELECT hash FROM commissioning_runs WHERE gateway_id = ? AND run_id = ?'),
      run: p(`INSERT INTO commissioning_runs (site_id, gateway_id, run_id, hash, key_id, purpose, result, technician, started_at, ended_at, received_at, signed)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      device: p('INSERT INTO commissioning_run_devices (run, device, system, result) VALUES (?, ?, ?, ?)'),
      event: p('INSERT OR IGNORE INTO events (gateway_id, seq, ts, type, body) VALUES (?, ?, ?, ?, ?)'),
      siteDevices: p('SELECT d.gateway_id, d.id, d.system FROM devices d JOIN gateways g ON g.id = d.gateway_id WHERE g.site_id = ? AND d.system IS NOT NULL'),
      siteRuns: p('SELECT id, gateway_id, run_id, result, ended_at FROM commissioning_runs WHERE site_id = ?'),
      siteRunDevices: p('SELECT d.run, d.device, d.result FROM commissioning_run_devices d JOIN commissioning_runs r ON r.id = d.run WHERE r.site_id = ?'),
      testedRecords: p(`SELECT system, commissioned_on FROM commissioning c WHERE c.site_id = ? AND c.evidence = 'tested'
        AND NOT EXISTS (SELECT 1 FROM commissioning_rejections j WHERE j.record_id = c.id)`),
      technician: p('SELECT technician FROM commissioning_runs WHERE gateway_id = ? AND run_id = ?'),
    }
  }

  /**
   * Per commissioning event of `events` (by seq): kept, a duplicate of a run kept before (or earlier in
   * the batch), or refused — its verdict refused it, it has none, or its run id was used for another run.
   */
  classify(gatewayId: string, events: readonly AgentEvent[], verdicts: RunVerdicts | undefined): Map<number, RunDisposition> {
    const dispositions = new Map<number, RunDisposition>()
    const inBatch = new Map<string, string>()
    for (const event of events) {
      if (event.type !== 'commissioning') continue
      const verdict = verdicts?.get(event.seq)
      if (verdict === undefined) {
        dispositions.set(event.seq, { kind: 'refuse', code: 'MALFORMED', reason: 'the run was not verified', event })
        continue
      }
      if (!verdict.ok) {
        dispositions.set(event.seq, { kind: 'refuse', code: verdict.code, reason: verdict.reason, event })
        continue
      }
      const { run } = verdict
      const hash = event.signed.hash
      const earlier = inBatch.get(run.id) ?? (this.sql.existing.get(gatewayId, run.id) as { hash: string } | undefined)?.hash
      if (earlier === hash) dispositions.set(event.seq, { kind: 'duplicate' })
      else if (earlier !== undefined) {
        dispositions.set(event.seq, { kind: 'refuse', code: 'RUN_ID_REUSED', reason: `gateway ${gatewayId} sent run ${run.id} before with hash ${earlier}, not ${hash}: a run id names one run`, event })
      } else {
        inBatch.set(run.id, hash)
        dispositions.set(event.seq, { kind: 'store', run, event })
      }
    }
    return dispositions
  }

  /** Writes what `disposition` says, inside the caller's transaction. */
  write(gatewayId: string, siteId: string, disposition: RunDisposition, now: number): void {
    switch (disposition.kind) {
      case 'duplicate':
        return
      case 'refuse': {
        const { code, reason, event } = disposition
        this.deps.countReject(`commissioning:${code}`)
        const runId = typeof (event.signed.run as { id?: unknown } | null)?.id === 'string' ? (event.signed.run as { id: string }).id : null
        this.deps.audit?.record({
          at: now, actor: `gateway:${gatewayId}`, action: 'commissioning-refused', siteId, subject: runId ?? `event ${event.seq}`,
          detail: { gateway: gatewayId, site: siteId, code, reason, runId, hash: event.signed.hash, keyId: event.signed.keyId, seq: event.seq },
        })
        return
      }
      case 'store': {
        const { run, event } = disposition
        const { signed } = event
        const row = Number(this.sql.run.run(siteId, gatewayId, run.id, signed.hash, signed.keyId, run.purpose, run.result, run.technician.name,
          run.startedAt, run.endedAt, now, canonicalBytes(signed).toString('utf8')).lastInsertRowid)
        for (const d of run.devices) this.sql.device.run(row, d.device, d.system ?? null, d.result)
        // the event log keeps a reference: the run itself is in commissioning_runs
        this.sql.event.run(gatewayId, event.seq, event.ts, event.type, JSON.stringify({ seq: event.seq, ts: event.ts, type: event.type, runId: run.id, hash: signed.hash, keyId: signed.keyId }))
        this.installByTests(siteId, now)
        return
      }
    }
  }

  /** The 'tested' records the site's accepted runs now call for (see the class). */
  installByTests(siteId: string, now: number): void {
    const devices: SystemDevice[] = (this.sql.siteDevices.all(siteId) as { gateway_id: string; id: string; system: string }[])
      .filter((d) => REGULATORY.has(d.system)).map((d) => ({ gatewayId: d.gateway_id, device: d.id, system: d.system }))
    if (devices.length === 0) return
    const runs = new Map<number, RunOutcome & { devices: { device: string; result: 'passed' | 'failed' }[] }>()
    for (const r of this.sql.siteRuns.all(siteId) as { id: number; gateway_id: string; run_id: string; result: 'passed' | 'failed'; ended_at: number }[]) {
      runs.set(r.id, { gatewayId: r.gateway_id, runId: r.run_id, result: r.result, endedAt: r.ended_at, devices: [] })
    }
    for (const d of this.sql.siteRunDevices.all(siteId) as { run: number; device: string; result: 'passed' | 'failed' }[]) runs.get(d.run)?.devices.push({ device: d.device, result: d.result })
    const tested = this.sql.testedRecords.all(siteId) as { system: string; commissioned_on: string }[]
    for (const installation of testedInstallations(devices, [...runs.values()])) {
      if (tested.some((t) => t.system === installation.system && t.commissioned_on <= installation.commissionedOn)) continue
      const { gatewayId, runId } = installation.completedBy
      const technician = (this.sql.technician.get(gatewayId, runId) as { technician: string }).technician
      const record = this.deps.addCommissioning({
        siteId, system: installation.system, commissionedOn: installation.commissionedOn, by: technician, devices: installation.devices,
        note: `tested: every device passed in signed runs ${installation.runIds.join(', ')} (completed by run ${runId} of gateway ${gatewayId})`,
        createdAt: now, evidence: 'tested', runIds: installation.runIds,
      })
      this.deps.audit?.record({
        at: now, actor: `gateway:${gatewayId}`, action: 'commissioning-tested', siteId, subject: `commissioning ${record.id}`,
        detail: { system: installation.system, commissionedOn: installation.commissionedOn, runIds: installation.runIds, devices: installation.devices },
      })
    }
  }
}
