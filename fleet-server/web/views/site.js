// One site: alarms (with acknowledge), gateways, devices by regulatory system with latest readings,
// trends and calibration, the recurring tests, and the interlock history.
import { h, section, table } from '../dom.js'
import { t, tOr } from '../i18n/index.js'
import { formatTime, formatValue, formatReading, formatNumber, TIME_ZONE } from '../format.js'
import { monthlyReportUrl } from '../api.js'
import { COMPLIANCE_ROLES } from './header.js'
import { healthBadge, siteHealth } from './overview.js'
import { ackState, ackText, ackPending } from '../ack.js'
import { cachedSeries, seriesKey } from '../trends.js'
import { trendChart } from '../chart.js'
import { periodicTestsSection } from './periodic-tests.js'
/** @typedef {import('../api.js').Alarm} Alarm */
/** @typedef {import('../api.js').Device} Device */
/** @typedef {import('../api.js').Gateway} Gateway */
/** @typedef {import('../api.js').InterlockAction} InterlockAction */
/** @typedef {import('../api.js').Reading} Reading */
/** @typedef {import('../api.js').SiteDetail} SiteDetail */
/** @typedef {import('../api.js').SiteSummary} SiteSummary */
/** @typedef {import('../api.js').User} User */
/** @typedef {import('../trends.js').SeriesEntry} SeriesEntry */
/** @typedef {(alarmId: number) => void} OnAck */

/** @type {ReadonlySet<User['role']>} */
const CAN_ACK = new Set(['enterprise', 'admin'])
const dash = () => t('value.none')

function stateBadge(/** @type {string} */ state, /** @type {string} */ testid) {
  return h('span', { class: `badge state-${state}`, 'data-testid': testid, 'data-state': state }, tOr('state', state))
}

export function ackResult(/** @type {number} */ alarmId) {
  const state = ackState(alarmId)
  return h('span', { 'data-testid': 'ack-result', 'data-alarm-id': alarmId, 'data-state': state?.status ?? 'none', class: `ack-${state?.status ?? 'none'}` }, ackText(state))
}

/** marks an alarm or a trip of a declared test (commissioning, periodic test) */
const testBadge = () => h('span', { class: 'badge test', 'data-testid': 'test-badge', title: t('alarm.testHint') }, t('alarm.test'))

/**
 * @param {Alarm} alarm
 * @param {User} user
 * @param {OnAck} onAck
 */
function alarmRow(alarm, user, onAck) {
  const canAck = CAN_ACK.has(user.role) && !alarm.acknowledged
  const action = canAck
    ? h('button', {
      type: 'button', 'data-testid': 'ack-button', 'data-focus-key': `ack:${alarm.id}`,
      'aria-label': t('ack.buttonLabel', { device: alarm.device, channel: alarm.channel }),
      disabled: ackPending(alarm.id), onclick: () => onAck(alarm.id),
    }, t('ack.button'))
    : alarm.acknowledged ? t('ack.done') : dash()
  return h('tr', {
    'data-testid': 'alarm-row', dataset: { alarmId: String(alarm.id), test: String(alarm.test === true) },
    class: alarm.test ? 'test' : alarm.acknowledged ? 'acked' : 'unacked',
  },
    h('th', { scope: 'row' }, `${alarm.device} / ${alarm.channel}`, alarm.interlock && h('div', { class: 'muted' }, alarm.interlock)),
    h('td', {}, h('span', { class: `badge level level-${alarm.level}` }, tOr('level', alarm.level)), alarm.test && [' ', testBadge()]),
    h('td', { class: 'num' }, formatValue(alarm.value, alarm.unit)),
    h('td', { class: 'num' }, alarm.threshold === undefined ? dash() : formatValue(alarm.threshold, alarm.unit)),
    h('td', {}, formatTime(alarm.raisedAt)),
    h('td', {}, alarm.acknowledgedBy ? `${alarm.acknowledgedBy}${alarm.acknowledgedAt ? ` · ${formatTime(alarm.acknowledgedAt)}` : ''}` : dash()),
    h('td', {}, action),
    h('td', {}, ackResult(alarm.id)))
}

function gatewayRow(/** @type {Gateway} */ gw) {
  return h('tr', { 'data-testid': 'gateway-row', dataset: { gatewayId: gw.id } },
    h('th', { scope: 'row' }, gw.name ?? gw.id, gw.name && h('div', { class: 'muted' }, gw.id)),
    h('td', {}, stateBadge(gw.state, 'gateway-state')),
    h('td', {}, gw.agentVersion ?? dash()),
    h('td', { class: 'num' }, gw.bufferDepth ?? dash()),
    h('td', {}, formatTime(gw.lastSeen)))
}

