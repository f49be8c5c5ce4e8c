import { createHash } from 'node:crypto'
import type { MonthlyReport, ReportSite, RiskCounts } from '../model/index.ts'
import { text, type Lang } from './texts.ts'
import { shanghaiTime } from '../../../protocols/calendar/index.ts'

/**
 * The monthly risk report as one self-contained printable page, pure: inline CSS (A4, a page per
 * site), no script, no external resource; every value from the data passes through esc().
 */

const HOUR_MS = 3_600_000
const COUNT_KEYS: readonly (keyof RiskCounts)[] = ['alarms', 'unacknowledgedAlarms', 'trips', 'interlockFailures', 'offlineHours', 'calibrationsOverdue', 'testsOverdue', 'complianceMissed']

/** HTML-escapes text for element content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/gu, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

const CSS = `
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 10.5pt; color: #111; margin: 0 auto; max-width: 190mm; line-height: 1.4; }
header.page-header { display: flex; justify-content: space-between; gap: 8mm; border-bottom: 2px solid #333; padding-bottom: 2mm; margin-bottom: 4mm; font-size: 9pt; }
h1 { font-size: 17pt; margin: 2mm 0; } h2 { font-size: 13pt; margin: 4mm 0 2mm; } h3 { font-size: 11pt; margin: 4mm 0 1.5mm; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; font-size: 9pt; }
th, td { border: 1px solid #999; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; page-break-inside: avoid; } thead { display: table-header-group; }
.bad { color: #b00020; font-weight: bold; } .warn { color: #a15c00; } .muted { color: #666; }
tr.row-bad td { background: #fdecee; } tr.row-warn td { background: #fff6e0; }
section.site { break-before: page; page-break-before: always; }
.meta { margin: 0 0 3mm; } .meta span { margin-right: 6mm; }
ol.worst li { margin: 0.5mm 0; }
footer.notes { margin-top: 6mm; font-size: 8.5pt; color: #333; border-top: 1px solid #999; padding-top: 2mm; }
@media print { body { max-width: none; } a { color: inherit; text-decoration: none; } * { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
`

/**
 * The Content-Security-Policy of the page: nothing loads, no script runs; only its own inline stylesheet
 * applies, named by its SHA-256 (the server's policy for everything else allows no inline style).
 */
