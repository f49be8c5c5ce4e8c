import type { Database, Statement } from 'better-sqlite3'
import type { Run, SignedRun } from '../../../../protocols/commissioning/index.ts'
import type { DeviceTests, Scope, SiteTests } from '../../model/index.ts'
import { deviceKey, deviceTests, passesOf, runPasses, type RunPasses } from '../../periodic-tests/index.ts'
import { profileFacts } from './profiles.ts'
import { scopeCondition } from './scope.ts'

interface DeviceRow { site_id: string; gateway_id: string; id: string; profile: string; location: string | null; system: string | null; calibrated_on: string | null; kind: string | null }

/**
 * The recurring tests of the devices of the sites a scope sees, on one day (periodic-tests/, the shared
 * rules): the device's kind as its gateway's inventory names it (else from the server's profile
 * library, else from its latest run), the site's type, the
 * inventory's calibratedOn and the passed steps of the site's verified runs.
 */
export class PeriodicTestReader {
  private readonly cache = new Map<string, Statement>()
  /** runs are append-only: each is parsed once (by row id), and only what the passes need is kept */
  private readonly runs = new Map<number, RunPasses>()

  constructor(private readonly db: Database) {}

  private prepare(sql: string): Statement {
    let statement = this.cache.get(sql)
    if (!statement) this.cache.set(sql, (statement = this.db.prepare(sql)))
    return statement
  }

  private runPasses(id: number): RunPasses {
    let passes = this.runs.get(id)
    if (passes === undefined) {
      const { signed } = this.prepare('SELECT signed FROM commissioning_runs WHERE id = ?').get(id) as { signed: string }
      this.runs.set(id, (passes = runPasses((JSON.parse(signed) as SignedRun & { run: Run }).run)))
    }
    return passes
  }

  /** Every site in scope (only `siteIds` when given), by id, on `today` (YYYY-MM-DD, Asia/Shanghai). */
  sitesTests(scope: Scope, today: string, siteIds?: readonly string[]): SiteTests[] {
    const condition = scopeCondition(scope)
    const only = siteIds === undefined ? '' : ' AND s.id IN (SELECT value FROM json_each(?))'
    const sites = this.prepare(`SELECT s.id, s.name, s.type, s.jurisdiction FROM sites s WHERE ${condition.sql}${only} ORDER BY s.id`)
      .all(...condition.params, ...(siteIds === undefined ? [] : [JSON.stringify(siteIds)])) as SiteTests['site'][]
    if (sites.length === 0) return []
    const ids = JSON.stringify(sites.map((s) => s.id))
    const rows = this.prepare(`SELECT site_id, gateway_id, id, profile, location, system, calibrated_on, kind FROM devices
      WHERE site_id IN (SELECT value FROM json_each(?)) ORDER BY site_id, gateway_id, id`).all(ids) as DeviceRow[]
    const runs = (this.prepare('SELECT id FROM commissioning_runs WHERE site_id IN (SELECT value FROM json_each(?)) ORDER BY ended_at, id').all(ids) as { id: number }[])
      .map(({ id }) => this.runPasses(id))
    const passes = passesOf(runs, today)
    // a device's kind when neither its inventory nor the library names it: as its latest run named it
    const runKinds = new Map<string, string>()
    for (const run of runs) for (const d of run.devices) if (d.kind !== undefined) runKinds.set(deviceKey(run.gateway, d.device), d.kind)

    const bySite = new Map(sites.map((site) => [site.id, { site, devices: [] as DeviceTests[] }]))
    for (const r of rows) {
      const entry = bySite.get(r.site_id)!
      const facts = profileFacts(r.profile)
      const kind = r.kind ?? facts?.kind ?? runKinds.get(deviceKey(r.gateway_id, r.id))
      if (kind === undefined) continue
      const maker = facts?.calibrationIntervalDays !== undefined ? { days: facts.calibrationIntervalDays, source: facts.calibrationSource ?? `profile ${r.profile}` } : undefined
      const tests = deviceTests({ kind, siteType: entry.site.type, ...(r.calibrated_on !== null && { calibratedOn: r.calibrated_on }), ...(maker && { makerCalibration: maker }) },
        passes.get(deviceKey(r.gateway_id, r.id)), today)
      if (tests.length === 0) continue
      entry.devices.push({
        gatewayId: r.gateway_id, device: r.id, profile: r.profile, kind,
        ...(r.location !== null && { location: r.location }), ...(r.system !== null && { system: r.system }), tests,
      })
    }
    return [...bySite.values()]
  }
}
