// The dashboard: login, fleet overview, site view and the compliance views, refreshed every 2 s while
// signed in (the compliance report every 60 s: it changes by the day, not by the second).
import { api } from './api.js'
import { loadLang, setLang, lang, t } from './i18n.js'
import { h } from './dom.js'
import { formatClock } from './format.js'
import { headerView, bannerView } from './views/header.js'
import { loginView } from './views/login.js'
import { overviewView } from './views/overview.js'
import { siteView, fillTrend, ackResult, isNumericChannel } from './views/site.js'
import { complianceView } from './views/compliance.js'
import { complianceSiteView } from './views/compliance-site.js'
import { acknowledge, ackText, ackPending } from './ack.js'
import { loadSeries } from './trends.js'

export const REFRESH_MS = 2000
export const COMPLIANCE_REFRESH_MS = 60_000

const $ = (id) => document.getElementById(id)
const state = { user: null, sites: [], alarms: [], detail: null, notFound: false, offline: false, updatedAt: null, busy: false, unacked: 0, compliance: null }
/** what the compliance route last put into <main>: it is re-rendered only when its data or the language changed */
let shownCompliance = null

/** The filters a compliance route carries in its hash (`#/compliance?asOf=2026-11-29&siteType=coal-mine`). */
function complianceQuery(search) {
  const params = new URLSearchParams(search)
  const query = {}
  if (/^\d{4}-\d{2}-\d{2}$/.test(params.get('asOf') ?? '')) query.asOf = params.get('asOf')
  for (const key of ['siteType', 'jurisdiction']) if (params.get(key)) query[key] = params.get(key)
  return query
}

