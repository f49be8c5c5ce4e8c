import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MonthlyReportSchema, type MonthlyReport } from '../../../fleet-server/src/api/index.ts'
import { hashSecret } from '../../../fleet-server/src/mqtt/secrets.ts'
import { createValidator } from '../../../protocols/validation/index.ts'
import { fixture, PASSWORD, type Fixture } from '../api/fixture.ts'

/**
 * GET /api/reports/monthly through buildApp + inject. The fixture (tests/fleet-server/api/fixture.ts):
 * now is 2026-06-01 12:00 in Shanghai; ent-a has site-a1 (涌山镇) and site-a2 (石潭镇), ent-b site-b1 (涌山镇).
 */

const EVIL = '<script>alert("x")</script> & 矿'
let f: Fixture
const url = (query: string) => `/api/reports/monthly?${query}`

beforeAll(async () => {
  f = await fixture()
  f.store.upsertSite({ id: 'site-a3', enterpriseId: 'ent-a', name: EVIL, type: 'coal-mine', jurisdiction: '涌山镇' })
  f.store.addUser({ name: 'reg-st', role: 'regulator', jurisdiction: '石潭镇', passwordHash: await hashSecret(PASSWORD) })
  f.store.addUser({ name: 'reg-city', role: 'regulator', jurisdiction: '*', passwordHash: await hashSecret(PASSWORD) })
})
afterAll(async () => { await f.close() })

async function get(user: string | null, query: string) {
  return f.app.inject({ url: url(query), headers: user === null ? {} : await f.as(user) })
}

async function json(user: string, query: string): Promise<MonthlyReport> {
  const reply = await get(user, `${query}&format=json`)
  expect(reply.statusCode, reply.body).toBe(200)
  return reply.json<MonthlyReport>()
}

describe('GET /api/reports/monthly: who sees what', () => {
  it('an enterprise reads its own enterprise, every site of it', async () => {
    const report = await json('ent-a', 'enterpriseId=ent-a&month=2026-06')
    expect(report.sites.map((s) => s.id)).toEqual(['site-a1', 'site-a2', 'site-a3'])
    expect(report.enterprise).toEqual({ id: 'ent-a', name: '甲矿业有限公司' })
  })

  it('another enterprise\'s report answers 404 like an unknown one', async () => {
    const other = await get('ent-a', 'enterpriseId=ent-b&month=2026-06')
    const unknown = await get('ent-a', 'enterpriseId=nope&month=2026-06')
    expect([other.statusCode, unknown.statusCode]).toEqual([404, 404])
    expect(other.json().error).toBe('NOT_FOUND')
    expect(other.body.replace('ent-b', 'X')).toBe(unknown.body.replace('nope', 'X'))
    expect(other.body).not.toContain('乙化工')
  })

  it('a regulator reads only the enterprise\'s sites in its jurisdiction; an enterprise with none there is 404', async () => {
    expect((await json('reg-ys', 'enterpriseId=ent-a&month=2026-06')).sites.map((s) => s.id)).toEqual(['site-a1', 'site-a3'])
    expect((await json('reg-st', 'enterpriseId=ent-a&month=2026-06')).sites.map((s) => s.id)).toEqual(['site-a2'])
    expect((await get('reg-st', 'enterpriseId=ent-b&month=2026-06')).statusCode).toBe(404)
    expect((await json('reg-city', 'enterpriseId=ent-b&month=2026-06')).sites.map((s) => s.id)).toEqual(['site-b1'])
    // the regulator's totals cover only what it sees
    const partial = await json('reg-st', 'enterpriseId=ent-a&month=2026-06')
    expect(partial.totals.alarms).toBe(1)
  })

  it('an admin reads any enterprise; an installer is refused; no session is 401', async () => {
    expect((await json('admin', 'enterpriseId=ent-b&month=2026-06')).sites.map((s) => s.id)).toEqual(['site-b1'])
    const installer = await get('inst', 'enterpriseId=ent-a&month=2026-06')
    expect(installer.statusCode).toBe(403)
    expect(installer.json().error).toBe('FORBIDDEN')
    expect((await get(null, 'enterpriseId=ent-a&month=2026-06')).statusCode).toBe(401)
  })
})

