// The dashboard: login, fleet overview, site view, the compliance views and the installer's, refreshed every 2 s while
// signed in (the compliance report every 60 s: it changes by the day, not by the second).
import { api, ApiError, messageOf, statusOf } from './api.js'
import { loadLang, setLang, lang, t } from './i18n/index.js'
import { h } from './dom.js'
import { formatClock } from './format.js'
import { headerView, bannerView, isUnacknowledged } from './views/header.js'
import { loginView } from './views/login.js'
import { overviewView } from './views/overview.js'
import { siteView, fillTrend, ackResult, isNumericChannel } from './views/site.js'
import { complianceView } from './views/compliance.js'
import { complianceSiteView } from './views/compliance-site.js'
import { runView } from './views/run.js'
import { installerView } from './views/installer.js'
import { acknowledge, ackText, ackPending } from './ack.js'
import { loadSeries } from './trends.js'
import { isComplianceRoute, routeOf, showsInstaller } from './routes.js'
/** @typedef {import('./api.js').Alarm} Alarm */
/** @typedef {import('./api.js').ComplianceEvidence} ComplianceEvidence */
/** @typedef {import('./api.js').CommissioningRun} CommissioningRun */
/** @typedef {import('./api.js').CommissioningRunSummary} CommissioningRunSummary */
/** @typedef {import('./api.js').ComplianceFilters} ComplianceFilters */
/** @typedef {import('./api.js').ComplianceRow} ComplianceRow */
/** @typedef {import('./api.js').ComplianceSummary} ComplianceSummary */
/** @typedef {import('./api.js').InstallerSite} InstallerSite */
/** @typedef {import('./views/installer.js').MintState} MintState */
/** @typedef {import('./api.js').SiteDetail} SiteDetail */
/** @typedef {import('./api.js').SiteSummary} SiteSummary */
/** @typedef {import('./api.js').User} User */
/** @typedef {import('./routes.js').ComplianceRoute} ComplianceRoute */
/**
 * A compliance route's answer, fetched at `at` for the route `key`: the report (its summary null
 * when the server has no summary route), a site's evidence with its test runs, or one test run; or the server's refusal.
 * @typedef {{ key: string, at: number } & (
 *   { data: { rows: ComplianceRow[], summary: ComplianceSummary | null } | { evidence: ComplianceEvidence, runs: CommissioningRunSummary[] }
 *     | { run: CommissioningRun }, error: null }
 *   | { data: null, error: ApiError })} LoadedCompliance
 */
/**
 * @typedef {object} State
 * @property {User | null} user null: signed out
 * @property {SiteSummary[]} sites
 * @property {Alarm[]} alarms active ones
 * @property {SiteDetail | null} detail the site page's site
 * @property {boolean} notFound the site page's site is not there or not visible
 * @property {boolean} offline the last refresh failed
 * @property {number | null} updatedAt when the last refresh succeeded
 * @property {boolean} busy a refresh is under way
 * @property {number} unacked unacknowledged alarms at the last refresh
 * @property {LoadedCompliance | null} compliance
 * @property {InstallerSite[] | null} installer the installer view's sites; null until loaded
 * @property {Map<string, MintState>} mints enrolment tokens of the installer view, by site: kept until closed or the page is left
 */

const REFRESH_MS = 2000
const COMPLIANCE_REFRESH_MS = 60_000

/** An element of the page shell (index.html), which is always there. */
function $(/** @type {string} */ id) {
  const el = document.getElementById(id)
  if (!el) throw new Error(`index.html has no #${id}`)
  return el
}
/** The HTML elements matching `selector`. */
const all = (/** @type {string} */ selector) => [...document.querySelectorAll(selector)].filter((el) => el instanceof HTMLElement)
/** @type {State} */
const state = { user: null, sites: [], alarms: [], detail: null, notFound: false, offline: false, updatedAt: null, busy: false, unacked: 0, compliance: null, installer: null, mints: new Map() }
/**
 * what the compliance route last put into <main>: it is re-rendered only when its data or the language changed
 * @type {{ compliance: LoadedCompliance | null, lang: string, key: string } | null}
 */
let shownCompliance = null

const currentRoute = () => routeOf(location.hash)

/** Someone is typing into a form: do not pull the page from under them. */
function typing() {
  const el = document.activeElement
  return Boolean(el && el.closest?.('form') && el.matches('input, textarea, select'))
}

