import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from './fixture.ts'

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

describe('validation errors name the field', () => {
  it('login without a password', async () => {
    const reply = await f.app.inject({ method: 'POST', url: '/api/login', payload: { name: 'admin' } })
    expect(reply.statusCode).toBe(400)
    expect(reply.json()).toEqual({ error: 'VALIDATION', message: expect.stringContaining('password') })
  })

  it('a non-numeric alarm id', async () => {
    const reply = await f.app.inject({ method: 'POST', url: '/api/alarms/abc/ack', headers: await f.as('admin') })
    expect(reply.statusCode).toBe(400)
    expect(reply.json().message).toMatch(/params\/id/u)
  })

  it('a limit out of range and a bad step', async () => {
    const headers = await f.as('admin')
    const limit = await f.app.inject({ url: '/api/alarms?limit=0', headers })
    expect(limit.statusCode).toBe(400)
    expect(limit.json().message).toMatch(/limit/u)
    const step = await f.app.inject({ url: '/api/series?gatewayId=gw-a1&device=d&channel=c&step=5m', headers })
    expect(step.statusCode).toBe(400)
    expect(step.json().message).toMatch(/step/u)
  })

  it('a missing query field', async () => {
    const reply = await f.app.inject({ url: '/api/series?gatewayId=gw-a1&device=d', headers: await f.as('admin') })
    expect(reply.statusCode).toBe(400)
    expect(reply.json().message).toMatch(/channel/u)
  })

  it('a body that is not JSON', async () => {
    const reply = await f.app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' }, payload: '{"name":' })
    expect(reply.statusCode).toBe(400)
    expect(reply.json()).toHaveProperty('error')
  })
})