export const MONTHLY_REPORT_CSP = [
  "default-src 'none'", `style-src 'sha256-${createHash('sha256').update(CSS).digest('base64')}'`, "img-src 'self' data:",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ')

function table(headers: readonly string[], rows: readonly string[], empty: string, numeric: ReadonlySet<number> = new Set()): string {
  if (rows.length === 0) return `<p class="muted">${esc(empty)}</p>`
  const head = headers.map((h, i) => `<th${numeric.has(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('')
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`
}

const td = (value: unknown, attrs = ''): string => `<td${attrs}>${esc(value)}</td>`
const num = (value: number, field?: string): string => `<td class="num"${field ? ` data-count="${esc(field)}"` : ''}>${esc(value)}</td>`

class Renderer {
  constructor(private readonly lang: Lang, private readonly report: MonthlyReport) {}

  t = (key: string, values: Record<string, string | number> = {}, fallback?: string): string => text(this.lang, key, values, fallback)
  time = (ts: number | undefined | null): string => (ts === undefined || ts === null ? '' : shanghaiTime(ts))
  hours = (ms: number): string => this.t('hours', { n: Math.round(ms / HOUR_MS * 10) / 10 })
  siteName = (id: string): string => this.report.sites.find((s) => s.id === id)?.name ?? id

  header(): string {
    const r = this.report
    const name = this.lang === 'en' && r.enterprise.nameEn ? r.enterprise.nameEn : r.enterprise.name
    return `<header class="page-header"><span>${esc(name)}</span><span>${esc(this.t('month'))} ${esc(r.month)}</span>`
      + `<span>${esc(this.t('generatedAt'))} ${esc(this.time(r.generatedAt))}</span></header>`
  }

  countsTable(): string {
    const r = this.report
    const headers = [this.t('site'), ...COUNT_KEYS.map((k) => this.t(`count.${k}`))]
    const numeric = new Set(COUNT_KEYS.map((_, i) => i + 1))
    const row = (label: string, counts: RiskCounts, attrs: string) =>
      `<tr${attrs}>${td(label)}${COUNT_KEYS.map((k) => num(counts[k], k)).join('')}</tr>`
    const rows = r.sites.map((s) => row(s.name, s.counts, ` data-counts-site="${esc(s.id)}"`))
    rows.push(row(this.t('totals'), r.totals, ' data-counts-site="*"'))
    return table(headers, rows, this.t('none'), numeric)
  }

  worst(): string {
    const items = this.report.worst
    if (items.length === 0) return `<p data-worst="0">${esc(this.t('noRisk'))}</p>`
    const li = items.map((w) => `<li data-worst-kind="${esc(w.kind)}">${esc(this.t(`worst.${w.kind}`, {
      site: this.siteName(w.siteId), subject: w.kind.startsWith('compliance') ? this.t(`system.${w.subject}`, {}, w.subject) : w.subject, n: w.amount,
    }))}</li>`)
    return `<ol class="worst" data-worst="${items.length}">${li.join('')}</ol>`
  }

  alarms(site: ReportSite): string {
    const rows = site.alarms.map((a) => {
      const value = `${a.value ?? ''}${a.threshold === undefined ? '' : ` / ${a.threshold}`}${a.unit ? ` ${a.unit}` : ''}`
      const ack = a.acknowledged ? `${a.acknowledgedBy ?? ''} ${this.time(a.acknowledgedAt)}`.trim() : this.t('notAcknowledged')
      return `<tr data-alarm-id="${esc(a.id)}"${a.acknowledged ? '' : ' class="row-warn"'}>${td(this.time(a.raisedAt))}${td(`${a.gatewayId} / ${a.device}`)}${td(a.channel)}`
        + `${td(this.t(`level.${a.level}`, {}, a.level))}${td(value)}${td(ack, a.acknowledged ? '' : ' class="bad"')}`
        + `${td(a.clearedAt === undefined ? this.t('active') : this.time(a.clearedAt))}${td(this.hours(a.durationMs), ' class="num"')}</tr>`
    })
    const byKindAndLevel = site.counts.alarms === 0 ? `<p class="muted">${esc(this.t('none'))}</p>` : `<table><thead><tr><th>${esc(this.t('byKind'))}</th><th class="num"></th><th>${esc(this.t('byLevel'))}</th><th class="num"></th></tr></thead><tbody>${Array.from({ length: Math.max(site.alarmsByKind.length, site.alarmsByLevel.length, 1) }, (_, i) => {
        const k = site.alarmsByKind[i]
        const l = site.alarmsByLevel[i]
        return `<tr>${k ? `${td(this.t(`kind.${k.kind}`, {}, k.kind))}${num(k.count)}` : '<td></td><td></td>'}${l ? `${td(this.t(`level.${l.level}`, {}, l.level))}${num(l.count)}` : '<td></td><td></td>'}</tr>`
      }).join('')}</tbody></table>`
    return `<h3>${esc(this.t('alarms'))}</h3>${byKindAndLevel}<h3>${esc(this.t('listedAlarms'))}</h3>`
      + table([this.t('raisedAt'), this.t('device'), this.t('channel'), this.t('level'), this.t('valueThreshold'), this.t('acknowledged'), this.t('clearedAt'), this.t('duration')],
        rows, this.t('none'), new Set([7]))
      + (site.alarmsNotListed > 0 ? `<p class="muted">${esc(this.t('notListed', { n: site.alarmsNotListed }))}</p>` : '')
  }

  interlocks(site: ReportSite): string {
    const rows = site.interlockActions.map((i) => `<tr${i.state === 'failed' ? ' class="row-bad"' : ''}>${td(this.time(i.ts))}${td(i.gatewayId)}${td(i.interlock)}`
      + `${td(this.t(`istate.${i.state}`, {}, i.state), i.state === 'failed' ? ' class="bad"' : '')}${td(i.cause ?? i.reason ?? '')}</tr>`)
    return `<h3>${esc(this.t('interlocks'))}</h3>${table([this.t('time'), this.t('gateway'), this.t('interlock'), this.t('state'), this.t('cause')], rows, this.t('none'))}`
      + (site.interlockActionsNotListed > 0 ? `<p class="muted">${esc(this.t('tripsNotListed', { n: site.interlockActionsNotListed }))}</p>` : '')
  }

  gateways(site: ReportSite): string {
    const rows = site.gateways.map((g) => `<tr data-gateway-id="${esc(g.id)}"${g.offlineHours > 0 ? ' class="row-warn"' : ''}>${td(g.name ? `${g.id} (${g.name})` : g.id)}`
      + `${num(g.hours)}${num(g.offlineHours, 'gateway-offline')}`
      + `${td(g.longestGap ? `${this.time(g.longestGap.from)} · ${this.t('hours', { n: g.longestGap.hours })}` : '')}`
      + `${td(g.firstSampleAt === null ? this.t('never') : this.time(g.firstSampleAt))}</tr>`)
    return `<h3>${esc(this.t('gateways'))}</h3>${table([this.t('gateway'), this.t('hoursCounted'), this.t('offlineHours'), this.t('longestGap'), this.t('firstSample')], rows, this.t('none'), new Set([1, 2]))}`
  }

  calibrations(site: ReportSite): string {
    const rows = site.calibrations.map((c) => `<tr${c.overdue ? ' class="row-bad"' : ''}>${td(`${c.gatewayId} / ${c.device}`)}${td(c.profile)}${td(c.location ?? '')}`
      + `${td(c.system ? this.t(`system.${c.system}`, {}, c.system) : '')}${td(c.calibrationDue)}${td(c.overdue ? c.daysOverdue : this.t('notYet'), c.overdue ? ' class="num bad"' : ' class="num"')}</tr>`)
    return `<h3>${esc(this.t('calibrations'))}</h3>${table([this.t('device'), this.t('profile'), this.t('location'), this.t('system'), this.t('calibrationDue'), this.t('daysOverdue')], rows, this.t('none'), new Set([5]))}`
  }

  periodicTests(site: ReportSite): string {
    const rows = site.periodicTests.map((t) => `<tr class="row-bad" data-test="${esc(t.test)}">${td(`${t.gatewayId} / ${t.device}`)}${td(this.t(`test.${t.test}`, {}, t.test))}`
      + `${td(t.system ? this.t(`system.${t.system}`, {}, t.system) : '')}${td(t.lastOn === undefined ? this.t('neverTested') : `${t.lastOn} (${this.t(`lastFrom.${t.lastFrom ?? 'inventory'}`)})`)}`
      + `${td(t.dueOn ?? '')}${td(t.daysOverdue ?? this.t('neverTested'), ' class="num bad"')}${num(t.periodDays)}</tr>`)
    return `<h3>${esc(this.t('periodicTests', { day: this.report.asOf }))}</h3>`
      + table([this.t('device'), this.t('test'), this.t('system'), this.t('lastTested'), this.t('dueOn'), this.t('daysOverdue'), this.t('periodDays')], rows, this.t('none'), new Set([5, 6]))
  }

  compliance(site: ReportSite): string {
    const rows = site.compliance.map((c) => {
      const missed = c.status === 'overdue' || c.status === 'late'
      const days = c.daysOverdue !== null ? ` ${this.t('days', { n: c.daysOverdue })}` : ''
      return `<tr data-status="${esc(c.status)}"${missed ? ' class="row-bad"' : c.status === 'due-soon' ? ' class="row-warn"' : ''}>${td(this.t(`system.${c.system}`, {}, c.system))}${td(c.clause)}`
        + `${td(c.deadline)}${td(c.installedOn ?? '')}${td(`${this.t(c.verified ? 'yes' : 'no')} ${(c.coverage * 100).toFixed(1)}%`)}`
        + `${td(`${this.t(`status.${c.status}`, {}, c.status)}${days}`, missed ? ' class="bad"' : c.status === 'due-soon' ? ' class="warn"' : '')}${td((missed || c.status === 'due-soon') && c.sanction ? c.sanction[this.lang] : '')}</tr>`
    })
    return `<h3>${esc(this.t('compliance', { day: this.report.asOf }))}</h3>`
      + table([this.t('system'), this.t('clause'), this.t('deadline'), this.t('installedOn'), this.t('verified'), this.t('status'), this.t('sanction')], rows, this.t('none'))
  }

  site(site: ReportSite): string {
    return `<section class="site" data-site-id="${esc(site.id)}">${this.header()}<h2>${esc(site.name)}</h2>`
      + `<p class="meta"><span>${esc(this.t('type'))}: ${esc(this.t(`siteType.${site.type}`, {}, site.type))}</span><span>${esc(this.t('jurisdiction'))}: ${esc(site.jurisdiction)}</span></p>`
      + this.alarms(site) + this.interlocks(site) + this.gateways(site) + this.calibrations(site) + this.periodicTests(site) + this.compliance(site) + '</section>'
  }

  page(): string {
    const r = this.report
    const name = this.lang === 'en' && r.enterprise.nameEn ? r.enterprise.nameEn : r.enterprise.name
    const period = `${this.time(r.from)} – ${this.time(r.to)}${r.current ? this.t('toNow') : ''}`
    const notes = ['note1', 'note2', 'note3', 'note4'].map((k) => `<li>${esc(this.t(k))}</li>`).join('')
    return '<!DOCTYPE html>\n'
      + `<html lang="${this.lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
      + `<title>${esc(`${this.t('title')} · ${name} · ${r.month}`)}</title><style>${CSS}</style></head><body>`
      + `<section class="summary">${this.header()}<h1>${esc(this.t('title'))}</h1><p class="muted">${esc(this.t('basis'))}</p>`
      + `<p class="meta"><span>${esc(this.t('enterprise'))}: <strong data-field="enterprise">${esc(name)}</strong></span><span>${esc(this.t('month'))}: <strong data-field="month">${esc(r.month)}</strong></span></p>`
      + `<p class="meta"><span>${esc(this.t('period'))}: ${esc(period)}</span><span>${esc(this.t('asOf'))}: ${esc(r.asOf)}</span><span>${esc(this.t('sites'))}: <span data-field="sites">${esc(r.sites.length)}</span></span></p>`
      + `<h2>${esc(this.t('summary'))}</h2>${this.countsTable()}<h3>${esc(this.t('worst'))}</h3>${this.worst()}`
      + `<footer class="notes"><strong>${esc(this.t('notes'))}</strong><ol>${notes}</ol></footer></section>`
      + r.sites.map((s) => this.site(s)).join('')
      + '</body></html>\n'
  }
}

/** The printable page of a report, in Chinese (default) or English. */
export function renderMonthlyHtml(report: MonthlyReport, lang: Lang = 'zh'): string {
  return new Renderer(lang, report).page()
}
