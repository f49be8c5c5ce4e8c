// Fleet overview: one row per site in the user's scope, the worst first.
import { h, table } from '../dom.js'
import { t, tOr } from '../i18n/index.js'
import { formatTime } from '../format.js'
/** @typedef {import('../api.js').SiteSummary} SiteSummary */
/** @typedef {import('../api.js').User} User */
/** @typedef {'red' | 'amber' | 'green'} Health */

/** @type {Record<Health, number>} */
const HEALTH_ORDER = { red: 0, amber: 1, green: 2 }
/** @type {Record<Health, string>} */
const HEALTH_ICON = { red: '✕', amber: '!', green: '✓' }

/**
 * red: an unacknowledged alarm or no gateway online; amber: anything else not right; green.
 * @param {SiteSummary} site
 * @returns {Health}
 */
export function siteHealth(site) {
  const { gateways, devices } = site
  if (site.unacknowledgedAlarms > 0 || (gateways.total > 0 && gateways.online === 0)) return 'red'
  if (site.activeAlarms > 0 || gateways.total === 0 || gateways.online < gateways.total ||
      devices.fault > 0 || devices.offline > 0) return 'amber'
  return 'green'
}

export function healthBadge(/** @type {Health} */ health) {
  return h('span', { class: `badge health-${health}`, 'data-health': health },
    h('span', { 'aria-hidden': 'true' }, HEALTH_ICON[health], ' '), t(`health.${health}`))
}

function alarmsCell(/** @type {SiteSummary} */ site) {
  if (site.activeAlarms === 0) return h('td', { class: 'num' }, '0')
  return h('td', { class: 'num' },
    String(site.activeAlarms),
    site.unacknowledgedAlarms > 0 && h('span', { class: 'badge unacked' }, t('alarms.unacked', { count: site.unacknowledgedAlarms })))
}

function siteRow(/** @type {SiteSummary} */ site) {
  const health = siteHealth(site)
  return h('tr', { 'data-testid': 'site-row', dataset: { siteId: site.id }, class: `row-${health}` },
    h('th', { scope: 'row' },
      h('a', { href: `#/site/${encodeURIComponent(site.id)}`, 'data-focus-key': `site:${site.id}` }, site.name)),
    h('td', {}, healthBadge(health)),
    h('td', {}, tOr('siteType', site.type)),
    h('td', {}, site.jurisdiction),
    h('td', {}, site.enterpriseName),
    h('td', { class: 'num' }, `${site.gateways.online}/${site.gateways.total}`),
    h('td', { class: 'num' }, `${site.devices.online}/${site.devices.fault}/${site.devices.offline}`),
    alarmsCell(site),
    h('td', {}, formatTime(site.lastSeen)))
}

/**
 * @param {SiteSummary[]} sites
 * @param {User} user
 */
export function overviewView(sites, user) {
  const sorted = [...sites].sort((a, b) =>
    HEALTH_ORDER[siteHealth(a)] - HEALTH_ORDER[siteHealth(b)] || a.name.localeCompare(b.name, 'zh-CN'))
  const scope = user.role === 'regulator' && user.jurisdiction
    ? h('p', { class: 'scope' }, t('overview.scope', { scope: user.jurisdiction === '*' ? t('overview.scopeAll') : user.jurisdiction }))
    : null
  return h('section', { 'aria-labelledby': 'overview-heading' },
    h('h2', { id: 'overview-heading' }, t('overview.heading')),
    scope,
    sites.length === 0
      ? h('p', {}, t('overview.empty'))
      : h('div', { class: 'table-wrap' }, table(t('overview.caption', { count: sites.length }), [
        t('col.site'), t('col.health'), t('col.type'), t('col.jurisdiction'), t('col.enterprise'),
        t('col.gateways'), t('col.devices'), t('col.alarms'), t('col.lastSeen'),
      ], sorted.map(siteRow), { class: 'sites' })))
}
