// Recurring tests (issue 17): each device's calibration and bump tests on the site page, and the
// sites with overdue tests in the regulator's compliance view. The server computes them with the
// gateway's own rules (protocols/commissioning/periodic.ts); these only show what it answers.
import { h, section, table } from '../dom.js'
import { t, tOr } from '../i18n/index.js'
/** @typedef {import('../api.js').SiteDetail} SiteDetail */
/** @typedef {NonNullable<SiteDetail['periodicTests']>[number]} DeviceTests */
/** @typedef {DeviceTests['tests'][number]} PeriodicTest */
/** @typedef {NonNullable<import('../api.js').ComplianceSummary['periodicTests']>} TestsSummary */

/** where the last passed test comes from, and how late or how near the due date */
function lastDone(/** @type {PeriodicTest} */ test) {
  if (test.lastOn === undefined) return t('tests.never')
  return t('tests.lastFrom', { day: test.lastOn, from: t(`tests.from.${test.lastFrom ?? 'inventory'}`) })
}

function dueCell(/** @type {PeriodicTest} */ test) {
  if (test.dueOn === undefined) return t('tests.noDueDate')
  const days = test.daysLeft ?? 0
  return [test.dueOn, ' ', h('span', { class: 'muted' }, days < 0 ? t('tests.daysLate', { n: -days }) : t('tests.daysLeft', { n: days }))]
}

function testRow(/** @type {DeviceTests} */ device, /** @type {PeriodicTest} */ test) {
  return h('tr', { 'data-testid': 'periodic-test', dataset: { device: device.device, test: test.test, state: test.state } },
    h('td', {}, device.device, device.location && h('span', { class: 'muted' }, ' ', device.location)),
    h('td', {}, tOr('tests.test', test.test)),
    h('td', {}, h('span', { class: `badge cal-${test.state}`, 'data-testid': 'periodic-test-state' }, tOr('calibration', test.state))),
    h('td', {}, dueCell(test)),
    h('td', {}, lastDone(test)),
    h('td', { title: test.source }, t('tests.period', { n: test.periodDays })))
}

/** The site page's section: every recurring test of every device, overdue first. */
export function periodicTestsSection(/** @type {SiteDetail} */ detail) {
  const order = ['overdue', 'due-soon', 'ok']
  const rows = (detail.periodicTests ?? []).flatMap((device) => device.tests.map((test) => ({ device, test })))
    .sort((a, b) => order.indexOf(a.test.state) - order.indexOf(b.test.state))
  return section('tests-heading', t('tests.heading'), rows.length === 0
    ? h('p', { 'data-testid': 'no-periodic-tests' }, t('tests.none'))
    : h('div', { class: 'table-wrap' }, table(t('tests.heading'),
      [t('col.device'), t('tests.col.test'), t('col.state'), t('tests.col.due'), t('tests.col.last'), t('tests.col.period')],
      rows.map(({ device, test }) => testRow(device, test)), { 'data-testid': 'periodic-tests' }, true)))
}

/**
 * The compliance view's section: the sites with overdue or due-soon recurring tests, as filtered by
 * the view's site type and jurisdiction. Nothing when the server gave no such summary.
 * @param {TestsSummary | undefined} summary
 * @param {{ siteType?: string, jurisdiction?: string }} filters
 */
export function overdueTestsSection(summary, filters) {
  if (summary === undefined) return null
  const sites = summary.sites.filter((s) => (filters.siteType === undefined || s.siteType === filters.siteType)
    && (filters.jurisdiction === undefined || s.jurisdiction === filters.jurisdiction))
  const overdue = sites.filter((s) => s.overdue > 0).length
  return h('section', { 'aria-labelledby': 'tests-overdue-heading' },
    h('h3', { id: 'tests-overdue-heading' }, t('tests.sitesOverdue', { count: overdue })),
    sites.length === 0 ? h('p', { 'data-testid': 'no-tests-overdue' }, t('tests.noSitesOverdue'))
      : h('div', { class: 'table-wrap' }, table(t('tests.sitesOverdue', { count: overdue }),
        [t('col.site'), t('tests.col.overdue'), t('tests.col.dueSoon')],
        sites.map((s) => h('tr', { 'data-testid': 'tests-overdue-site', dataset: { siteId: s.siteId } },
          h('td', {}, h('a', { href: `#/site/${encodeURIComponent(s.siteId)}` }, s.siteName), h('span', { class: 'muted' }, ` ${tOr('siteType', s.siteType)} · ${s.jurisdiction}`)),
          h('td', { class: s.overdue > 0 ? 'num bad' : 'num' }, String(s.overdue)),
          h('td', { class: 'num' }, String(s.dueSoon)))),
        { 'data-testid': 'tests-overdue-list' }, true)))
}
