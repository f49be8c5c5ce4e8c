import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { AccessUndeclaredError, enforceAccess } from '../../../fleet-server/src/routes/access.ts'
import { fixture, type Fixture } from './fixture.ts'

/** The role check declared with each route (routes/access.ts): what it enforces and when. */

let app: FastifyInstance | undefined
let f: Fixture | undefined
afterEach(async () => {
  await app?.close()
  await f?.close()
  app = undefined
  f = undefined
})

describe('enforceAccess', () => {
  it('refuses to register an /api route that declares no access, naming it', async () => {
    app = Fastify()
    app.addHook('onRoute', enforceAccess)
    let thrown: unknown
    try {
      app.get('/api/forgotten', async () => 'open')
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(AccessUndeclaredError)
    expect(thrown).toMatchObject({ code: 'ACCESS_UNDECLARED', message: expect.stringContaining('GET /api/forgotten') })
  })

  it('asks nothing of a route outside /api (the dashboard\'s files, /docs)', async () => {
    app = Fastify()
    app.addHook('onRoute', enforceAccess)
    app.get('/index.html', async () => 'page')
    expect((await app.inject('/index.html')).body).toBe('page')
  })

  it('runs the check before the route\'s own preHandler: no session never reaches it', async () => {
    app = Fastify()
    app.decorateRequest('user', null)
    app.decorateRequest('scope', null)
    app.addHook('onRoute', enforceAccess)
    const reached: string[] = []
    app.get('/api/own', { config: { access: 'signed-in' }, preHandler: async () => { reached.push('preHandler') } }, async () => 'ok')
    const reply = await app.inject('/api/own')
    expect(reply.statusCode).toBe(401)
    expect(reached).toEqual([])
  })
})

describe('a route\'s declared roles', () => {
  it('no session on a role route answers 401 with the same body as any other route', async () => {
    f = await fixture()
    const ack = await f.app.inject({ method: 'POST', url: `/api/alarms/${f.alarmId('gw-a1')}/ack` })
    const sites = await f.app.inject('/api/sites')
    expect(ack.statusCode).toBe(401)
    expect(ack.json()).toEqual({ error: 'UNAUTHORIZED', message: 'sign in first: POST /api/login' })
    expect(sites.json()).toEqual(ack.json())
  })

  it('a malformed request answers 400 before the role is looked at (the check runs after the schema)', async () => {
    f = await fixture()
    const reply = await f.app.inject({ method: 'POST', url: '/api/alarms/not-a-number/ack', headers: await f.as('inst') })
    expect(reply.statusCode).toBe(400)
    expect(reply.json().error).toBe('VALIDATION')
  })

  it('each role route answers 403 to a role it does not list, with what that role may not do', async () => {
    f = await fixture()
    const cases = [
      ['inst', 'GET', '/api/compliance', 'an installer may not read the compliance report'],
      ['inst', 'GET', '/api/compliance/summary', 'an installer may not read the compliance report'],
      ['reg-ys', 'POST', '/api/commissioning', 'a regulator may not upload commissioning records'],
      ['inst', 'GET', '/api/reports/monthly?enterpriseId=ent-a&month=2026-05', 'an installer may not read monthly risk reports'],
    ] as const
    for (const [user, method, url, message] of cases) {
      const payload = method === 'POST' ? { siteId: 'site-a1', system: 'gas', commissionedOn: '2026-05-01' } : undefined
      const reply = await f.app.inject({ method, url, headers: await f.as(user), ...(payload && { payload }) })
      expect(reply.statusCode, `${method} ${url} as ${user}`).toBe(403)
      expect(reply.json()).toEqual({ error: 'FORBIDDEN', message })
    }
  })
})
