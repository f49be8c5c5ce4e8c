import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { InvalidInputError, formatProblem } from '../../../protocols/validation/index.ts'
import { parseSitesCsv, type ImportedSite } from '../compliance/site-import.ts'
import { DEFAULT_DB_PATH } from '../defaults.ts'
import type { Enterprise } from '../api/schemas.ts'
import { SqliteStore } from '../store/sqlite/index.ts'
import { RuntimeError, UsageError } from './errors.ts'
import { openStoreFor } from './open-store.ts'

/**
 * fleet-server import --sites FILE.csv [--db FILE]
 *
 * Enterprises and sites from a CSV file (UTF-8 with or without a byte-order mark, RFC 4180 quoting,
 * Chinese names fine). The columns, named on the header line in any order:
 *
 *   enterprise_id, enterprise_name, site_id, site_name, site_type, jurisdiction   (required)
 *   enterprise_name_en, address, licence_no, in_town_near_homes, rules_from         (optional)
 *
 * (what each holds: fleet-server/src/compliance/site-import.ts). Idempotent: every row is an upsert,
 * so the same file twice leaves the store as once. The whole file is checked first; when any row is
 * bad, each problem is printed as `FILE:LINE:COL column: message`, nothing is applied and the exit
 * code is 2. Otherwise everything is applied in one transaction.
 */
export function registerImportCommand(program: Command): void {
  program.command('import')
    .description('import enterprises and sites (type, jurisdiction, address, licence number, the date the rules apply from) from a CSV file; all or nothing')
    .requiredOption('--sites <file>', 'CSV, UTF-8: enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction[,enterprise_name_en,address,licence_no,in_town_near_homes,rules_from]')
    .option('--db <file>', 'the fleet database', DEFAULT_DB_PATH)
    .action((options: { sites: string; db: string }) => {
      let result: ImportResult
      try {
        result = importSitesFile(options.sites, options.db)
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error
        for (const problem of error.problems) console.error(formatProblem(problem))
        const n = error.problems.length
        throw new UsageError(`${n} problem${n === 1 ? '' : 's'} in ${options.sites}; nothing was imported`)
      }
      console.log(`imported ${result.sites} site${result.sites === 1 ? '' : 's'} of ${result.enterprises} enterprise${result.enterprises === 1 ? '' : 's'} from ${options.sites} (${result.created} new, ${result.sites - result.created} updated)`)
    })
}

export interface ImportResult {
  enterprises: number
  sites: number
  /** sites that were not in the store before */
  created: number
}

/**
 * Read, check and apply a sites file. A bad file throws InvalidInputError (code SITES_INVALID) with
 * every problem, before the database is even opened; an unreadable one UsageError.
 */
export function importSitesFile(file: string, dbPath: string): ImportResult {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`--sites ${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  const parsed = parseSitesCsv(file, text)
  if (parsed.problems.length > 0) throw new InvalidInputError('SITES_INVALID', parsed.problems)
  const store = openStoreFor(dbPath)
  if (!(store instanceof SqliteStore)) {
    store.close()
    throw new RuntimeError('import needs the SQLite store')
  }
  try {
    return applySites(store, parsed.enterprises, parsed.sites)
  } catch (error) {
    throw new RuntimeError(`import failed, nothing was imported: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    store.close()
  }
}

/** Upsert every enterprise and site in one transaction: all of them or none. */
export function applySites(store: SqliteStore, enterprises: readonly Enterprise[], sites: readonly ImportedSite[]): ImportResult {
  const { db } = store
  const nameEnOf = db.prepare('SELECT name_en FROM enterprises WHERE id = ?')
  const siteExists = db.prepare('SELECT 1 FROM sites WHERE id = ?')
  const setNear = db.prepare('UPDATE sites SET in_town_near_homes = ? WHERE id = ?')
  return db.transaction(() => {
    for (const enterprise of enterprises) {
      // a file without English names keeps the ones the store has
      const kept = enterprise.nameEn ?? (nameEnOf.get(enterprise.id) as { name_en: string | null } | undefined)?.name_en ?? undefined
      store.upsertEnterprise({ ...enterprise, ...(kept !== undefined && { nameEn: kept }) })
    }
    let created = 0
    for (const { inTownNearHomes, ...site } of sites) {
      if (siteExists.get(site.id) === undefined) created++
      store.upsertSite(site)
      if (inTownNearHomes !== undefined) setNear.run(inTownNearHomes ? 1 : 0, site.id)
    }
    return { enterprises: enterprises.length, sites: sites.length, created }
  })()
}
