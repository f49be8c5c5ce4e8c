import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SESSION_TTL_MS } from '../../../fleet-server/src/defaults.ts'
import { fixture, PASSWORD, type Fixture } from './fixture.ts'

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

const login = (name: string, password = PASSWORD) => f.app.inject({ method: 'POST', url: '/api/login', payload: { name, password } })

describe('sessions', () => {
  it('GET /api/health answers without a session', async () => {
    const reply = await f.app.inject('/api/health')
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toMatchObject({ ok: true, mqtt: { connected: true } })
  })

  it('login answers a token, the user and an HttpOnly SameSite=Strict cookie', async () => {
    const reply = await login('ent-a')
    expect(reply.statusCode).toBe(200)
    const body = reply.json()
    expect(body.user).toEqual({ name: 'ent-a', role: 'enterprise', enterpriseId: 'ent-a' })
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/u)
    expect(body.expiresAt).toBe(f.clock.now + SESSION_TTL_MS)
    const cookie = String(reply.headers['set-cookie'])
    expect(cookie).toContain(`fleet_session=${body.token}`)
    expect(cookie).toMatch(/HttpOnly/u)
    expect(cookie).toMatch(/SameSite=Strict/u)
    expect(JSON.stringify(body)).not.toContain('passwordHash')
  })

  it('stores the session token hashed, not as issued', async () => {
    const { token } = (await login('admin')).json()
    const rows = f.store.db.prepare('SELECT * FROM sessions').all()
    expect(JSON.stringify(rows)).not.toContain(token)
  })

  it('refuses a wrong password and an unknown user alike', async () => {
    const wrong = await login('ent-a', 'not the password')
    const unknown = await login('nobody')
    expect(wrong.statusCode).toBe(401)
    expect(unknown.statusCode).toBe(401)
    expect(wrong.json()).toEqual(unknown.json())
    expect(wrong.headers['set-cookie']).toBeUndefined()
  })

  it('accepts the Bearer token and the cookie', async () => {
    const { token } = (await login('reg-ys')).json()
    const bearer = await f.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${token}` } })
    const cookie = await f.app.inject({ url: '/api/me', headers: { cookie: `theme=dark; fleet_session=${token}` } })
    expect(bearer.json()).toMatchObject({ name: 'reg-ys', role: 'regulator', jurisdiction: '涌山镇' })
    expect(cookie.json()).toMatchObject({ name: 'reg-ys' })
  })

  it('answers 401 without a session, with a bad token and after expiry', async () => {
    expect((await f.app.inject('/api/sites')).statusCode).toBe(401)
    const bad = await f.app.inject({ url: '/api/sites', headers: { authorization: 'Bearer nope' } })
    expect(bad.statusCode).toBe(401)
    expect(bad.json()).toMatchObject({ error: 'UNAUTHORIZED' })
    const headers = await f.as('admin')
    f.clock.now += SESSION_TTL_MS + 1
    expect((await f.app.inject({ url: '/api/me', headers })).statusCode).toBe(401)
  })

  it('logout ends the session and clears the cookie', async () => {
    const headers = await f.as('ent-a')
    const reply = await f.app.inject({ method: 'POST', url: '/api/logout', headers })
    expect(reply.statusCode).toBe(204)
    expect(String(reply.headers['set-cookie'])).toMatch(/fleet_session=;.*Max-Age=0/u)
    expect((await f.app.inject({ url: '/api/me', headers })).statusCode).toBe(401)
  })
})
