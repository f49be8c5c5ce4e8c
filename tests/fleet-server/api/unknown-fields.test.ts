import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixture, PASSWORD, type Fixture } from './fixture.ts'

/**
 * Nothing a client sends is dropped silently: a body field or a query parameter a route does not
 * declare answers 400 naming it. The routes are walked from the OpenAPI document, so a new route is
 * covered as soon as it exists — and fails here until it has a valid request in VALID below.
 */

interface Parameter { name: string; in: 'path' | 'query'; required?: boolean }
interface Operation { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }
interface JsonSchema { type?: string | string[]; properties?: Record<string, JsonSchema>; additionalProperties?: unknown; items?: JsonSchema; anyOf?: JsonSchema[]; oneOf?: JsonSchema[] }
interface OpenApi { paths: Record<string, Record<string, Operation>> }

/** A request each route accepts (it may answer 401, 404 or 410, but never 400): path parameters, query, body. */
const VALID: Record<string, { path?: Record<string, string>; query?: Record<string, string>; body?: Record<string, unknown> }> = {
  'get /api/health': {},
  'post /api/login': { body: { name: 'admin', password: PASSWORD } },
  'post /api/logout': {},
  'get /api/me': {},
  'get /api/sites': {},
  'get /api/sites/{id}': { path: { id: 'site-a1' } },
  'get /api/gateways': { query: { siteId: 'site-a1' } },
  'get /api/devices': { query: { siteId: 'site-a1' } },
  'get /api/alarms': { query: { active: 'true' } },
  'post /api/alarms/{id}/ack': { path: { id: '1' } },
  'get /api/commands/{id}': { path: { id: 'cmd-1' } },
  'get /api/interlocks': { query: { siteId: 'site-a1' } },
  'get /api/series': { query: { gatewayId: 'gw-a1', device: 'ch4-1', channel: 'ch4' } },
  'post /api/enroll': { body: { token: 'an-unknown-token-0123456789', gatewayId: 'gw-new' } },
  'get /api/compliance': { query: { status: 'overdue' } },
  'get /api/compliance.csv': { query: { siteType: 'coal-mine' } },
  'post /api/commissioning': { body: { siteId: 'site-a1', system: 'monitoring', commissionedOn: '2026-05-01' } },
  'post /api/commissioning/{id}/reject': { path: { id: '1' }, body: { reason: 'no devices on site' } },
  'get /api/compliance/summary': { query: { asOf: '2026-05-01' } },
  'get /api/compliance/sites/{siteId}': { path: { siteId: 'site-a1' }, query: { days: '7' } },
  'get /api/reports/monthly': { query: { enterpriseId: 'ent-a', month: '2026-05', format: 'json' } },
  'get /api/audit': { query: { limit: '10' } },
  'post /api/gateways/{id}/revoke': { path: { id: 'gw-a1' } },
  'post /api/sites/{id}/enroll-tokens': { path: { id: 'site-a2' }, body: { hours: 2, replace: 'gw-a2' } },
  'get /api/installer/sites': {},
  'get /api/sites/{id}/commissioning-runs': { path: { id: 'site-a1' }, query: { limit: '10' } },
  'get /api/gateways/{id}/commissioning-runs/{runId}': { path: { id: 'gw-a1', runId: 'gw-a1:1780000000000' } },
}

let f: Fixture
let doc: OpenApi
beforeAll(async () => {
  f = await fixture()
  doc = (await f.app.inject('/docs/json')).json<OpenApi>()
})
afterAll(async () => { await f.close() })

const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op, key: `${method} ${path}` })))

/** a fresh session per request, so that POST /api/logout ends only its own */
async function send(method: string, path: string, request: (typeof VALID)[string], extra: { query?: Record<string, string>; body?: Record<string, unknown> } = {}) {
  const login = await f.app.inject({ method: 'POST', url: '/api/login', payload: { name: 'admin', password: PASSWORD } })
  const url = path.replace(/\{(\w+)\}/gu, (_, name: string) => encodeURIComponent(request.path?.[name] ?? `missing-${name}`))
  const query = new URLSearchParams({ ...request.query, ...extra.query }).toString()
  const body = request.body === undefined && extra.body === undefined ? undefined : { ...request.body, ...extra.body }
  return f.app.inject({
    method: method.toUpperCase() as 'GET', url: query ? `${url}?${query}` : url,
    headers: { authorization: `Bearer ${login.json<{ token: string }>().token}` },
    ...(body !== undefined && { payload: body }),
  })
}

