// The regulator's compliance view (#/compliance): counts by status per site type and per
// jurisdiction, the sites that missed the deadline (late or overdue) with the sanction that applies,
// the sites whose deadline is near, the sites with overdue recurring tests, the asOf date and filters,
// and the CSV export of the same report.
import { h, table } from '../dom.js'
import { lang, t, tOr } from '../i18n/index.js'
import { complianceCsvUrl } from '../api.js'
import { overdueTestsSection } from './periodic-tests.js'
/** @typedef {import('../api.js').ComplianceCounts} ComplianceCounts */
/** @typedef {import('../api.js').ComplianceFilters} ComplianceFilters */
/** @typedef {import('../api.js').ComplianceRow} ComplianceRow */
/** @typedef {import('../api.js').ComplianceState} ComplianceState */
/** @typedef {import('../api.js').ComplianceSummary} ComplianceSummary */
/** @typedef {import('../api.js').SiteType} SiteType */
/** @typedef {[ComplianceRow, ...ComplianceRow[]]} SiteRows one site's rows, in the report's order */
/**
 * The counts of GET /api/compliance/summary, or the same computed from the rows (`summarise`); its
 * asOf is then the one asked for, if any.
 * @typedef {Omit<ComplianceSummary, 'asOf'> & { asOf: string | undefined }} Summary
 */

/**
 * Worst first: a site's status is that of its worst (site, system) row.
 * @type {ComplianceState[]}
 */
const STATUS_ORDER = ['overdue', 'late', 'due-soon', 'on-track', 'compliant']
/** @type {Record<ComplianceState, string>} */
const STATUS_ICON = { overdue: '✕', late: '!', 'due-soon': '!', 'on-track': '○', compliant: '✓' }
/** @type {SiteType[]} the order of the counts table and the filter */
const SITE_TYPES = ['coal-mine', 'non-coal-mine', 'tailings-pond', 'petrol-station', 'chemical-plant', 'hazmat-fleet']
/** @type {ReadonlySet<string>} */
const KNOWN_SITE_TYPES = new Set(SITE_TYPES)

const zero = () => /** @type {Record<ComplianceState, number>} */ (Object.fromEntries(STATUS_ORDER.map((s) => [s, 0])))
/** @returns {ComplianceCounts} */
const emptyCounts = () => ({ systems: zero(), sites: zero() })
export const worstOf = (/** @type {ComplianceState[]} */ statuses) => STATUS_ORDER.find((s) => statuses.includes(s)) ?? 'compliant'

/**
 * The summary the server gives (GET /api/compliance/summary), computed from report rows.
 * @param {ComplianceRow[]} rows
 * @param {string | undefined} asOf
 * @returns {Summary}
 */
export function summarise(rows, asOf) {
  /** @type {Summary} */
  const out = { asOf, total: emptyCounts(), bySiteType: {}, byJurisdiction: {} }
  /** @type {Map<string, { groups: ComplianceCounts[], statuses: ComplianceState[] }>} by site id: its counts (of its first row's type and township) */
  const sites = new Map()
  for (const row of rows) {
    const groups = [out.total, (out.bySiteType[row.siteType] ??= emptyCounts()), (out.byJurisdiction[row.jurisdiction] ??= emptyCounts())]
    let site = sites.get(row.siteId)
    if (!site) sites.set(row.siteId, (site = { groups, statuses: [] }))
    site.statuses.push(row.status)
    for (const counts of groups) counts.systems[row.status]++
  }
  for (const site of sites.values()) {
    const worst = worstOf(site.statuses)
    for (const counts of site.groups) counts.sites[worst]++
  }
  return out
}

/**
 * Rows grouped by site, keeping the report's order.
 * @param {ComplianceRow[]} rows
 */
function bySite(rows) {
  /** @type {Map<string, SiteRows>} */
  const groups = new Map()
  for (const row of rows) {
    const group = groups.get(row.siteId)
    if (group) group.push(row)
    else groups.set(row.siteId, [row])
  }
  return [...groups.values()]
}

