import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from './fixture.ts'

/**
 * Hole 8 of issue 15: a text/plain form on another port of the same host posted /api/alarms/1/ack
 * with the enterprise signed in (its cookie went along: same site) → 202. State-changing requests
 * take only JSON, and an Origin (or, without one, a Referer) must be the server's own.
 */
const HOST = '127.0.0.1:8080'
let f: Fixture
let cookie: string
let alarm: number

beforeAll(async () => {
  f = await fixture()
  const token = (await f.as('ent-a')).authorization.replace(/^Bearer /u, '')
  cookie = `fleet_session=${token}`
  alarm = f.alarmId('gw-a1')
})
afterAll(() => f.close())

const ack = (headers: Record<string, string>, payload?: string) =>
  f.app.inject({ method: 'POST', url: `/api/alarms/${alarm}/ack`, headers: { host: HOST, cookie, ...headers }, ...(payload !== undefined ? { payload } : {}) })

describe('cross-site requests with the session cookie (issue 15, hole 8)', () => {
  it.each([
    ['a text/plain form from another port of the same host', { 'content-type': 'text/plain', origin: 'http://127.0.0.1:8081' }, 'x=y'],
    ['a text/plain form with no fields', { 'content-type': 'text/plain', origin: 'http://127.0.0.1:8081' }, ''],
    ['a urlencoded form', { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:8081' }, 'a=1'],
    ['a JSON fetch from another port', { 'content-type': 'application/json', origin: 'http://127.0.0.1:8081' }, '{}'],
    ['a JSON fetch from another host', { 'content-type': 'application/json', origin: 'http://evil.example' }, '{}'],
    ['an opaque origin (sandboxed frame)', { 'content-type': 'application/json', origin: 'null' }, '{}'],
    ['https of the same host and port', { 'content-type': 'application/json', origin: 'https://127.0.0.1:8080' }, '{}'],
    ['no Origin, a Referer of another port', { 'content-type': 'application/json', referer: 'http://127.0.0.1:8081/form.html' }, '{}'],
    ['a text/plain body from the own origin', { 'content-type': 'text/plain', origin: 'http://127.0.0.1:8080' }, 'x=y'],
  ])('%s is refused and sends no command', async (_what, headers, payload) => {
    const before = f.sent.length
    const reply = await ack(headers, payload)
    expect([403, 415], reply.body).toContain(reply.statusCode)
    expect(reply.json()).toMatchObject({ error: expect.stringMatching(/^(CROSS_ORIGIN|UNSUPPORTED_MEDIA_TYPE)$/u) })
    expect(f.sent.length).toBe(before)
  })

  it('the dashboard\'s own JSON request (its own Origin) acknowledges', async () => {
    const reply = await ack({ 'content-type': 'application/json', origin: `http://${HOST}` }, '{}')
    expect(reply.statusCode, reply.body).toBe(202)
  })

  it('a same-origin Referer without Origin, and a request with neither (curl, an agent), are not browsers\' cross-site requests', async () => {
    expect((await ack({ 'content-type': 'application/json', referer: `http://${HOST}/#/alarms` }, '{}')).statusCode).toBe(202)
    expect((await ack({ 'content-type': 'application/json' }, '{}')).statusCode).toBe(202)
    expect((await ack({})).statusCode).toBe(202)
  })

  it('reads are not affected: a GET with another Origin answers (the cookie is SameSite=Strict, the answer not readable cross-origin)', async () => {
    const reply = await f.app.inject({ method: 'GET', url: '/api/alarms', headers: { host: HOST, cookie, origin: 'http://127.0.0.1:8081' } })
    expect(reply.statusCode).toBe(200)
  })
})