function announce(/** @type {string} */ text) {
  $('announcer').textContent = ''
  setTimeout(() => { $('announcer').textContent = text }, 50)
}

/** Re-render `fn` without losing the keyboard focus (by data-focus-key) or the scroll position. */
function keepPlace(/** @type {() => void} */ fn) {
  const active = document.activeElement
  const focusKey = active instanceof HTMLElement ? active.dataset.focusKey : undefined
  const { scrollX, scrollY } = window
  fn()
  window.scrollTo(scrollX, scrollY)
  if (focusKey) {
    const target = all('[data-focus-key]').find((el) => el.dataset.focusKey === focusKey)
    target?.focus({ preventScroll: true })
  }
}

function applyLang() {
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en'
  document.title = t('app.title')
  $('skip').textContent = t('app.skip')
}

function renderHeader() {
  const route = currentRoute()
  const section = isComplianceRoute(route) ? 'compliance' : state.user && showsInstaller(route, state.user.role) ? 'installer' : 'overview'
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
  const { user } = state
  if (!user) return
  const route = currentRoute()
  keepPlace(() => {
    const banner = bannerView(state.alarms, siteNames())
    $('banner').replaceChildren(...(banner ? [banner] : []))
    if (isComplianceRoute(route)) {
      const shown = { compliance: state.compliance, lang: lang(), key: route.key }
      const same = shownCompliance && shown.compliance === shownCompliance.compliance && shown.lang === shownCompliance.lang && shown.key === shownCompliance.key
      if (same && $('main').firstChild) return
      shownCompliance = shown
      $('main').replaceChildren(complianceRouteView(route))
      return
    }
    shownCompliance = null
    let view
    if (route.name === 'site' && state.detail?.site.id === route.id) view = siteView(state.detail, user, { onAck })
    else if (route.name === 'site') view = h('p', {}, state.notFound ? t('site.notFound') : t('status.loading'))
    else if (showsInstaller(route, user.role)) view = state.installer ? installerView(state.installer, state.mints, { onMint, onDismiss }) : h('p', {}, t('status.loading'))
    else view = overviewView(state.sites, user)
    $('main').replaceChildren(view)
  })
  renderStatus()
  if (route.name === 'site' && state.detail) loadTrends(state.detail)
}

function complianceRouteView(/** @type {ComplianceRoute} */ route) {
  const loaded = state.compliance
  if (!loaded || loaded.key !== route.key) return h('p', {}, t('status.loading'))
  if (loaded.error) {
    return h('p', { 'data-testid': 'compliance-error', role: 'alert' },
      loaded.error.status === 404 || loaded.error.status === 403 ? t('site.notFound') : t('error.generic', { message: loaded.error.message }))
  }
  // the data is the route's: its key tells the report and the evidence apart
  const { data } = loaded
  if ('run' in data) return runView(data.run)
  return 'evidence' in data
    ? complianceSiteView(data.evidence, route.name === 'evidence' ? route.query : {}, data.runs)
    : complianceView({ query: route.name === 'compliance' ? route.query : {}, ...data }, { onFilter })
}

/**
 * The compliance report or a site's evidence for the route: cached for COMPLIANCE_REFRESH_MS; null off those routes.
 * @param {import('./routes.js').Route} route
 * @returns {Promise<LoadedCompliance | null>}
 */
async function loadCompliance(route) {
  if (!isComplianceRoute(route)) return null
  const cached = state.compliance
  if (cached?.key === route.key && Date.now() - cached.at < COMPLIANCE_REFRESH_MS) return cached
  /** @returns {LoadedCompliance} */
  const answer = (/** @type {Extract<LoadedCompliance, { error: null }>['data']} */ data) => ({ key: route.key, at: Date.now(), data, error: null })
  /** @returns {LoadedCompliance} */
  const refused = (/** @type {unknown} */ error) => {
    if (error instanceof ApiError && (error.status === 400 || error.status === 403 || error.status === 404)) return { key: route.key, at: Date.now(), data: null, error }
    throw error
  }
  if (route.name === 'run') return api.run(route.gatewayId, route.runId).then((run) => answer({ run }), refused)
  if (route.name === 'evidence') {
    return Promise.all([api.complianceSite(route.id, { asOf: route.query.asOf }), api.siteRuns(route.id)])
      .then(([evidence, runs]) => answer({ evidence, runs }), refused)
  }
  return Promise.all([
    api.compliance(route.query),
    // the summary endpoint may be missing on an older server: the view then counts the rows itself
    api.complianceSummary(route.query.asOf).catch((e) => (statusOf(e) === 404 ? null : Promise.reject(e))),
  ]).then(([rows, summary]) => answer({ rows, summary }), refused)
}