export const sanctionText = (/** @type {ComplianceRow['sanction'] | undefined} */ sanction) => (sanction ? sanction[lang()] ?? sanction.zh : null)

export function statusBadge(/** @type {ComplianceState} */ status) {
  return h('span', { class: `badge compliance-${status}`, 'data-status': status },
    h('span', { 'aria-hidden': 'true' }, STATUS_ICON[status] ?? '', ' '), tOr('complianceStatus', status))
}

const evidenceHref = (/** @type {string} */ siteId, /** @type {string | undefined} */ asOf) =>
  `#/compliance/site/${encodeURIComponent(siteId)}${asOf ? `?${new URLSearchParams({ asOf })}` : ''}`

/**
 * @param {string} caption
 * @param {string} testid
 * @param {Array<readonly [key: string, counts: ComplianceCounts, total: boolean]>} groups
 * @param {(key: string) => string} label
 */
function countsTable(caption, testid, groups, label) {
  const cell = (/** @type {ComplianceCounts} */ counts, /** @type {ComplianceState} */ status) => h('td', { class: `num ${counts.sites[status] > 0 ? `count-${status}` : ''}`, 'data-status': status },
    String(counts.sites[status]), h('span', { class: 'muted' }, ` (${counts.systems[status]})`))
  const rows = groups.map(([key, counts, total]) => h('tr', { 'data-testid': total ? 'counts-total' : 'counts-row', 'data-group': key, class: total ? 'total' : undefined },
    h('th', { scope: 'row' }, label(key)), STATUS_ORDER.map((status) => cell(counts, status))))
  return h('div', { class: 'table-wrap' }, table(caption,
    [t('compliance.group'), ...STATUS_ORDER.map((s) => tOr('complianceStatus', s))], rows, { class: 'counts', 'data-testid': testid }))
}

function countsSection(/** @type {Summary} */ summary) {
  /** @type {Array<[string, ComplianceCounts]>} the known types in their order, then any other */
  const types = SITE_TYPES.flatMap((type) => { const counts = summary.bySiteType[type]; return counts ? [[type, counts]] : [] })
  types.push(...Object.entries(summary.bySiteType).filter(([k]) => !KNOWN_SITE_TYPES.has(k)))
  const places = Object.entries(summary.byJurisdiction).sort(([a], [b]) => a.localeCompare(b, 'zh-CN'))
  const total = /** @type {const} */ (['*', summary.total, true])
  return h('section', { 'aria-labelledby': 'counts-heading', 'data-testid': 'compliance-counts' },
    h('h3', { id: 'counts-heading' }, t('compliance.counts')),
    h('p', { class: 'muted' }, t('compliance.countsHint')),
    countsTable(t('compliance.bySiteType'), 'counts-by-type', [...types.map(([k, counts]) => /** @type {const} */ ([k, counts, false])), total],
      (k) => (k === '*' ? t('compliance.total') : tOr('siteType', k))),
    countsTable(t('compliance.byJurisdiction'), 'counts-by-jurisdiction', [...places.map(([k, counts]) => /** @type {const} */ ([k, counts, false])), total],
      (k) => (k === '*' ? t('compliance.total') : k)))
}

/**
 * The site's name (a link to its evidence), type, township and enterprise.
 * @param {ComplianceRow} first any of the site's rows
 * @param {string | undefined} asOf
 */
function siteCell(first, asOf) {
  return h('th', { scope: 'row' },
    h('a', { href: evidenceHref(first.siteId, asOf), 'data-testid': 'evidence-link', 'data-focus-key': `evidence:${first.siteId}`,
      'aria-label': t('compliance.evidenceLabel', { site: first.siteName }) }, first.siteName),
    h('div', { class: 'muted' }, `${tOr('siteType', first.siteType)} · ${first.jurisdiction} · ${first.enterpriseName}`))
}

/**
 * @param {SiteRows} rows a site with a row late or overdue
 * @param {string | undefined} asOf
 */
