import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import type { Command } from 'commander'
import { InvalidInputError, formatProblem } from '../../../protocols/validation/index.ts'
import { parseSitesCsv, type ImportedSite } from '../compliance/site-import.ts'
import { DEFAULT_DB_PATH } from '../defaults.ts'
import { SITE_TYPES, type Enterprise } from '../model/index.ts'
import { SqliteStore } from '../store/sqlite/index.ts'
import { RuntimeError, UsageError } from '../../../protocols/cli/index.ts'
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
 * so the same file twice leaves the store as once (and the second import counts every row
 * unchanged). The whole file is checked first; when any row is bad, each problem is printed as
 * `FILE:LINE:COL column: message`, nothing is applied and the exit code is 2. Otherwise everything
 * is applied in one transaction.
 */
export function registerImportCommand(program: Command): void {
  program.command('import')
    .description('import enterprises and sites (type, jurisdiction, address, licence number, the date the rules apply from) from a CSV file; all or nothing')
    .requiredOption('--sites <file>', 'CSV, UTF-8: enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction[,enterprise_name_en,address,licence_no,in_town_near_homes,rules_from]; '
      + `site_type one of ${SITE_TYPES.join(', ')}`)
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
      const { sites, enterprises } = result
      console.log(`imported ${plural(total(sites), 'site')} of ${plural(total(enterprises), 'enterprise')} from ${options.sites}: `
        + `sites ${counted(sites)}; enterprises ${counted(enterprises)}`)
    })
}

/** What an import did to the rows of one table: a row the same file brings again is unchanged. */
export interface ImportCounts {
  /** not in the store before */
  created: number
  /** there before, with another value in some column */
  updated: number
  /** there before, exactly as the file has it */
  unchanged: number
}

export interface ImportResult {
  enterprises: ImportCounts
  sites: ImportCounts
}

const total = (counts: ImportCounts): number => counts.created + counts.updated + counts.unchanged
const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`
const counted = (counts: ImportCounts): string => `${counts.created} new, ${counts.updated} updated, ${counts.unchanged} unchanged`

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

/** Upsert every enterprise and site in one transaction: all of them or none. Each row is counted by comparing it before and after. */
export function applySites(store: SqliteStore, enterprises: readonly Enterprise[], sites: readonly ImportedSite[]): ImportResult {
  const { db } = store
  const enterpriseRow = db.prepare('SELECT * FROM enterprises WHERE id = ?')
  const siteRow = db.prepare('SELECT * FROM sites WHERE id = ?')
  const setNear = db.prepare('UPDATE sites SET in_town_near_homes = ? WHERE id = ?')
  return db.transaction(() => {
    const result: ImportResult = { enterprises: { created: 0, updated: 0, unchanged: 0 }, sites: { created: 0, updated: 0, unchanged: 0 } }
    for (const enterprise of enterprises) {
      const before = enterpriseRow.get(enterprise.id) as { name_en: string | null } | undefined
      // a file without English names keeps the ones the store has
      const kept = enterprise.nameEn ?? before?.name_en ?? undefined
      store.upsertEnterprise({ ...enterprise, ...(kept !== undefined && { nameEn: kept }) })
      count(result.enterprises, before, enterpriseRow.get(enterprise.id))
    }
    for (const { inTownNearHomes, ...site } of sites) {
      const before = siteRow.get(site.id)
      store.upsertSite(site)
      if (inTownNearHomes !== undefined) setNear.run(inTownNearHomes ? 1 : 0, site.id)
      count(result.sites, before, siteRow.get(site.id))
    }
    return result
  })()
}

function count(counts: ImportCounts, before: unknown, after: unknown): void {
  if (before === undefined) counts.created++
  else if (isDeepStrictEqual(before, after)) counts.unchanged++
  else counts.updated++
}