/** every object schema in `schema`, with where it is */
function objectSchemas(schema: JsonSchema, at: string): Array<{ at: string; schema: JsonSchema }> {
  const found = schema.properties !== undefined ? [{ at, schema }] : []
  for (const [name, property] of Object.entries(schema.properties ?? {})) found.push(...objectSchemas(property, `${at}/${name}`))
  if (schema.items) found.push(...objectSchemas(schema.items, `${at}[]`))
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) found.push(...objectSchemas(branch, at))
  return found
}

describe('unknown fields and parameters answer 400 naming them, on every route', () => {
  it('every route of the API has a valid request here, and it is not refused', async () => {
    expect(operations().map((o) => o.key).sort()).toEqual(Object.keys(VALID).sort())
    for (const { method, path, key } of operations()) {
      const reply = await send(method, path, VALID[key]!)
      expect(reply.statusCode, `${key}: ${reply.body}`).not.toBe(400)
    }
  })

  it('every request body declares additionalProperties: false, at every depth', () => {
    for (const { op, key } of operations()) {
      for (const [type, { schema }] of Object.entries(op.requestBody?.content ?? {})) {
        for (const object of objectSchemas(schema, 'body')) expect(object.schema.additionalProperties, `${key} ${type} ${object.at}`).toBe(false)
      }
    }
  })

  it('a body field a route does not declare', async () => {
    for (const { method, path, op, key } of operations()) {
      if (method === 'get' && op.requestBody === undefined) continue
      const reply = await send(method, path, VALID[key]!, { body: { surprise: false } })
      expect(reply.statusCode, `${key}: ${reply.body}`).toBe(400)
      expect(reply.json(), key).toEqual({ error: 'VALIDATION', message: expect.stringMatching(/^body\/surprise: unknown field; /u) })
    }
  })

  it('a query parameter a route does not declare', async () => {
    for (const { method, path, key } of operations()) {
      const reply = await send(method, path, VALID[key]!, { query: { surprise: '1' } })
      expect(reply.statusCode, `${key}: ${reply.body}`).toBe(400)
      expect(reply.json(), key).toEqual({ error: 'VALIDATION', message: expect.stringMatching(/^querystring\/surprise: unknown parameter; /u) })
    }
  })
})

describe('the cases that were accepted silently', () => {
  it('POST /api/commissioning with "accepted": false is refused, not stored as accepted', async () => {
    const reply = await f.app.inject({
      method: 'POST', url: '/api/commissioning', headers: await f.as('admin'),
      payload: { siteId: 'site-b1', system: 'monitoring', commissionedOn: '2026-05-01', accepted: false },
    })
    expect(reply.statusCode).toBe(400)
    expect(reply.json().message).toBe('body/accepted: unknown field; the body takes siteId, system, commissionedOn, devices, note, replaces')
    expect(f.store.commissioningOf('site-b1')).toEqual([])
  })

  it('a misspelled filter is refused, naming the parameters the route takes', async () => {
    const reply = await f.app.inject({ url: '/api/compliance?jurisdicton=涌山镇', headers: await f.as('admin') })
    expect(reply.statusCode).toBe(400)
    expect(reply.json().message).toBe('querystring/jurisdicton: unknown parameter; GET /api/compliance takes status, siteType, jurisdiction, asOf, limit, offset')
  })

  it('a route that takes no body accepts none or {}, and refuses a field', async () => {
    const headers = await f.as('admin')
    const url = `/api/alarms/${f.alarmId('gw-b1')}/ack`
    expect((await f.app.inject({ method: 'POST', url, headers })).statusCode).toBe(202)
    expect((await f.app.inject({ method: 'POST', url, headers, payload: {} })).statusCode).toBe(202)
    const by = await f.app.inject({ method: 'POST', url, headers, payload: { by: 'someone else' } })
    expect(by.statusCode).toBe(400)
    expect(by.json().message).toBe('body/by: unknown field; POST /api/alarms/{id}/ack takes no body')
  })
})