describe('GET /api/reports/monthly: months', () => {
  it('a future month is 400, a malformed one 400 naming the field', async () => {
    const future = await get('admin', 'enterpriseId=ent-a&month=2026-07')
    expect(future.statusCode).toBe(400)
    expect(future.json().message).toMatch(/month.*2026-07 has not begun/u)
    for (const month of ['2026-13', '2026-6', 'june']) {
      const reply = await get('admin', `enterpriseId=ent-a&month=${month}`)
      expect(reply.statusCode, month).toBe(400)
      expect(reply.json().message).toMatch(/month/u)
    }
    expect((await get('admin', 'enterpriseId=ent-a')).statusCode).toBe(400)
    expect((await get('admin', 'enterpriseId=ent-a&month=2026-06&format=pdf')).statusCode).toBe(400)
  })

  it('a month of no data is a valid report of zeros, in both formats', async () => {
    const report = await json('ent-a', 'enterpriseId=ent-a&month=2025-01')
    expect(report.totals).toMatchObject({ alarms: 0, unacknowledgedAlarms: 0, trips: 0, interlockFailures: 0, offlineHours: 0, calibrationsOverdue: 0 })
    expect(report.current).toBe(false)
    expect(report.hours).toBe(31 * 24)
    const html = await get('ent-a', 'enterpriseId=ent-a&month=2025-01')
    expect(html.statusCode).toBe(200)
    expect(html.body).toContain('data-count="alarms">0<')
  })

  it('the current month runs up to now: 12 whole hours, the fixture\'s alarms and trips', async () => {
    const report = await json('ent-a', 'enterpriseId=ent-a&month=2026-06')
    expect(report).toMatchObject({ month: '2026-06', current: true, hours: 12, asOf: '2026-06-01', to: f.clock.now, generatedAt: f.clock.now })
    expect(report.totals).toMatchObject({ alarms: 2, unacknowledgedAlarms: 2, trips: 2 })
    expect(report.sites[0]!.gateways[0]).toMatchObject({ id: 'gw-a1', hours: 1, offlineHours: 0 })
    // every (site, required system) of the compliance report is there
    expect(report.sites[0]!.compliance.length).toBeGreaterThan(0)
  })
})

describe('GET /api/reports/monthly: the page', () => {
  it('is a complete self-contained printable page in Chinese: inline CSS for print, no script, no external resource', async () => {
    const reply = await get('ent-a', 'enterpriseId=ent-a&month=2026-06')
    expect(reply.statusCode).toBe(200)
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8')
    const html = reply.body
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(html).toContain('<html lang="zh-CN">')
    expect(html).toMatch(/<\/html>\n$/u)
    expect(html).toContain('月度安全风险分析报告')
    expect(html).toMatch(/@media print/u)
    expect(html).toMatch(/@page \{ size: A4/u)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|url\(|@import|https?:\/\//iu)
    expect(html.match(/<section class="site"/gu)!.length).toBe(3)
  })

  it('speaks English with lang=en', async () => {
    const html = (await get('ent-a', 'enterpriseId=ent-a&month=2026-06&lang=en')).body
    expect(html).toContain('<html lang="en">')
    expect(html).toContain('Monthly safety risk report')
    expect(html).toContain('Offline hours')
  })

  it('escapes every value: a site named with a script tag shows as text', async () => {
    const html = (await get('ent-a', 'enterpriseId=ent-a&month=2026-06')).body
    expect(html).not.toContain('<script>')
    expect(html).not.toContain(EVIL)
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 矿')
  })

  it('the JSON matches its schema and equals what the page shows', async () => {
    const report = await json('admin', 'enterpriseId=ent-a&month=2026-06')
    const validate = createValidator(MonthlyReportSchema)
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
    const html = (await get('admin', 'enterpriseId=ent-a&month=2026-06')).body

    expect(html).toContain(`data-field="enterprise">${report.enterprise.name}<`)
    expect(html).toContain(`data-field="month">${report.month}<`)
    expect(html).toContain(`data-field="sites">${report.sites.length}<`)
    const countsOf = (site: string) => {
      const row = new RegExp(`<tr data-counts-site="${site}">(.*?)</tr>`, 'u').exec(html)![1]!
      return Object.fromEntries([...row.matchAll(/data-count="(\w+)">(\d+)</gu)].map((m) => [m[1], Number(m[2])]))
    }
    for (const site of report.sites) expect(countsOf(site.id), site.id).toEqual(site.counts)
    expect(countsOf('\\*')).toEqual(report.totals)
    expect([...html.matchAll(/<section class="site" data-site-id="([^"]+)"/gu)].map((m) => m[1])).toEqual(report.sites.map((s) => s.id))
    expect(Number(/data-worst="(\d+)"/u.exec(html)![1])).toBe(report.worst.length)
    expect([...html.matchAll(/data-worst-kind="([^"]+)"/gu)].map((m) => m[1])).toEqual(report.worst.map((w) => w.kind))
    expect([...html.matchAll(/data-alarm-id="(\d+)"/gu)].map((m) => Number(m[1]))).toEqual(report.sites.flatMap((s) => s.alarms.map((a) => a.id)))
    expect([...html.matchAll(/data-gateway-id="([^"]+)"[^>]*>.*?data-count="gateway-offline">(\d+)</gu)].map((m) => [m[1], Number(m[2])]))
      .toEqual(report.sites.flatMap((s) => s.gateways.map((g) => [g.id, g.offlineHours])))
    expect([...html.matchAll(/<tr data-status="([^"]+)"/gu)].map((m) => m[1])).toEqual(report.sites.flatMap((s) => s.compliance.map((c) => c.status)))
  })
})
