import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixture, NOW, type Fixture } from './fixture.ts'

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

async function get(url: string, user = 'admin') {
  const reply = await f.app.inject({ url, headers: await f.as(user) })
  return { status: reply.statusCode, body: reply.json() }
}

describe('read routes (admin)', () => {
  it('GET /api/sites lists every site with its counts', async () => {
    const { status, body } = await get('/api/sites')
    expect(status).toBe(200)
    expect(body.map((s: { id: string }) => s.id).sort()).toEqual(['site-a1', 'site-a2', 'site-b1'])
    expect(body.find((s: { id: string }) => s.id === 'site-a1')).toMatchObject({ enterpriseName: '甲矿业有限公司', jurisdiction: '涌山镇', activeAlarms: 1 })
  })

  it('GET /api/sites/{id} answers the detail', async () => {
    const { status, body } = await get('/api/sites/site-a1')
    expect(status).toBe(200)
    expect(body.site.id).toBe('site-a1')
    expect(body.gateways.map((g: { id: string }) => g.id)).toEqual(['gw-a1'])
    expect(body.activeAlarms).toHaveLength(1)
    expect(body.interlockActions[0]).toMatchObject({ interlock: 'power-cut', state: 'tripped' })
  })

  it('GET /api/sites/{id} of an unknown site is 404', async () => {
    const { status, body } = await get('/api/sites/nowhere')
    expect(status).toBe(404)
    expect(body.error).toBe('NOT_FOUND')
  })

  it('GET /api/gateways and /api/devices filter by siteId', async () => {
    expect((await get('/api/gateways')).body).toHaveLength(3)
    expect((await get('/api/gateways?siteId=site-b1')).body.map((g: { id: string }) => g.id)).toEqual(['gw-b1'])
    const devices = (await get('/api/devices?siteId=site-a1')).body
    expect(devices).toHaveLength(1)
    expect(devices[0]).toMatchObject({ gatewayId: 'gw-a1', id: 'ch4-1' })
  })

  it('GET /api/alarms filters active, siteId and limit', async () => {
    expect((await get('/api/alarms?active=true')).body).toHaveLength(3)
    const one = (await get('/api/alarms?siteId=site-b1')).body
    expect(one).toHaveLength(1)
    expect(one[0]).toMatchObject({ gatewayId: 'gw-b1', device: 'ch4-1', channel: 'ch4', kind: 'level', state: 'active' })
    expect((await get('/api/alarms?limit=2')).body).toHaveLength(2)
  })

  it('GET /api/interlocks lists interlock actions', async () => {
    const { status, body } = await get('/api/interlocks?siteId=site-a2&limit=5')
    expect(status).toBe(200)
    expect(body).toEqual([expect.objectContaining({ gatewayId: 'gw-a2', interlock: 'power-cut', state: 'tripped' })])
  })

  it('GET /api/series rolls up one channel', async () => {
    const from = NOW - 60 * 60_000
    const { status, body } = await get(`/api/series?gatewayId=gw-a1&device=ch4-1&channel=ch4&from=${from}&to=${NOW}&step=1m`)
    expect(status).toBe(200)
    expect(body).toMatchObject({ gatewayId: 'gw-a1', device: 'ch4-1', channel: 'ch4', stepMs: 60_000 })
    const counted = body.points.filter((p: { count: number }) => p.count > 0)
    expect(counted.map((p: { max: number }) => p.max)).toEqual([0.2, 0.4])
    expect((await get('/api/series?gatewayId=gw-a1&device=ch4-1&channel=ch4&step=1h')).status).toBe(200)
  })

  it('GET /api/series refuses a backwards window and too many buckets', async () => {
    const backwards = await get(`/api/series?gatewayId=gw-a1&device=ch4-1&channel=ch4&from=${NOW}&to=${NOW - 1}`)
    expect(backwards.status).toBe(400)
    expect(backwards.body.message).toMatch(/from/u)
    expect((await get(`/api/series?gatewayId=gw-a1&device=ch4-1&channel=ch4&from=0&to=${NOW}`)).status).toBe(400)
  })

  it('answers JSON 404 for an unknown API path', async () => {
    const reply = await f.app.inject('/api/nothing-here')
    expect(reply.statusCode).toBe(404)
    expect(reply.json()).toMatchObject({ error: 'NOT_FOUND' })
  })
})

describe('dashboard files', () => {
  it('serves index.html at / when webRoot is given', async () => {
    const webRoot = mkdtempSync(join(tmpdir(), 'fleet-web-'))
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>fleet</title>')
    const withWeb = await fixture({ webRoot })
    try {
      const reply = await withWeb.app.inject('/')
      expect(reply.statusCode).toBe(200)
      expect(reply.headers['content-type']).toMatch(/text\/html/u)
      expect(reply.body).toContain('<title>fleet</title>')
      expect((await withWeb.app.inject('/api/health')).statusCode).toBe(200)
    } finally {
      await withWeb.close()
    }
  })
})
