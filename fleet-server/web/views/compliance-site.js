// One site's compliance evidence (#/compliance/site/{id}): each required system's deadline,
// installation, live verification and status; the commissioning records; the daily data coverage
// of each system with the 95 % line; the test runs the site's gateways signed, each opening its
// evidence; records proven by runs ("tested at the gateway") told apart from those entered by hand.
import { h, section, table } from '../dom.js'
import { t, tOr } from '../i18n/index.js'
import { formatTime } from '../format.js'
import { sanctionText, statusBadge, worstOf } from './compliance.js'
import { coverageChart } from './coverage-chart.js'
import { resultBadge } from './run.js'
import { formatSeconds } from './run-steps.js'
import { runHash } from '../routes.js'
/** @typedef {import('../api.js').Commissioning} Commissioning */
/** @typedef {import('../api.js').CommissioningRunSummary} CommissioningRunSummary */
/** @typedef {import('../api.js').ComplianceEvidence} ComplianceEvidence */
/** @typedef {import('../api.js').ComplianceFilters} ComplianceFilters */
/** @typedef {import('../api.js').ComplianceRow} ComplianceRow */

const dash = () => t('value.none')
const percent = (/** @type {number} */ share) => `${(Math.floor(share * 1000) / 10).toFixed(1)} %`

function daysText(/** @type {ComplianceRow} */ row) {
  if (row.daysOverdue !== null && row.daysOverdue !== undefined) return t('compliance.daysLate', { days: row.daysOverdue })
  if (row.daysLeft !== null && row.daysLeft !== undefined) return t('compliance.daysToGo', { days: row.daysLeft })
  return dash()
}

function verifiedBadge(/** @type {ComplianceRow} */ row) {
  return h('span', { class: `badge ${row.verified ? 'verified-yes' : 'verified-no'}`, 'data-testid': 'verified', 'data-verified': String(row.verified) },
    h('span', { 'aria-hidden': 'true' }, row.verified ? '✓ ' : '✕ '), row.verified ? t('compliance.verified') : t('compliance.notVerified'))
}

function systemRow(/** @type {ComplianceRow} */ row) {
  return h('tr', { 'data-testid': 'evidence-row', dataset: { system: row.system, status: row.status }, class: `row-${row.status}` },
    h('th', { scope: 'row' }, tOr('system', row.system), h('div', { class: 'muted' }, `${row.clause} · ${row.ruleId}`)),
    h('td', {}, row.appliesFrom),
    h('td', { 'data-testid': 'deadline' }, row.deadline),
    h('td', { 'data-testid': 'installed-on' }, row.installedOn ?? t('compliance.notYet')),
    h('td', {}, verifiedBadge(row)),
    h('td', { class: 'num', 'data-testid': 'coverage' }, percent(row.coverage)),
    h('td', {}, statusBadge(row.status)),
    h('td', { class: 'num' }, daysText(row)))
}

/** effective, rejected (with the regulator and the reason) or replaced (by which record) */
function standingCell(/** @type {Commissioning} */ record) {
  const correcting = record.replaces !== undefined && h('div', { class: 'muted' }, t('compliance.corrects', { id: record.replaces }))
  if (record.state === 'effective') return h('td', {}, h('span', { class: 'badge verified-yes' }, t('compliance.accepted')), correcting)
  if (record.state === 'replaced') {
    return h('td', {}, h('span', { class: 'badge verified-no' }, t('compliance.replaced', { id: record.replacedBy ?? '?' })), correcting)
  }
  const { rejection } = record
  return h('td', {},
    h('span', { class: 'badge verified-no' }, rejection ? t('compliance.rejected') : t('compliance.notAccepted')),
    rejection && h('div', { 'data-testid': 'rejection' }, t('compliance.rejectedBy', { by: rejection.by, reason: rejection.reason }), ' · ', formatTime(rejection.createdAt)),
    correcting)
}

/**
 * The gateway of a run the record names: from the site's runs; a run id is `{gateway}:{startedAt}`
 * (protocols/commissioning/run.ts), which names it when the run is not among them.
 * @param {string} runId
 * @param {CommissioningRunSummary[]} runs
 */
function runOf(runId, runs) {
  const known = runs.find((r) => r.runId === runId)
  return { gatewayId: known?.gatewayId ?? runId.split(':')[0] ?? runId, startedAt: known?.startedAt }
}

