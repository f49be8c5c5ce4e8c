// The page header (title, user, role, language toggle, logout) and the alarm banner.
import { h } from '../dom.js'
import { lang, t, tOr } from '../i18n/index.js'
/** @typedef {import('../api.js').Alarm} Alarm */
/** @typedef {import('../api.js').User} User */
/** @typedef {'overview' | 'compliance' | 'installer'} Section the part of the dashboard shown */

/**
 * Who sees the compliance report (GET /api/compliance: regulator, admin; an enterprise its own sites).
 * @type {ReadonlySet<User['role']>}
 */
export const COMPLIANCE_ROLES = new Set(['regulator', 'admin', 'enterprise'])

/**
 * Who sees the installer view (GET /api/installer/sites: installer, admin); an installer starts there.
 * @type {ReadonlySet<User['role']>}
 */
const INSTALLER_ROLES = new Set(['installer', 'admin'])

/**
 * @param {User} user
 * @param {Section} section marked aria-current
 */
function navView(user, section) {
  const link = (/** @type {string} */ href, /** @type {string} */ key, /** @type {Section} */ name) => h('a', { href, 'data-testid': `nav-${name}`, 'aria-current': section === name ? 'page' : undefined }, t(key))
  return h('nav', { class: 'nav', 'aria-label': t('nav.label') },
    user.role !== 'installer' && link('#/', 'nav.overview', 'overview'),
    INSTALLER_ROLES.has(user.role) && link('#/installer', 'nav.installer', 'installer'),
    COMPLIANCE_ROLES.has(user.role) && link('#/compliance', 'nav.compliance', 'compliance'))
}

/**
 * @param {User | null} user null before login
 * @param {{ onToggleLang: () => void, onLogout: () => void, section: Section }} options
 */
export function headerView(user, { onToggleLang, onLogout, section }) {
  return h('div', { class: 'header-inner' },
    h('h1', {}, h('a', { href: '#/' }, t('app.title'))),
    user && navView(user, section),
    user && h('dl', { class: 'who' },
      h('dt', {}, t('header.user')), h('dd', { 'data-testid': 'user-name' }, user.displayName ?? user.name),
      h('dt', {}, t('header.role')), h('dd', { 'data-testid': 'user-role' }, tOr('role', user.role))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', 'data-testid': 'lang-toggle', lang: lang() === 'zh' ? 'en' : 'zh-CN', 'aria-label': t('lang.toggleLabel'), onclick: onToggleLang }, t('lang.toggle')),
      user && h('button', { type: 'button', 'data-testid': 'logout', onclick: onLogout }, t('header.logout'))))
}

/** An active alarm no one acknowledged; an alarm raised during a declared test (commissioning, periodic test) never is one. */
export const isUnacknowledged = (/** @type {Alarm} */ alarm) => alarm.state === 'active' && !alarm.acknowledged && alarm.test !== true

/**
 * The banner, or null when no active alarm in scope is unacknowledged (test alarms never raise it).
 * @param {Alarm[]} alarms
 * @param {Map<string, string>} siteNames by site id
 */
export function bannerView(alarms, siteNames) {
  const open = alarms.filter(isUnacknowledged)
  if (open.length === 0) return null
  const sites = [...new Set(open.map((a) => a.siteId))]
  return h('div', { class: 'banner', 'data-testid': 'alarm-banner' },
    h('strong', {}, '⚠ ', t('banner.alarms', { count: open.length })),
    h('ul', {}, sites.map((id) => h('li', {},
      h('a', { href: `#/site/${encodeURIComponent(id)}`, 'data-focus-key': `banner:${id}` },
        t('banner.open', { site: siteNames.get(id) ?? id })),
      ` (${open.filter((a) => a.siteId === id).length})`))))
}