/** Channels that describe the device rather than what it measures: shown folded, never charted. */
/** @type {ReadonlySet<Reading['role']>} */
const DESCRIPTIVE_ROLES = new Set(['identity', 'config', 'setpoint'])
const isMeasurement = (/** @type {Reading} */ r) => r.role === undefined || r.role === 'measurement' || r.role === 'counter'
export const isNumericChannel = (/** @type {Reading} */ r) => isMeasurement(r) && (typeof r.value === 'number' || (r.value === null && r.unit !== undefined))

function readingsCell(/** @type {Device} */ device) {
  if (!device.readings.length) return dash()
  const main = device.readings.filter((r) => !DESCRIPTIVE_ROLES.has(r.role))
  const other = device.readings.filter((r) => DESCRIPTIVE_ROLES.has(r.role))
  return h('div', {},
    h('ul', { class: 'readings' }, main.map((r) => readingItem(device, r))),
    other.length > 0 && h('details', { class: 'other-readings' },
      h('summary', {}, t('site.otherReadings', { count: other.length })),
      h('ul', { class: 'readings' }, other.map((r) => readingItem(device, r)))))
}

/**
 * The slot a chart goes into; filled from the series cache now or when the series arrives.
 * @param {Device} device
 * @param {Reading} reading
 */
function trendSlot(device, reading) {
  const key = seriesKey(device.gatewayId, device.id, reading.channel)
  const slot = h('span', { class: 'trend-slot', 'data-series-key': key, 'data-unit': reading.unit ?? '' })
  fillTrend(slot, cachedSeries(key))
  return slot
}

/**
 * @param {HTMLElement} slot
 * @param {SeriesEntry | undefined} entry
 */
export function fillTrend(slot, entry) {
  if (!entry?.series) { slot.replaceChildren(h('span', { class: 'muted' }, entry && !entry.pending ? t('chart.empty') : t('chart.loading'))); return }
  const unit = slot.dataset.unit ?? ''
  const chart = trendChart(entry.series, entry.from, entry.to, (s) =>
    t('chart.label', { channel: entry.series.channel, min: formatNumber(s.min), max: formatNumber(s.max), avg: formatNumber(s.avg), unit }))
  slot.replaceChildren(chart ?? h('span', { class: 'muted' }, t('chart.empty')))
}

/**
 * @param {Device} device
 * @param {Reading} reading
 */
function readingItem(device, reading) {
  const bad = reading.quality !== 'good'
  return h('li', { 'data-testid': 'reading', 'data-channel': reading.channel, 'data-quality': reading.quality },
    h('span', { class: 'channel' }, reading.channel),
    ' ',
    h('span', { class: bad ? 'badge quality-bad' : 'value', title: formatTime(reading.ts), 'data-testid': 'reading-value' }, formatReading(reading)),
    isNumericChannel(reading) && trendSlot(device, reading))
}

/**
 * The calibration due date and state: the recurring test's when the server gave one (the rules of the
 * site's type, the maker's interval and the signed runs), else the device's own (the maker's interval).
 * @param {Device} device
 * @param {SiteDetail} detail
 */
function calibration(device, detail) {
  const test = detail.periodicTests?.find((d) => d.gatewayId === device.gatewayId && d.device === device.id)?.tests.find((c) => c.test === 'calibration')
  const due = test ? test.dueOn ?? t('tests.never') : device.calibrationDue
  if (!due) return t('calibration.none')
  const state = test?.state ?? device.calibrationState ?? 'ok'
  return h('span', {}, due, ' ', h('span', { class: `badge cal-${state}`, 'data-testid': 'calibration-state' }, tOr('calibration', state)))
}

/**
 * @param {Device} device
 * @param {SiteDetail} detail
 */
function deviceRow(device, detail) {
  const identity = [device.vendor, device.model].filter(Boolean).join(' ')
  return h('tr', { 'data-testid': 'device-row', dataset: { deviceId: device.id, gatewayId: device.gatewayId } },
    h('th', { scope: 'row' }, device.id, identity && h('div', { class: 'muted' }, identity)),
    h('td', {}, device.location ?? dash()),
    h('td', {}, stateBadge(device.state, 'device-state')),
    h('td', {}, readingsCell(device)),
    h('td', {}, calibration(device, detail)))
}

function devicesBySystem(/** @type {SiteDetail} */ detail) {
  /** @type {Map<string, Device[]>} */
  const groups = new Map()
  for (const device of detail.devices) {
    const system = device.system ?? 'other'
    let group = groups.get(system)
    if (!group) groups.set(system, (group = []))
    group.push(device)
  }
  return [...groups].map(([system, devices]) => {
    const counts = detail.systems.find((s) => s.system === system)
    const caption = [tOr('system', system), counts && t('site.systemCount', counts)].filter(Boolean).join(' · ')
    return h('div', { class: 'table-wrap', 'data-system': system }, table(caption,
      [t('col.device'), t('col.location'), t('col.state'), t('col.readings'), t('col.calibration')],
      devices.map((device) => deviceRow(device, detail)), { class: 'devices' }))
  })
}

