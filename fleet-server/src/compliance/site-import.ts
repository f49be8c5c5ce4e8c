import { SITE_TYPES, type Enterprise, type SiteType } from '../model/index.ts'
import type { SiteInput } from '../store/types.ts'
import { calendarDayProblem, type Problem } from '../../../protocols/validation/index.ts'
import { CsvSyntaxError, parseCsv, type CsvField } from './csv.ts'

/**
 * The sites file of `fleet-server import --sites FILE.csv`: UTF-8 (a byte-order mark is fine),
 * RFC 4180, a header line naming the columns in any order, one site per line.
 *
 *   enterprise_id        required  the operating company's id (letters, digits, - _ .)
 *   enterprise_name      required  its registered name, e.g. 乐平市涌山煤业有限责任公司
 *   enterprise_name_en   optional  its English name
 *   site_id              required  the site's id (letters, digits, - _ .), unique in the file
 *   site_name            required  e.g. 涌山煤矿
 *   site_type            required  coal-mine | non-coal-mine | tailings-pond | petrol-station | chemical-plant | hazmat-fleet
 *   jurisdiction         required  township or street, e.g. 涌山镇
 *   address              optional
 *   licence_no           optional  safety production licence number
 *   in_town_near_homes   optional  true/false (also yes/no, 1/0, 是/否): in town with homes or crowded
 *                                  public places nearby; required for a petrol-station, where it decides
 *                                  whether the explosion-barrier and vapour-recovery duty binds
 *   rules_from           optional  YYYY-MM-DD: the date the plan's rules apply to this site from, when
 *                                  later than its jurisdiction's (e.g. licensed after the plan started)
 *
 * Values are trimmed. An empty optional value leaves rules_from and in_town_near_homes as they are
 * in the store and clears address and licence_no.
 */
const REQUIRED_COLUMNS = ['enterprise_id', 'enterprise_name', 'site_id', 'site_name', 'site_type', 'jurisdiction'] as const
const OPTIONAL_COLUMNS = ['enterprise_name_en', 'address', 'licence_no', 'in_town_near_homes', 'rules_from'] as const
type Column = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number]
const COLUMNS: readonly string[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]

export interface ImportedSite extends SiteInput {
  rulesFrom?: string
  inTownNearHomes?: boolean
}

