import type { Database, Statement } from 'better-sqlite3'
import type { SignedRun, Run } from '../../../../protocols/commissioning/index.ts'
import { deviceSummaries } from '../../commissioning-runs/index.ts'
import type { CommissioningRun, CommissioningRunSummary, Scope } from '../../model/index.ts'
import { scopeCondition } from './scope.ts'

interface RunRow {
  site_id: string; gateway_id: string; run_id: string; hash: string; key_id: string; purpose: 'commissioning' | 'periodic'; result: 'passed' | 'failed'
  started_at: number; ended_at: number; received_at: number; signed: string
}

/** the newest this many runs of a site, unless asked for fewer or more */
export const RUNS_DEFAULT_LIMIT = 100

function facts(r: RunRow, run: Run): Omit<CommissioningRunSummary, 'devices'> {
  return {
    gatewayId: r.gateway_id, runId: r.run_id, siteId: r.site_id, purpose: r.purpose, result: r.result, technician: run.technician,
    startedAt: r.started_at, endedAt: r.ended_at, receivedAt: r.received_at, hash: r.hash, keyId: r.key_id,
  }
}

/** The verified runs (migration 14) as the evidence API answers them, limited by a Scope like every read. */
export class CommissioningRunReader {
  private readonly cache = new Map<string, Statement>()

  constructor(private readonly db: Database) {}

  private prepare(sql: string): Statement {
    let statement = this.cache.get(sql)
    if (!statement) this.cache.set(sql, (statement = this.db.prepare(sql)))
    return statement
  }

  /** A site's runs, newest first (by startedAt); undefined when the site is unknown or outside the scope. */
  siteRuns(scope: Scope, siteId: string, limit = RUNS_DEFAULT_LIMIT): CommissioningRunSummary[] | undefined {
    const condition = scopeCondition(scope)
    if (this.prepare(`SELECT 1 FROM sites s WHERE s.id = ? AND ${condition.sql}`).get(siteId, ...condition.params) === undefined) return undefined
    const rows = this.prepare('SELECT * FROM commissioning_runs WHERE site_id = ? ORDER BY started_at DESC, id DESC LIMIT ?').all(siteId, limit) as RunRow[]
    return rows.map((r) => {
      const { run } = JSON.parse(r.signed) as SignedRun & { run: Run }
      return { ...facts(r, run), devices: deviceSummaries(run) }
    })
  }

  /** One run whole; undefined when unknown or of a site outside the scope. */
  run(scope: Scope, gatewayId: string, runId: string): CommissioningRun | undefined {
    const condition = scopeCondition(scope)
    const row = this.prepare(`SELECT r.* FROM commissioning_runs r JOIN sites s ON s.id = r.site_id WHERE r.gateway_id = ? AND r.run_id = ? AND ${condition.sql}`)
      .get(gatewayId, runId, ...condition.params) as RunRow | undefined
    if (row === undefined) return undefined
    const signed = JSON.parse(row.signed) as SignedRun & { run: Run }
    return { ...facts(row, signed.run), signature: signed.signature, verified: true, run: signed.run }
  }
}