function interlockRow(/** @type {InterlockAction} */ action) {
  return h('tr', { 'data-testid': 'interlock-row', dataset: { test: String(action.test === true) }, class: action.test ? 'test' : undefined },
    h('td', {}, formatTime(action.ts)),
    h('th', { scope: 'row' }, action.interlock, action.test && [' ', testBadge()]),
    h('td', { 'data-state': action.state }, tOr('interlockState', action.state), action.phase && ` (${action.phase})`),
    h('td', {}, [action.cause, action.reason].filter(Boolean).join(' · ') || dash()),
    h('td', {}, action.by ?? dash()))
}

/** This month and the previous one (YYYY-MM, Asia/Shanghai), the previous first. */
function reportMonths(now = Date.now()) {
  // en-CA formats a year and a month as YYYY-MM
  const [year, month] = /** @type {[number, number]} */ (new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit' }).format(now).split('-').map(Number))
  const previous = month === 1 ? [year - 1, 12] : [year, month - 1]
  return [previous, [year, month]].map(([y, m]) => `${y}-${String(m).padStart(2, '0')}`)
}

/** The enterprise's printable monthly risk reports and the site's compliance evidence (not for installers). */
/**
 * @param {SiteSummary} site
 * @param {User} user
 */
function reportLinks(site, user) {
  if (!COMPLIANCE_ROLES.has(user.role)) return null
  return h('p', { class: 'site-links', 'data-testid': 'site-links' },
    h('a', { href: `#/compliance/site/${encodeURIComponent(site.id)}`, 'data-testid': 'compliance-link' }, t('site.compliance')),
    ' · ', t('site.reports'), ' ',
    reportMonths().map((month, i) => [i > 0 && ' · ', h('a', {
      href: monthlyReportUrl(site.enterpriseId, month), target: '_blank', rel: 'noopener', 'data-testid': 'report-link', 'data-month': month,
      'aria-label': t('site.reportLabel', { enterprise: site.enterpriseName, month }),
    }, t('site.report', { month }))]))
}

/**
 * @param {SiteDetail} detail
 * @param {User} user
 * @param {{ onAck: OnAck }} actions
 */
export function siteView(detail, user, { onAck }) {
  const { site } = detail
  return h('article', { 'aria-labelledby': 'site-heading', 'data-testid': 'site-view', dataset: { siteId: site.id } },
    h('p', {}, h('a', { href: '#/', 'data-focus-key': 'back' }, '← ', t('site.back'))),
    h('h2', { id: 'site-heading' }, site.name, ' ', healthBadge(siteHealth(site))),
    h('p', { class: 'site-meta' },
      `${tOr('siteType', site.type)} · ${site.jurisdiction} · ${site.enterpriseName}`,
      site.address && h('span', {}, ' · ', t('site.address', { address: site.address })),
      site.licenceNo && h('span', {}, ' · ', t('site.licence', { licence: site.licenceNo }))),
    reportLinks(site, user),
    section('alarms-heading', t('site.alarms'), detail.activeAlarms.length === 0
      ? h('p', {}, t('site.noAlarms'))
      : h('div', { class: 'table-wrap' }, table(t('site.alarms'),
        [t('col.channel'), t('col.level'), t('col.value'), t('col.threshold'), t('col.since'), t('col.ackBy'), t('col.action'), t('col.result')],
        detail.activeAlarms.map((a) => alarmRow(a, user, onAck)), { class: 'alarms' }, true))),
    section('gateways-heading', t('site.gateways'), detail.gateways.length === 0
      ? h('p', {}, t('site.noGateways'))
      : h('div', { class: 'table-wrap' }, table(t('site.gateways'),
        [t('col.gateway'), t('col.state'), t('col.version'), t('col.buffer'), t('col.lastSeen')],
        detail.gateways.map(gatewayRow), {}, true))),
    section('devices-heading', t('site.devices'), detail.devices.length === 0 ? h('p', {}, t('site.noDevices')) : devicesBySystem(detail)),
    periodicTestsSection(detail),
    section('interlocks-heading', t('site.interlocks'), detail.interlockActions.length === 0
      ? h('p', {}, t('site.noInterlocks'))
      : h('div', { class: 'table-wrap' }, table(t('site.interlocks'),
        [t('col.time'), t('col.interlock'), t('col.state'), t('col.cause'), t('col.by')],
        detail.interlockActions.map(interlockRow), {}, true))))
}