function onFilter(/** @type {ComplianceFilters} */ filters) {
  const query = new URLSearchParams(Object.entries(filters).flatMap(([k, v]) => (v ? [[k, v]] : []))).toString()
  const hash = `#/compliance${query ? `?${query}` : ''}`
  if (location.hash === hash) { state.compliance = null; refresh(); return }
  location.hash = hash
}

function loadTrends(/** @type {SiteDetail} */ detail) {
  for (const device of detail.devices) {
    for (const reading of device.readings.filter(isNumericChannel)) {
      loadSeries({ gatewayId: device.gatewayId, device: device.id, channel: reading.channel }, (key, entry) => {
        for (const slot of all('.trend-slot')) if (slot.dataset.seriesKey === key) fillTrend(slot, entry)
      })
    }
  }
}

async function refresh() {
  if (!state.user || state.busy) return
  state.busy = true
  const route = currentRoute()
  try {
    const [sites, alarms, detail, compliance, installer] = await Promise.all([
      api.sites(), api.activeAlarms(),
      route.name === 'site' ? api.site(route.id).catch((e) => (statusOf(e) === 404 || statusOf(e) === 403 ? null : Promise.reject(e))) : null,
      loadCompliance(route),
      showsInstaller(route, state.user.role) ? api.installerSites() : null,
    ])
    Object.assign(state, { sites, alarms, detail, compliance, installer, notFound: route.name === 'site' && detail === null, offline: false, updatedAt: Date.now() })
    const unacked = alarms.filter(isUnacknowledged).length
    if (unacked > state.unacked) announce(t('banner.alarms', { count: unacked }))
    state.unacked = unacked
  } catch (error) {
    if (statusOf(error) === 401) { state.busy = false; showLogin(); return }
    state.offline = true
  } finally {
    state.busy = false
  }
  if (!state.user) return
  if (currentRoute().key !== route.key) return refresh()
  render()
}

function onAck(/** @type {number} */ alarmId) {
  acknowledge(alarmId, {
    onUnauthorized: showLogin,
    onChange: (id, ack) => {
      for (const el of all('[data-testid="ack-result"]')) {
        if (el.dataset.alarmId === String(id)) el.replaceWith(ackResult(id))
      }
      for (const row of all('[data-testid="alarm-row"]')) {
        const button = row.querySelector('[data-testid="ack-button"]')
        if (row.dataset.alarmId === String(id) && button instanceof HTMLButtonElement) button.disabled = ackPending(id)
      }
      if (ack.status !== 'sending') announce(ackText(ack))
      if (!ackPending(id)) refresh()
    },
  })
}

/** Mints a one-time enrolment token for the site (replacing a gateway's credentials with `replace`); shown until closed. */
async function onMint(/** @type {string} */ siteId, /** @type {string | undefined} */ replace) {
  state.mints.set(siteId, { status: 'minting' })
  render()
  try {
    const token = await api.mintEnrollToken(siteId, replace === undefined ? {} : { replace })
    state.mints.set(siteId, { status: 'minted', token })
    announce(t('installer.tokenHeading'))
  } catch (error) {
    if (statusOf(error) === 401) { showLogin(); return }
    state.mints.set(siteId, { status: 'failed', message: messageOf(error) })
  }
  render()
}

function onDismiss(/** @type {string} */ siteId) {
  state.mints.delete(siteId)
  render()
}

function showLogin(error = '') {
  state.mints.clear()
  Object.assign(state, { user: null, detail: null, sites: [], alarms: [], unacked: 0, compliance: null, installer: null })
  shownCompliance = null
  renderHeader()
  $('banner').replaceChildren()
  renderStatus()
  $('main').replaceChildren(loginView(onLogin, error))
}

/** @returns {Promise<string | null>} the error to show, null when signed in */
async function onLogin(/** @type {string} */ name, /** @type {string} */ password) {
  try {
    const reply = await api.login(name, password)
    state.user = reply.user
  } catch (error) {
    return statusOf(error) === 401 || statusOf(error) === 400 ? t('login.failed') : t('login.error', { message: messageOf(error) })
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
  state.mints.clear()
  state.installer = null
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
    if (statusOf(error) === 401) { showLogin(); return }
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