function missedRow(rows, asOf) {
  const missed = rows.filter((r) => r.status === 'overdue' || r.status === 'late')
  const [first] = rows
  const worst = worstOf(missed.map((r) => r.status))
  const days = Math.max(...missed.map((r) => r.daysOverdue ?? 0))
  const sanction = sanctionText(missed.find((r) => r.sanction)?.sanction)
  return h('tr', { 'data-testid': 'overdue-row', dataset: { siteId: first.siteId, status: worst }, class: `row-${worst}` },
    siteCell(first, asOf),
    h('td', {}, statusBadge(worst)),
    h('td', { class: 'num', 'data-testid': 'days-overdue' }, t('compliance.days', { days })),
    h('td', {}, h('ul', { class: 'systems' }, missed.map((r) => h('li', { 'data-testid': 'missed-system', 'data-system': r.system, 'data-status': r.status },
      h('strong', {}, tOr('system', r.system)), ' — ',
      r.status === 'overdue' ? t('compliance.notInstalled', { deadline: r.deadline, days: r.daysOverdue })
        : t('compliance.installedLate', { installedOn: r.installedOn, days: r.daysOverdue }))))),
    h('td', { 'data-testid': 'sanction' }, sanction ?? h('span', { class: 'muted' }, t('compliance.noSanction'))))
}

/**
 * @param {SiteRows} rows a site with a row due soon
 * @param {string | undefined} asOf
 */
function dueRow(rows, asOf) {
  const due = rows.filter((r) => r.status === 'due-soon')
  const [first] = rows
  const daysLeft = Math.min(...due.map((r) => r.daysLeft ?? 0))
  const deadline = due.map((r) => r.deadline).sort()[0]
  return h('tr', { 'data-testid': 'due-soon-row', dataset: { siteId: first.siteId } },
    siteCell(first, asOf),
    h('td', {}, deadline),
    h('td', { class: 'num', 'data-testid': 'days-left' }, t('compliance.days', { days: daysLeft })),
    h('td', {}, h('ul', { class: 'systems' }, due.map((r) => h('li', { 'data-system': r.system }, tOr('system', r.system))))))
}

/**
 * @param {ComplianceFilters} query
 * @param {Summary} summary
 * @param {ComplianceRow[]} rows
 * @param {(filters: ComplianceFilters) => void} onFilter
 */
function filtersForm(query, summary, rows, onFilter) {
  const places = [...new Set([...Object.keys(summary?.byJurisdiction ?? {}), ...rows.map((r) => r.jurisdiction), query.jurisdiction].flatMap((p) => (p ? [p] : [])))]
    .sort((a, b) => a.localeCompare(b, 'zh-CN'))
  const asOf = h('input', { id: 'compliance-asof', name: 'asOf', type: 'date', value: query.asOf ?? summary?.asOf ?? '', 'data-testid': 'asof-input', required: true })
  const option = (/** @type {string} */ value, /** @type {string} */ text, /** @type {boolean} */ selected) => h('option', { value, selected: selected || undefined }, text)
  const siteType = h('select', { id: 'compliance-type', name: 'siteType', 'data-testid': 'type-filter' },
    option('', t('compliance.all'), !query.siteType), SITE_TYPES.map((k) => option(k, tOr('siteType', k), query.siteType === k)))
  const place = h('select', { id: 'compliance-place', name: 'jurisdiction', 'data-testid': 'jurisdiction-filter' },
    option('', t('compliance.all'), !query.jurisdiction), places.map((k) => option(k, k, query.jurisdiction === k)))
  const filters = { asOf: query.asOf ?? summary?.asOf, siteType: query.siteType, jurisdiction: query.jurisdiction }
  return h('form', {
    class: 'filters', 'data-testid': 'compliance-filters', 'aria-label': t('compliance.filters'),
    onsubmit: (/** @type {SubmitEvent} */ event) => {
      event.preventDefault()
      onFilter({ asOf: asOf.value, siteType: siteType.value, jurisdiction: place.value })
    },
  },
  h('p', {}, h('label', { for: 'compliance-asof' }, t('compliance.asOf')), asOf),
  h('p', {}, h('label', { for: 'compliance-type' }, t('col.type')), siteType),
  h('p', {}, h('label', { for: 'compliance-place' }, t('col.jurisdiction')), place),
  h('p', {}, h('button', { type: 'submit', 'data-testid': 'filters-apply' }, t('compliance.apply'))),
  h('p', {}, h('a', { href: complianceCsvUrl(filters), download: `compliance-${filters.asOf ?? 'today'}.csv`, class: 'button', 'data-testid': 'csv-link' },
    '↓ ', t('compliance.csv'))))
}

