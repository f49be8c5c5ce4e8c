// The page header (title, user, role, language toggle, logout) and the alarm banner.
import { h } from '../dom.js'
import { lang, t, tOr } from '../i18n.js'

export function headerView(user, { onToggleLang, onLogout }) {
  return h('div', { class: 'header-inner' },
    h('h1', {}, h('a', { href: '#/' }, t('app.title'))),
    user && h('dl', { class: 'who' },
      h('dt', {}, t('header.user')), h('dd', { 'data-testid': 'user-name' }, user.displayName ?? user.name),
      h('dt', {}, t('header.role')), h('dd', { 'data-testid': 'user-role' }, tOr('role', user.role))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', 'data-testid': 'lang-toggle', lang: lang() === 'zh' ? 'en' : 'zh-CN', 'aria-label': t('lang.toggleLabel'), onclick: onToggleLang }, t('lang.toggle')),
      user && h('button', { type: 'button', 'data-testid': 'logout', onclick: onLogout }, t('header.logout'))))
}

/** The banner, or null when no active alarm in scope is unacknowledged. */
export function bannerView(alarms, siteNames) {
  const open = alarms.filter((a) => a.state === 'active' && !a.acknowledged)
  if (open.length === 0) return null
  const sites = [...new Set(open.map((a) => a.siteId))]
  return h('div', { class: 'banner', 'data-testid': 'alarm-banner' },
    h('strong', {}, '⚠ ', t('banner.alarms', { count: open.length })),
    h('ul', {}, sites.map((id) => h('li', {},
      h('a', { href: `#/site/${encodeURIComponent(id)}`, 'data-focus-key': `banner:${id}` },
        t('banner.open', { site: siteNames.get(id) ?? id })),
      ` (${open.filter((a) => a.siteId === id).length})`))))
}
