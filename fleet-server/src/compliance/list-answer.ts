import { gzipSync } from 'node:zlib'
import type { Scope } from '../model/index.ts'
import { RESPONSE_CACHE_BYTES, RESPONSE_CACHE_MIN_BYTES, scopedSites, type FleetReport, type ListAnswer, type ListQuery, type SiteReport } from './fleet-report.ts'

/**
 * A site's rows as UTF-8 JSON, made once per computed report. JSON.stringify of a row gives exactly
 * ComplianceRowSchema's fields in its order (the rows are built with no other property), so a list is
 * answered by concatenating these: fastify's schema serializer took ~2 s for the city's 60,000 rows
 * (light-my-request's decoding included), concatenating bytes takes milliseconds.
 */
function rowsJson(entry: SiteReport): Buffer[] {
  return (entry.json ??= entry.rows.map((row) => Buffer.from(JSON.stringify(row), 'utf8')))
}

/** an answer at least this large (bytes) is sent gzipped to a client that accepts it */
export const GZIP_MIN_BYTES = 64 << 10

/** The answer's body gzipped (level 3: ~50 ms for the city's 37 MB, to a few MB): kept with a kept answer. */
export function gzipped(answer: ListAnswer): Buffer {
  return answer.gzip ?? (answer.body.length >= RESPONSE_CACHE_MIN_BYTES ? (answer.gzip = gzipSync(answer.body, { level: 3 })) : gzipSync(answer.body, { level: 3 }))
}

/**
 * GET /api/compliance's answer: selectRows()'s page [offset, offset + limit) as UTF-8 JSON, and how many
 * rows all pages hold. Answers of RESPONSE_CACHE_MIN_BYTES or more are kept with the report (and go
 * with it), so the city's full list is put together once per report, not once per request.
 */
export function listResponse(report: FleetReport, scope: Scope, query: ListQuery): ListAnswer {
  const key = JSON.stringify([scope, query.status, query.siteType, query.jurisdiction, query.limit, query.offset])
  const cached = report.responses.get(key)
  if (cached) return cached
  const { parts, total } = selectRowsJson(report, scope, query)
  const answer: ListAnswer = { body: Buffer.concat(parts), total }
  if (answer.body.length >= RESPONSE_CACHE_MIN_BYTES && answer.body.length <= RESPONSE_CACHE_BYTES) {
    for (const [old, { body }] of report.responses) {
      if (report.responseBytes + answer.body.length <= RESPONSE_CACHE_BYTES) break
      report.responses.delete(old)
      report.responseBytes -= body.length
    }
    report.responses.set(key, answer)
    report.responseBytes += answer.body.length
  }
  return answer
}

const OPEN = Buffer.from('[')
const COMMA = Buffer.from(',')
const CLOSE = Buffer.from(']')

/**
 * selectRows()'s page [offset, offset + limit) as the pieces of a JSON array, and how many rows all
 * pages hold. A site wholly before or after the page is counted from its status counts, its rows untouched.
 */
function selectRowsJson(report: FleetReport, scope: Scope, filter: ListQuery): { parts: Buffer[]; total: number } {
  const { status, siteType, jurisdiction } = filter
  const from = filter.offset ?? 0
  const to = filter.limit === undefined ? Infinity : from + filter.limit
  const parts: Buffer[] = [OPEN]
  let total = 0
  for (const entry of scopedSites(report, scope)) {
    const { site, rows } = entry
    if (siteType !== undefined && site.type !== siteType) continue
    if (jurisdiction !== undefined && site.jurisdiction !== jurisdiction) continue
    const n = status === undefined ? rows.length : entry.counts[status]
    if (n === 0) continue
    if (total + n <= from || total >= to) {
      total += n
      continue
    }
    const json = rowsJson(entry)
    for (let i = 0; i < rows.length; i++) {
      if (status !== undefined && rows[i]!.status !== status) continue
      if (total >= from && total < to) {
        if (parts.length > 1) parts.push(COMMA)
        parts.push(json[i]!)
      }
      total++
    }
  }
  parts.push(CLOSE)
  return { parts, total }
}