/**
 * `data`: the filters, the rows of GET /api/compliance with them and GET /api/compliance/summary
 * (null when the server has no such route: the rows are counted here); `onFilter(query)` navigates
 * to the filtered view.
 * @param {{ query: ComplianceFilters, rows: ComplianceRow[], summary: ComplianceSummary | null }} data
 * @param {{ onFilter: (filters: ComplianceFilters) => void }} actions
 */
export function complianceView(data, { onFilter }) {
  const { query, rows } = data
  const summary = data.summary ?? summarise(rows, query.asOf)
  const asOf = query.asOf ?? summary.asOf
  const groups = bySite(rows)
  const missed = groups.filter((g) => g.some((r) => r.status === 'overdue' || r.status === 'late'))
    .sort((a, b) => STATUS_ORDER.indexOf(worstOf(a.map((r) => r.status))) - STATUS_ORDER.indexOf(worstOf(b.map((r) => r.status))) ||
      Math.max(...b.map((r) => r.daysOverdue ?? 0)) - Math.max(...a.map((r) => r.daysOverdue ?? 0)))
  const dueSoon = groups.filter((g) => g.some((r) => r.status === 'due-soon'))
    .sort((a, b) => Math.min(...a.map((r) => r.daysLeft ?? Infinity)) - Math.min(...b.map((r) => r.daysLeft ?? Infinity)))
  return h('section', { 'aria-labelledby': 'compliance-heading', 'data-testid': 'compliance-view', 'data-as-of': asOf ?? '' },
    h('h2', { id: 'compliance-heading' }, t('compliance.heading'), asOf && h('span', { class: 'muted' }, ' ', t('compliance.asOfHeading', { asOf }))),
    h('p', { class: 'muted' }, t('compliance.intro')),
    filtersForm(query, summary, rows, onFilter),
    countsSection(summary),
    h('section', { 'aria-labelledby': 'missed-heading' },
      h('h3', { id: 'missed-heading' }, t('compliance.missed', { count: missed.length })),
      missed.length === 0 ? h('p', { 'data-testid': 'no-missed' }, t('compliance.noMissed'))
        : h('div', { class: 'table-wrap' }, table(t('compliance.missed', { count: missed.length }),
          [t('col.site'), t('col.state'), t('compliance.daysOverdue'), t('compliance.missingSystems'), t('compliance.sanction')],
          missed.map((g) => missedRow(g, query.asOf)), { class: 'missed', 'data-testid': 'overdue-list' }, true))),
    h('section', { 'aria-labelledby': 'due-heading' },
      h('h3', { id: 'due-heading' }, t('compliance.dueSoon', { count: dueSoon.length })),
      dueSoon.length === 0 ? h('p', { 'data-testid': 'no-due-soon' }, t('compliance.noDueSoon'))
        : h('div', { class: 'table-wrap' }, table(t('compliance.dueSoon', { count: dueSoon.length }),
          [t('col.site'), t('compliance.deadline'), t('compliance.daysLeft'), t('compliance.dueSystems')],
          dueSoon.map((g) => dueRow(g, query.asOf)), { class: 'due-soon', 'data-testid': 'due-soon-list' }, true))),
    overdueTestsSection(data.summary?.periodicTests, query))
}
