import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Alarm, ComplianceRow } from '../../../fleet-server/src/api/index.ts'
import type { MonthlyFacts } from '../../../fleet-server/src/model/index.ts'
import { composeMonthlyReport, monthWindow, renderMonthlyHtml } from '../../../fleet-server/src/reports/index.ts'
import { esc } from '../../../fleet-server/src/reports/render-html.ts'

const sh = (y: number, m: number, d: number, hh = 0) => Date.UTC(y, m - 1, d, hh - 8)
const NOW = sh(2026, 7, 15, 12)

/** a report whose every string from the data is `mark` plus a distinguishing suffix */
function reportWith(mark: string) {
  const t = sh(2026, 6, 2)
  const alarm: Alarm = {
    id: 1, siteId: 's1', gatewayId: `${mark}gw`, device: `${mark}dev`, channel: `${mark}ch`, kind: 'level', level: `${mark}lvl`, state: 'cleared',
    acknowledged: true, acknowledgedBy: `${mark}who`, acknowledgedAt: t + 1, raisedAt: t, clearedAt: t + 2, value: `${mark}val`, threshold: 1, unit: `${mark}unit`,
  }
  const facts: MonthlyFacts = {
    enterprise: { id: 'e', name: `${mark}ent`, nameEn: `${mark}entEn` },
    sites: [{ id: `${mark}site`, name: `${mark}name`, type: 'coal-mine', jurisdiction: `${mark}town` }],
    alarms: [{ ...alarm, siteId: `${mark}site` }, { ...alarm, id: 2, siteId: `${mark}site`, acknowledged: false, acknowledgedBy: undefined }],
    interlockActions: [{ gatewayId: `${mark}gw`, siteId: `${mark}site`, seq: 1, ts: t, interlock: `${mark}il`, state: 'failed', cause: `${mark}cause` }],
    gateways: [{ id: `${mark}gw`, siteId: `${mark}site`, name: `${mark}gwname`, firstSampleAt: null, onlineHours: [] }],
    calibrations: [{ siteId: `${mark}site`, gatewayId: `${mark}gw`, device: `${mark}dev`, profile: `${mark}prof`, location: `${mark}loc`, system: `${mark}sys`, calibrationDue: '2026-01-01' }],
  }
  const row: ComplianceRow = {
    siteId: `${mark}site`, siteName: '', siteType: 'coal-mine', jurisdiction: '', enterpriseName: '', ruleId: 'r', clause: `${mark}clause`, system: `${mark}system`,
    appliesFrom: '2020-01-01', deadline: '2023-01-01', installedOn: null, verified: false, coverage: 0, status: 'overdue', daysOverdue: 5, daysLeft: null,
    sanction: { zh: `${mark}zh`, en: `${mark}en` },
  }
  return composeMonthlyReport(facts, [row], monthWindow('2026-06', NOW), NOW)
}

describe('renderMonthlyHtml', () => {
  it('escapes every value that comes from the data, in both languages', () => {
    const mark = '<i x="1">\'&'
    const fields = ['ent', 'name', 'town', 'gw', 'dev', 'ch', 'lvl', 'who', 'val', 'unit', 'il', 'cause', 'gwname', 'prof', 'loc', 'sys', 'clause', 'system']
    for (const lang of ['zh', 'en'] as const) {
      const html = renderMonthlyHtml(reportWith(mark), lang)
      expect(html).not.toContain('<i ')
      for (const field of [...fields, lang === 'zh' ? 'zh' : 'en']) {
        const shown = field === 'ent' && lang === 'en' ? 'entEn' : field
        expect(html, `${lang} ${field}`).toContain(esc(`${mark}${shown}`))
      }
    }
  })

  it('property: no string in the data can open a tag or break out of an attribute', () => {
    fc.assert(fc.property(fc.string({ maxLength: 12 }), (s) => {
      const mark = `<${s}"'&`
      const html = renderMonthlyHtml(reportWith(mark), 'en')
      expect(html).not.toContain(mark)
      // the tags in the page are the renderer's own
      const tags = new Set([...html.matchAll(/<\/?([a-zA-Z0-9!]+)/gu)].map((m) => m[1]!.toLowerCase()))
      for (const tag of tags) expect(['!doctype', 'html', 'head', 'meta', 'title', 'style', 'body', 'section', 'header', 'span', 'h1', 'h2', 'h3', 'p', 'strong', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'ol', 'li', 'footer']).toContain(tag)
    }), { numRuns: 50 })
  })

  it('says days and times in English with their plural, and the Chinese by default', () => {
    const report = reportWith('')
    const en = renderMonthlyHtml(report, 'en')
    expect(en).toContain('interlock il failed 1 time<')
    expect(en).toContain('calibration 181 days overdue')
    expect(en).toContain('Overdue 5 days')
    const zh = renderMonthlyHtml(report)
    expect(zh).toContain('<html lang="zh-CN">')
    expect(zh).toContain('联锁 il 动作失败 1 次')
    expect(zh).toContain('逾期未建 5 天')
  })
})