/** tested at the gateway (with links to its runs) or entered by hand */
function evidenceCell(/** @type {Commissioning} */ record, /** @type {string} */ siteId, /** @type {CommissioningRunSummary[]} */ runs) {
  const tested = record.evidence === 'tested'
  return h('td', { 'data-testid': 'evidence-kind', 'data-evidence': record.evidence },
    h('span', { class: `badge evidence-${record.evidence}`, title: t(tested ? 'evidence.testedHint' : 'evidence.enteredHint') },
      h('span', { 'aria-hidden': 'true' }, tested ? '⚗ ' : '✎ '), t(tested ? 'evidence.tested' : 'evidence.entered')),
    tested && (record.runIds ?? []).map((runId) => {
      const { gatewayId, startedAt } = runOf(runId, runs)
      return h('div', {}, h('a', { href: runHash(siteId, gatewayId, runId), 'data-testid': 'run-link', 'data-run-id': runId },
        t('evidence.runLink', { when: startedAt === undefined ? runId : formatTime(startedAt) })))
    }))
}

/** one device of a run in short: result, and each gas step's T90 and recovery against their limits */
function runDeviceLine(/** @type {CommissioningRunSummary['devices'][number]} */ device) {
  return h('li', { 'data-testid': 'run-device-summary', dataset: { device: device.device, result: device.result } },
    t('runs.deviceLine', { device: device.device, result: tOr('result', device.result) }),
    device.gas.map((g) => h('div', { class: 'muted' }, t('runs.gasLine', {
      channel: g.channel, t90: formatSeconds(g.t90S), t90Limit: formatSeconds(g.t90LimitS), recovery: formatSeconds(g.recoveryS), recoveryLimit: formatSeconds(g.recoveryLimitS),
    }))),
    device.failures.map((failure) => h('div', { class: 'run-failure' }, failure)))
}

function runRow(/** @type {CommissioningRunSummary} */ run) {
  const when = formatTime(run.startedAt)
  return h('tr', { 'data-testid': 'run-row', dataset: { runId: run.runId, result: run.result } },
    h('th', { scope: 'row', class: 'nowrap' }, h('a', {
      href: runHash(run.siteId, run.gatewayId, run.runId), 'data-testid': 'run-open', 'aria-label': t('runs.openLabel', { when }),
    }, when)),
    h('td', {}, run.gatewayId),
    h('td', {}, tOr('purpose', run.purpose)),
    h('td', {}, resultBadge(run.result)),
    h('td', {}, run.technician.name, run.technician.company && h('div', { class: 'muted' }, run.technician.company)),
    h('td', {}, h('ul', { class: 'plain' }, run.devices.map(runDeviceLine))))
}

function commissioningRow(/** @type {Commissioning} */ record, /** @type {string} */ siteId, /** @type {CommissioningRunSummary[]} */ runs) {
  return h('tr', {
    'data-testid': 'commissioning-row',
    dataset: { system: record.system, accepted: String(record.accepted), state: record.state, corroborated: String(record.corroborated), evidence: record.evidence },
    class: record.accepted ? undefined : 'rejected',
  },
  h('td', { class: 'num' }, `#${record.id}`),
  h('td', { class: 'nowrap' }, record.commissionedOn),
  h('th', { scope: 'row' }, tOr('system', record.system)),
  h('td', {}, record.by),
  h('td', {}, record.devices.length ? record.devices.join(', ') : dash()),
  evidenceCell(record, siteId, runs),
  standingCell(record),
  h('td', { 'data-testid': 'corroborated' }, h('span', { class: `badge ${record.corroborated ? 'verified-yes' : 'verified-no'}` },
    record.corroborated ? t('compliance.corroboratedYes') : t('compliance.corroboratedNo'))),
  h('td', {}, record.note ?? dash()),
  h('td', { class: 'nowrap' }, formatTime(record.createdAt)))
}