function currentRoute() {
  const [path, search = ''] = location.hash.replace(/^#/, '').split('?')
  let match = path.match(/^\/site\/(.+)$/)
  if (match) return { name: 'site', id: decodeURIComponent(match[1]), key: path }
  match = path.match(/^\/compliance\/site\/(.+)$/)
  if (match) return { name: 'evidence', id: decodeURIComponent(match[1]), query: complianceQuery(search), key: location.hash }
  if (path === '/compliance') return { name: 'compliance', query: complianceQuery(search), key: location.hash }
  return { name: 'overview', key: '/' }
}

const isComplianceRoute = (route) => route.name === 'compliance' || route.name === 'evidence'

/** Someone is typing into a form: do not pull the page from under them. */
function typing() {
  const el = document.activeElement
  return Boolean(el && el.closest?.('form') && el.matches('input, textarea, select'))
}

function announce(text) {
  $('announcer').textContent = ''
  setTimeout(() => { $('announcer').textContent = text }, 50)
}

/** Re-render `fn` without losing the keyboard focus (by data-focus-key) or the scroll position. */
function keepPlace(fn) {
  const focusKey = document.activeElement?.dataset?.focusKey
  const { scrollX, scrollY } = window
  fn()
  window.scrollTo(scrollX, scrollY)
  if (focusKey) {
    const target = [...document.querySelectorAll('[data-focus-key]')].find((el) => el.dataset.focusKey === focusKey)
    target?.focus({ preventScroll: true })
  }
}

function applyLang() {
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en'
  document.title = t('app.title')
  $('skip').textContent = t('app.skip')
}

function renderHeader() {
  const section = isComplianceRoute(currentRoute()) ? 'compliance' : 'overview'
  keepPlace(() => $('header').replaceChildren(headerView(state.user, { onToggleLang, onLogout, section })))
}

function renderStatus() {
  const el = $('status')
  if (!state.user) el.textContent = ''
  else if (state.offline) el.textContent = t('status.offline')
  else if (typing()) el.textContent = t('status.paused')
  else el.textContent = state.updatedAt ? t('status.updated', { time: formatClock(state.updatedAt, true) }) : ''
  el.classList.toggle('warn', state.user !== null && state.offline)
}

function siteNames() {
  return new Map(state.sites.map((s) => [s.id, s.name]))
}

function render() {
  if (!state.user) return
  const route = currentRoute()
  keepPlace(() => {
    const banner = bannerView(state.alarms, siteNames())
    $('banner').replaceChildren(...(banner ? [banner] : []))
    if (isComplianceRoute(route)) {
      const shown = { compliance: state.compliance, lang: lang(), key: route.key }
      if (shownCompliance && $('main').firstChild && Object.keys(shown).every((k) => shown[k] === shownCompliance[k])) return
      shownCompliance = shown
      $('main').replaceChildren(complianceRouteView(route))
      return
    }
    shownCompliance = null
    let view
    if (route.name === 'site' && state.detail?.site.id === route.id) view = siteView(state.detail, state.user, { onAck })
    else if (route.name === 'site') view = h('p', {}, state.notFound ? t('site.notFound') : t('status.loading'))
    else view = overviewView(state.sites, state.user)
    $('main').replaceChildren(view)
  })
  renderStatus()
  if (route.name === 'site' && state.detail) loadTrends(state.detail)
}

function complianceRouteView(route) {
  const loaded = state.compliance
  if (!loaded || loaded.key !== route.key) return h('p', {}, t('status.loading'))
  if (loaded.error) {
    return h('p', { 'data-testid': 'compliance-error', role: 'alert' },
      loaded.error.status === 404 || loaded.error.status === 403 ? t('site.notFound') : t('error.generic', { message: loaded.error.message }))
  }
  return route.name === 'compliance'
    ? complianceView({ query: route.query, ...loaded.data }, { onFilter })
    : complianceSiteView(loaded.data, route.query)
}

/** The compliance report or a site's evidence for the route: cached for COMPLIANCE_REFRESH_MS; null off those routes. */
async function loadCompliance(route) {
  if (!isComplianceRoute(route)) return null
  const cached = state.compliance
  if (cached?.key === route.key && Date.now() - cached.at < COMPLIANCE_REFRESH_MS) return cached
  const answer = (data) => ({ key: route.key, at: Date.now(), data, error: null })
  const refused = (error) => {
    if (error.status === 400 || error.status === 403 || error.status === 404) return { key: route.key, at: Date.now(), data: null, error }
    throw error
  }
  if (route.name === 'evidence') return api.complianceSite(route.id, { asOf: route.query.asOf }).then(answer, refused)
  return Promise.all([
    api.compliance(route.query),
    // the summary endpoint may be missing on an older server: the view then counts the rows itself
    api.complianceSummary(route.query.asOf).catch((e) => (e.status === 404 ? null : Promise.reject(e))),
  ]).then(([rows, summary]) => answer({ rows, summary }), refused)
}

function onFilter(filters) {
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString()
  const hash = `#/compliance${query ? `?${query}` : ''}`
  if (location.hash === hash) { state.compliance = null; refresh(); return }
  location.hash = hash
}

function loadTrends(detail) {
  for (const device of detail.devices) {
    for (const reading of device.readings.filter(isNumericChannel)) {
      loadSeries({ gatewayId: device.gatewayId, device: device.id, channel: reading.channel }, (key, entry) => {
        for (const slot of document.querySelectorAll('.trend-slot')) if (slot.dataset.seriesKey === key) fillTrend(slot, entry)
      })
    }
  }
}

async function refresh() {
  if (!state.user || state.busy) return
  state.busy = true
  const route = currentRoute()
  try {
    const [sites, alarms, detail, compliance] = await Promise.all([
      api.sites(), api.activeAlarms(),
      route.name === 'site' ? api.site(route.id).catch((e) => (e.status === 404 || e.status === 403 ? null : Promise.reject(e))) : null,
      loadCompliance(route),
    ])
    Object.assign(state, { sites, alarms, detail, compliance, notFound: route.name === 'site' && detail === null, offline: false, updatedAt: Date.now() })
    const unacked = alarms.filter((a) => a.state === 'active' && !a.acknowledged).length
    if (unacked > state.unacked) announce(t('banner.alarms', { count: unacked }))
    state.unacked = unacked
  } catch (error) {
    if (error.status === 401) { state.busy = false; showLogin(); return }
    state.offline = true
  } finally {
    state.busy = false
  }
  if (!state.user) return
  if (currentRoute().key !== route.key) return refresh()
  render()
}

function onAck(alarmId) {
  acknowledge(alarmId, {
    onUnauthorized: showLogin,
    onChange: (id, ack) => {
      for (const el of document.querySelectorAll('[data-testid="ack-result"]')) {
        if (el.dataset.alarmId === String(id)) el.replaceWith(ackResult(id))
      }
      for (const row of document.querySelectorAll('[data-testid="alarm-row"]')) {
        const button = row.querySelector('[data-testid="ack-button"]')
        if (row.dataset.alarmId === String(id) && button) button.disabled = ackPending(id)
      }
      if (ack.status !== 'sending') announce(ackText(ack))
      if (!ackPending(id)) refresh()
    },
  })
}

function showLogin(error = '') {
  Object.assign(state, { user: null, detail: null, sites: [], alarms: [], unacked: 0, compliance: null })
  shownCompliance = null
  renderHeader()
  $('banner').replaceChildren()
  renderStatus()
  $('main').replaceChildren(loginView(onLogin, error))
}

async function onLogin(name, password) {
  try {
    const reply = await api.login(name, password)
    state.user = reply.user
  } catch (error) {
    return error.status === 401 || error.status === 400 ? t('login.failed') : t('login.error', { message: error.message })
  }
  renderHeader()
  $('main').replaceChildren(h('p', {}, t('status.loading')))
  await refresh()
  $('main').querySelector('h2')?.setAttribute('tabindex', '-1')
  $('main').querySelector('h2')?.focus()
  return null
}

async function onLogout() {
  try { await api.logout() } catch { /* the session is dropped locally either way */ }
  showLogin()
}

function onToggleLang() {
  setLang(lang() === 'zh' ? 'en' : 'zh')
  $('announcer').textContent = ''
  applyLang()
  renderHeader()
  if (state.user) render()
  else showLogin()
}

function onRoute() {
  if (!state.user) return
  state.detail = null
  state.notFound = false
  renderHeader()
  render()
  window.scrollTo(0, 0)
  refresh().then(() => {
    const heading = $('main').querySelector('h2')
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus({ preventScroll: true }) }
  })
}

async function start() {
  loadLang()
  applyLang()
  renderHeader()
  try {
    state.user = await api.me()
  } catch (error) {
    if (error.status === 401) { showLogin(); return }
    $('status').textContent = t('status.offline')
    setTimeout(start, REFRESH_MS)
    return
  }
  renderHeader()
  await refresh()
}

window.addEventListener('hashchange', onRoute)
$('skip').addEventListener('click', (event) => { event.preventDefault(); $('main').focus() })
document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh() })
document.addEventListener('focusin', renderStatus)
document.addEventListener('focusout', () => setTimeout(renderStatus, 0))
setInterval(() => {
  if (!state.user || document.hidden) return
  if (typing()) { renderStatus(); return }
  refresh()
}, REFRESH_MS)
start()
