import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixture, type Fixture } from './fixture.ts'

let f: Fixture
beforeAll(async () => { f = await fixture() })
afterAll(async () => { await f.close() })

const ROUTES = [
  ['get', '/api/health'], ['post', '/api/login'], ['post', '/api/logout'], ['get', '/api/me'],
  ['get', '/api/sites'], ['get', '/api/sites/{id}'], ['get', '/api/gateways'], ['get', '/api/devices'],
  ['get', '/api/alarms'], ['get', '/api/audit'], ['post', '/api/alarms/{id}/ack'], ['get', '/api/commands/{id}'], ['get', '/api/interlocks'],
  ['get', '/api/series'], ['post', '/api/enroll'], ['post', '/api/gateways/{id}/revoke'],
  ['post', '/api/sites/{id}/enroll-tokens'], ['get', '/api/installer/sites'],
  ['get', '/api/compliance'], ['get', '/api/compliance.csv'], ['post', '/api/commissioning'], ['post', '/api/commissioning/{id}/reject'],
  ['get', '/api/compliance/summary'], ['get', '/api/compliance/sites/{siteId}'],
  ['get', '/api/reports/monthly'],
  ['get', '/api/sites/{id}/commissioning-runs'], ['get', '/api/gateways/{id}/commissioning-runs/{runId}'],
] as const

interface Operation { responses: Record<string, { content?: unknown }>; security?: unknown[]; parameters?: Array<{ name: string; in: string }>; requestBody?: unknown }

describe('OpenAPI', () => {
  it('/docs/json is an OpenAPI 3 document listing every route with its responses', async () => {
    const reply = await f.app.inject('/docs/json')
    expect(reply.statusCode).toBe(200)
    const doc = reply.json<{ openapi: string; info: { title: string }; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: object } }>()
    expect(doc.openapi).toMatch(/^3\./u)
    expect(doc.info.title).toBeTruthy()
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'cookie'])
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`)).sort()
    expect(listed).toEqual(ROUTES.map(([method, path]) => `${method} ${path}`).sort())
    for (const [method, path] of ROUTES) {
      const op = doc.paths[path]![method]!
      expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0)
      const signedOut = ['/api/health', '/api/login', '/api/enroll'].includes(path)
      expect(op.security === undefined, `${method} ${path} security`).toBe(signedOut)
    }
    expect(doc.paths['/api/series']!.get!.parameters!.map((p) => p.name).sort()).toEqual(['channel', 'device', 'from', 'gatewayId', 'step', 'to'])
    expect(doc.paths['/api/login']!.post!.requestBody).toBeDefined()
    expect(reply.body, 'keywords OpenAPI 3.0 lacks').not.toMatch(/"(patternProperties|const)"/u)
  })

  it('/docs serves swagger-ui from the package, no CDN', async () => {
    const page = await f.app.inject('/docs/')
    expect(page.statusCode).toBe(200)
    expect(page.body).not.toMatch(/unpkg|jsdelivr|cdnjs/u)
  })
})