function coverageFigure(/** @type {ComplianceEvidence['coverage'][number]} */ entry) {
  const chart = coverageChart(entry.system, entry.days,
    (ok, total) => t('compliance.chartLabel', { system: tOr('system', entry.system), ok, total }),
    (day, share) => `${day}: ${percent(share)}`)
  const first = entry.days[0]?.day
  const last = entry.days[entry.days.length - 1]?.day
  return h('figure', { class: 'coverage-figure', 'data-system': entry.system },
    h('figcaption', {}, tOr('system', entry.system), first && h('span', { class: 'muted' }, ` ${first} – ${last}`)),
    chart,
    h('div', { class: 'muted legend' }, h('span', { class: 'legend-line', 'aria-hidden': 'true' }), ' ', t('compliance.chartLine')))
}

/**
 * `detail`: the body of GET /api/compliance/sites/{id}; `query.asOf` as asked (links keep it);
 * `runs`: GET /api/sites/{id}/commissioning-runs, newest first.
 * @param {ComplianceEvidence} detail
 * @param {ComplianceFilters} [query]
 * @param {CommissioningRunSummary[]} [runs]
 */
export function complianceSiteView(detail, query = {}, runs = []) {
  const { site, rows, commissioning, coverage } = detail
  const worst = worstOf(rows.map((r) => r.status))
  const back = `#/compliance${query.asOf ? `?${new URLSearchParams({ asOf: query.asOf })}` : ''}`
  const missed = rows.filter((r) => r.status === 'overdue' || r.status === 'late')
  const sanction = sanctionText(missed.find((r) => r.sanction)?.sanction)
  const records = [...commissioning].sort((a, b) => a.commissionedOn.localeCompare(b.commissionedOn) || a.id - b.id)
  return h('article', { 'aria-labelledby': 'evidence-heading', 'data-testid': 'evidence', dataset: { siteId: site.id, status: worst } },
    h('p', {}, h('a', { href: back, 'data-testid': 'back-link', 'data-focus-key': 'compliance-back' }, '← ', t('compliance.back'))),
    h('h2', { id: 'evidence-heading' }, site.name, ' ', statusBadge(worst)),
    h('p', { class: 'site-meta' },
      `${tOr('siteType', site.type)} · ${site.jurisdiction} · ${site.enterpriseName} · ${t('compliance.asOfMeta', { asOf: detail.asOf })}`,
      ' · ', h('a', { href: `#/site/${encodeURIComponent(site.id)}`, 'data-testid': 'monitoring-link' }, t('compliance.monitoring'))),
    missed.length > 0 && h('p', { class: 'sanction-note', 'data-testid': 'evidence-sanction' },
      h('strong', {}, t('compliance.sanction'), '：'), sanction ?? t('compliance.noSanction')),
    section('systems-heading', t('compliance.systems'), rows.length === 0
      ? h('p', {}, t('compliance.noDuties'))
      : h('div', { class: 'table-wrap' }, table(t('compliance.systems'),
        [t('compliance.system'), t('compliance.appliesFrom'), t('compliance.deadline'), t('compliance.installedOn'),
          t('compliance.liveData'), t('compliance.coverage7d'), t('col.state'), t('compliance.daysCol')],
        rows.map(systemRow), { class: 'evidence' }, true))),
    section('commissioning-heading', t('compliance.commissioning'), records.length === 0
      ? h('p', { 'data-testid': 'no-commissioning' }, t('compliance.noCommissioning'))
      : h('div', { class: 'table-wrap' }, table(t('compliance.commissioning'),
        [t('compliance.recordId'), t('compliance.commissionedOn'), t('compliance.system'), t('col.by'), t('col.device'), t('evidence.col'),
          t('compliance.acceptance'), t('compliance.corroborated'), t('compliance.note'), t('compliance.uploaded')],
        records.map((record) => commissioningRow(record, site.id, runs)), {}, true))),
    section('runs-heading', t('runs.heading'), runs.length === 0
      ? h('p', { 'data-testid': 'no-runs' }, t('runs.none'))
      : h('div', { class: 'table-wrap' }, table(t('runs.heading'),
        [t('runs.started'), t('run.gateway'), t('run.purpose'), t('run.result'), t('run.technician'), t('runs.devices')],
        runs.map(runRow), { 'data-testid': 'runs' }, true))),
    section('coverage-heading', t('compliance.coverage', { days: coverage[0]?.days.length ?? 0 }),
      coverage.length === 0 ? h('p', {}, t('compliance.noCoverage'))
        : h('div', { class: 'coverage-grid' }, coverage.map(coverageFigure))))
}
