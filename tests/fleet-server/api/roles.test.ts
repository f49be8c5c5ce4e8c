import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from './fixture.ts'

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

async function get(url: string, user: string) {
  const reply = await f.app.inject({ url, headers: await f.as(user) })
  return { status: reply.statusCode, body: reply.json() }
}
const ids = (rows: Array<{ id: string }>) => rows.map((row) => row.id).sort()

describe('scope by role', () => {
  it('a regulator of 涌山镇 sees only its township\'s sites', async () => {
    expect(ids((await get('/api/sites', 'reg-ys')).body)).toEqual(['site-a1', 'site-b1'])
    expect((await get('/api/sites/site-a2', 'reg-ys')).status).toBe(404)
    expect((await get('/api/alarms', 'reg-ys')).body.map((a: { siteId: string }) => a.siteId).sort()).toEqual(['site-a1', 'site-b1'])
  })

  it('enterprise A never sees enterprise B\'s site: 404, as if it did not exist', async () => {
    expect(ids((await get('/api/sites', 'ent-a')).body)).toEqual(['site-a1', 'site-a2'])
    const other = await get('/api/sites/site-b1', 'ent-a')
    const missing = await get('/api/sites/no-such-site', 'ent-a')
    expect(other.status).toBe(404)
    expect(other.body.error).toBe(missing.body.error)
    expect(other.body.message).not.toContain('乙')
    expect((await get('/api/gateways?siteId=site-b1', 'ent-a')).body).toEqual([])
    expect((await get('/api/devices?siteId=site-b1', 'ent-a')).body).toEqual([])
    expect((await get('/api/interlocks?siteId=site-b1', 'ent-a')).body).toEqual([])
    expect((await get('/api/series?gatewayId=gw-b1&device=ch4-1&channel=ch4', 'ent-a')).status).toBe(404)
  })

  it('an installer sees only its assigned sites', async () => {
    expect(ids((await get('/api/sites', 'inst')).body)).toEqual(['site-a2'])
    expect(ids((await get('/api/gateways', 'inst')).body)).toEqual(['gw-a2'])
    expect((await get('/api/sites/site-a1', 'inst')).status).toBe(404)
  })

  it('regulators and installers cannot acknowledge alarms (403)', async () => {
    for (const [user, role] of [['reg-ys', 'a regulator'], ['inst', 'an installer']] as const) {
      const reply = await f.app.inject({ method: 'POST', url: `/api/alarms/${f.alarmId('gw-a1')}/ack`, headers: await f.as(user) })
      expect(reply.statusCode).toBe(403)
      expect(reply.json()).toEqual({ error: 'FORBIDDEN', message: `${role} may not acknowledge alarms` })
    }
    expect(f.sent).toEqual([])
  })

  it('enterprise A cannot acknowledge enterprise B\'s alarm (404)', async () => {
    const reply = await f.app.inject({ method: 'POST', url: `/api/alarms/${f.alarmId('gw-b1')}/ack`, headers: await f.as('ent-a') })
    expect(reply.statusCode).toBe(404)
    expect(f.sent).toEqual([])
  })
})
