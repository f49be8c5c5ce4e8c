import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MonthlyReportSchema } from '../../../fleet-server/src/api/index.ts'
import { MonthError, monthWindow } from '../../../fleet-server/src/reports/index.ts'
import { createValidator } from '../../../protocols/validation/index.ts'
import { fixture, NOW, type Fixture } from '../api/fixture.ts'

/**
 * The months a monthly report can be asked for: 2000-01 up to the current month. A gateway that never
 * reported counts every hour of a month as offline, with its longest gap starting at the month's first
 * hour — before 1970-02 that instant is negative and the report could not be answered (500).
 */

let f: Fixture
beforeAll(async () => {
  f = await fixture()
  f.store.upsertGateway({ id: 'gw-never', siteId: 'site-a1' })
})
afterAll(async () => { await f.close() })

const monthly = async (month: string, format = 'json') =>
  f.app.inject({ url: `/api/reports/monthly?enterpriseId=ent-a&month=${month}&format=${format}`, headers: await f.as('admin') })

describe('the months a monthly report covers', () => {
  it.each(['0001-01', '1969-12', '1970-01', '1999-12'])('%s, before 2000-01, answers 400 saying so', async (month) => {
    const reply = await monthly(month)
    expect(reply.statusCode, reply.body).toBe(400)
    expect(reply.json()).toEqual({ error: 'BAD_REQUEST', message: `querystring/month: ${month} is before 2000-01, the first month a report covers` })
  })

  it('monthWindow refuses them too (year 0001 is not read as 1901)', () => {
    expect(() => monthWindow('0001-01', NOW)).toThrow(new MonthError('0001-01 is before 2000-01, the first month a report covers'))
  })

  it('every month from 2000-01 to the current one answers a report that matches its schema', async () => {
    const valid = createValidator(MonthlyReportSchema)
    const months: string[] = []
    for (let year = 2000; year <= 2026; year++) {
      for (let month = 1; month <= 12 && (year < 2026 || month <= 6); month++) months.push(`${year}-${String(month).padStart(2, '0')}`)
    }
    expect(months.at(-1)).toBe('2026-06') // the fixture's now
    for (const month of months) {
      const reply = await monthly(month)
      expect(reply.statusCode, `${month}: ${reply.body}`).toBe(200)
      expect(valid(reply.json()), month).toBe(true)
    }
    expect((await monthly('2000-01', 'html')).statusCode).toBe(200)
    expect((await monthly('2000-01')).json().sites[0].gateways.find((g: { id: string }) => g.id === 'gw-never')).toMatchObject({ offlineHours: 31 * 24 })
  })
})