export interface SiteImport {
  enterprises: Enterprise[]
  sites: ImportedSite[]
  /** every problem of the file; when there is any, nothing may be applied */
  problems: Problem[]
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/u
const TRUE = new Set(['true', 'yes', 'y', '1', '是'])
const FALSE = new Set(['false', 'no', 'n', '0', '否'])
const trim = (s: string) => s.replace(/^[\s\u3000\uFEFF]+|[\s\u3000]+$/gu, '')

/** Read and check a whole sites file; pure (the text in, rows and problems out). */
export function parseSitesCsv(file: string, text: string): SiteImport {
  const problems: Problem[] = []
  const at = (f: { line: number; column: number }, path: string, message: string) => problems.push({ file, line: f.line, column: f.column, path, message })
  let records
  try {
    records = parseCsv(text)
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error
    at(error, '', error.message)
    return { enterprises: [], sites: [], problems }
  }
  const [header, ...rows] = records
  if (!header) {
    at({ line: 1, column: 1 }, '', `empty file: expected a header line with the columns ${REQUIRED_COLUMNS.join(',')}`)
    return { enterprises: [], sites: [], problems }
  }

  const index = new Map<Column, number>()
  header.fields.forEach((f, i) => {
    const name = trim(f.value)
    if (!COLUMNS.includes(name)) at(f, name || `column ${i + 1}`, `unknown column (expected ${COLUMNS.join(', ')})`)
    else if (index.has(name as Column)) at(f, name, 'column named twice')
    else index.set(name as Column, i)
  })
  const missing = REQUIRED_COLUMNS.filter((c) => !index.has(c))
  if (missing.length > 0) at(header.fields[0]!, 'header', `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`)
  if (problems.length > 0) return { enterprises: [], sites: [], problems: problems.sort((a, b) => a.column - b.column) }

  const enterprises = new Map<string, { enterprise: Enterprise; line: number }>()
  const siteLines = new Map<string, number>()
  const sites: ImportedSite[] = []
  for (const row of rows) {
    if (row.fields.length !== header.fields.length) {
      const f = row.fields[Math.min(row.fields.length, header.fields.length) - 1]!
      at(f, '', `${row.fields.length} fields, the header has ${header.fields.length}`)
      continue
    }
    const before = problems.length
    const field = (c: Column): CsvField | undefined => (index.has(c) ? row.fields[index.get(c)!] : undefined)
    const value = (c: Column): string => trim(field(c)?.value ?? '')
    const required = (c: Column): string => {
      const v = value(c)
      if (v === '') at(field(c)!, c, 'must not be empty')
      return v
    }
    const id = (c: Column): string => {
      const v = required(c)
      if (v !== '' && !ID_RE.test(v)) at(field(c)!, c, `"${v}" is not an id: 1-64 letters, digits, - _ . starting with a letter or digit`)
      return v
    }

    const enterpriseId = id('enterprise_id')
    const enterpriseName = required('enterprise_name')
    const nameEn = value('enterprise_name_en')
    const siteId = id('site_id')
    const name = required('site_name')
    const type = required('site_type')
    if (type !== '' && !(SITE_TYPES as readonly string[]).includes(type)) at(field('site_type')!, 'site_type', `"${type}" is not a site type: one of ${SITE_TYPES.join(', ')}`)
    const jurisdiction = required('jurisdiction')
    const address = value('address')
    const licenceNo = value('licence_no')

    const near = value('in_town_near_homes').toLowerCase()
    let inTownNearHomes: boolean | undefined
    if (TRUE.has(near)) inTownNearHomes = true
    else if (FALSE.has(near)) inTownNearHomes = false
    else if (near !== '') at(field('in_town_near_homes')!, 'in_town_near_homes', `"${near}" is not true or false (yes/no, 1/0, 是/否)`)
    else if (type === 'petrol-station') {
      at(field('in_town_near_homes') ?? row.fields[index.get('site_type')!]!, 'in_town_near_homes',
        'required for a petrol-station: true when it is in town with homes or crowded public places nearby (the plan\'s 四(四)1 duty binds it then)')
    }

    const rulesFrom = value('rules_from')
    const rulesFromProblem = rulesFrom === '' ? undefined : calendarDayProblem(rulesFrom)
    if (rulesFromProblem !== undefined) at(field('rules_from')!, 'rules_from', rulesFromProblem)

    if (siteId !== '') {
      const seen = siteLines.get(siteId)
      if (seen !== undefined) at(field('site_id')!, 'site_id', `site "${siteId}" is also on line ${seen}`)
      else siteLines.set(siteId, row.line)
    }
    if (enterpriseId !== '' && enterpriseName !== '') {
      const known = enterprises.get(enterpriseId)
      if (!known) {
        enterprises.set(enterpriseId, { enterprise: { id: enterpriseId, name: enterpriseName, ...(nameEn !== '' && { nameEn }) }, line: row.line })
      } else if (known.enterprise.name !== enterpriseName) {
        at(field('enterprise_name')!, 'enterprise_name', `enterprise "${enterpriseId}" is named "${known.enterprise.name}" on line ${known.line}`)
      } else if (nameEn !== '' && (known.enterprise.nameEn ?? nameEn) !== nameEn) {
        at(field('enterprise_name_en')!, 'enterprise_name_en', `enterprise "${enterpriseId}" is named "${known.enterprise.nameEn}" on line ${known.line}`)
      } else if (nameEn !== '') {
        known.enterprise.nameEn = nameEn
      }
    }
    if (problems.length > before) continue
    sites.push({
      id: siteId, enterpriseId, name, type: type as SiteType, jurisdiction,
      ...(address !== '' && { address }), ...(licenceNo !== '' && { licenceNo }),
      ...(rulesFrom !== '' && { rulesFrom }), ...(inTownNearHomes !== undefined && { inTownNearHomes }),
    })
  }
  if (rows.length === 0 && problems.length === 0) at({ line: header.line, column: 1 }, '', 'no sites: the file has a header line only')
  problems.sort((a, b) => a.line - b.line || a.column - b.column)
  return { enterprises: [...enterprises.values()].map((e) => e.enterprise), sites, problems }
}
