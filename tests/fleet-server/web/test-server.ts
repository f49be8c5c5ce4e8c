import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { createValidator } from '../../../protocols/validation/index.ts'
import Type from 'typebox'
import {
  AlarmSchema, CommandRecordSchema, ErrorSchema, LoginReplySchema, SeriesSchema, SiteDetailSchema, SiteSummarySchema, UserSchema, InterlockActionSchema,
  ComplianceSchema, ComplianceSummarySchema, ComplianceEvidenceSchema, CommissioningRunSummarySchema,
} from '../../../fleet-server/src/api/index.ts'
import { complianceCsv } from '../../../fleet-server/src/compliance/report.ts'
import { createFleet, PASSWORD, USER, type Fleet } from './fixtures.ts'
import { complianceEvidence, complianceRows, complianceSummary, DEFAULT_AS_OF } from './compliance-fixtures.ts'

/**
 * A stand-in for the fleet server: serves fleet-server/web/ as static files and answers the API
 * from fixtures. Every JSON body is checked against the schema the real route declares; a body
 * that does not match is recorded in `schemaErrors` (and answered 500), so the fixtures cannot
 * drift from the API's schemas (fleet-server/src/api).
 */

export const WEB_ROOT = fileURLToPath(new URL('../../../fleet-server/web/', import.meta.url))
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json',
}
const TOKEN = 'fixture-session-token'

const validators = {
  error: createValidator(ErrorSchema),
  user: createValidator(UserSchema),
  login: createValidator(LoginReplySchema),
  sites: createValidator(Type.Array(SiteSummarySchema)),
  site: createValidator(SiteDetailSchema),
  alarms: createValidator(Type.Array(AlarmSchema)),
  command: createValidator(CommandRecordSchema),
  series: createValidator(SeriesSchema),
  interlocks: createValidator(Type.Array(InterlockActionSchema)),
  compliance: createValidator(ComplianceSchema),
  complianceSummary: createValidator(ComplianceSummarySchema),
  evidence: createValidator(ComplianceEvidenceSchema),
  runs: createValidator(Type.Array(CommissioningRunSummarySchema)),
}

export interface TestServer {
  url: string
  fleet: Fleet
  requests: string[]
  schemaErrors: string[]
  close(): Promise<void>
}

export async function startTestServer(port: number): Promise<TestServer> {
  const fleet = createFleet()
  const requests: string[] = []
  const schemaErrors: string[] = []

  function send(res: ServerResponse, status: number, kind: keyof typeof validators, body: unknown, headers: Record<string, string> = {}) {
    const validate = validators[kind]
    if (!validate(body)) {
      schemaErrors.push(`${kind}: ${JSON.stringify(validate.errors)}`)
      status = 500
      body = { error: 'fixture', message: 'fixture body does not match its schema' }
    }
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    res.end(JSON.stringify(body))
  }
  const fail = (res: ServerResponse, status: number, error: string, message: string) => send(res, status, 'error', { error, message })

  async function body(req: IncomingMessage): Promise<any> {
    let text = ''
    for await (const chunk of req) text += chunk
    return text ? JSON.parse(text) : undefined
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL) {
    const path = url.pathname
    if (req.method === 'POST' && path === '/api/login') {
      const { name, password } = (await body(req)) ?? {}
      if (name !== USER.name || password !== PASSWORD) return fail(res, 401, 'unauthorized', 'wrong name or password')
      return send(res, 200, 'login', { token: TOKEN, user: USER, expiresAt: Date.now() + 8 * 3_600_000 },
        { 'set-cookie': `session=${TOKEN}; HttpOnly; Path=/; SameSite=Strict` })
    }
    const authorised = (req.headers.cookie ?? '').split(/;\s*/).includes(`session=${TOKEN}`)
    if (!authorised) return fail(res, 401, 'unauthorized', 'sign in first')
    if (req.method === 'POST' && path === '/api/logout') {
      res.writeHead(204, { 'set-cookie': 'session=; HttpOnly; Path=/; Max-Age=0' })
      return res.end()
    }
    if (req.method === 'GET' && path === '/api/me') return send(res, 200, 'user', USER)
    if (req.method === 'GET' && path === '/api/sites') return send(res, 200, 'sites', fleet.sites)
    let m = path.match(/^\/api\/sites\/([^/]+)$/)
    if (req.method === 'GET' && m) {
      const detail = fleet.detail(decodeURIComponent(m[1]!))
      return detail ? send(res, 200, 'site', detail) : fail(res, 404, 'not-found', 'no such site')
    }
    if (req.method === 'GET' && path === '/api/alarms') {
      const active = url.searchParams.get('active') === 'true'
      return send(res, 200, 'alarms', fleet.alarms.filter((a) => !active || a.state === 'active'))
    }
    m = path.match(/^\/api\/alarms\/(\d+)\/ack$/)
    if (req.method === 'POST' && m) {
      await body(req)
      const command = fleet.ack(Number(m[1]), USER.name)
      return command ? send(res, 202, 'command', command) : fail(res, 404, 'not-found', 'no such alarm')
    }
    m = path.match(/^\/api\/commands\/([^/]+)$/)
    if (req.method === 'GET' && m) {
      const command = fleet.poll(decodeURIComponent(m[1]!))
      return command ? send(res, 200, 'command', command) : fail(res, 404, 'not-found', 'no such command')
    }
    if (req.method === 'GET' && path === '/api/series') {
      const q = url.searchParams
      if (q.get('step') !== '1m') return fail(res, 400, 'bad-request', 'step must be 1m')
      return send(res, 200, 'series', fleet.series(q.get('gatewayId')!, q.get('device')!, q.get('channel')!, Number(q.get('from')), Number(q.get('to'))))
    }
    if (req.method === 'GET' && path === '/api/interlocks') {
      return send(res, 200, 'interlocks', fleet.interlocks.filter((i) => i.siteId === url.searchParams.get('siteId')))
    }
    if (req.method === 'GET' && (path === '/api/compliance' || path === '/api/compliance.csv')) {
      const q = url.searchParams
      const rows = complianceRows().filter((r) => (!q.get('status') || r.status === q.get('status')) &&
        (!q.get('siteType') || r.siteType === q.get('siteType')) && (!q.get('jurisdiction') || r.jurisdiction === q.get('jurisdiction')))
      if (path === '/api/compliance') return send(res, 200, 'compliance', rows)
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="compliance-${q.get('asOf') ?? DEFAULT_AS_OF}.csv"` })
      return res.end(complianceCsv(rows))
    }
    if (req.method === 'GET' && path === '/api/compliance/summary') {
      return send(res, 200, 'complianceSummary', complianceSummary(complianceRows(), url.searchParams.get('asOf') ?? DEFAULT_AS_OF))
    }
    m = path.match(/^\/api\/compliance\/sites\/([^/]+)$/)
    if (req.method === 'GET' && m) {
      const evidence = complianceEvidence(decodeURIComponent(m[1]!), url.searchParams.get('asOf') ?? DEFAULT_AS_OF, Number(url.searchParams.get('days') ?? 30))
      return evidence ? send(res, 200, 'evidence', evidence) : fail(res, 404, 'not-found', 'no such site')
    }
    // the fixture sites have no signed test runs (the browser test of runs is against the real app: commissioning-browser.test.ts)
    m = path.match(/^\/api\/sites\/([^/]+)\/commissioning-runs$/)
    if (req.method === 'GET' && m) {
      return fleet.detail(decodeURIComponent(m[1]!)) || complianceEvidence(decodeURIComponent(m[1]!), DEFAULT_AS_OF, 1)
        ? send(res, 200, 'runs', []) : fail(res, 404, 'not-found', 'no such site')
    }
    return fail(res, 404, 'not-found', `${req.method} ${path}`)
  }

  async function staticFile(res: ServerResponse, pathname: string) {
    const relative = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname)).replace(/^[/\\]+/, '')
    const file = join(WEB_ROOT, relative)
    if (!file.startsWith(WEB_ROOT) || relative.split(sep).includes('..')) { res.writeHead(403); return res.end() }
    try {
      const data = await readFile(file)
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' })
      res.end(data)
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('not found')
    }
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    requests.push(`${req.method} ${url.pathname}${url.search}`)
    const handler = url.pathname.startsWith('/api/') ? api(req, res, url) : staticFile(res, url.pathname)
    handler.catch((error) => {
      if (!res.headersSent) res.writeHead(500)
      res.end(String(error))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return {
    url: `http://127.0.0.1:${port}`,
    fleet,
    requests,
    schemaErrors,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/**
 * A page for the fixture server: UTC (so the Asia/Shanghai times prove the conversion), en-US, and
 * every page error or console error pushed to `errors` — 401s aside, which are expected (the session
 * check before login, a wrong password).
 */
export async function fixturePage(browser: Browser, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  page.on('pageerror', (error) => errors.push(String(error)))
  page.on('console', (msg) => { if (msg.type() === 'error' && !msg.text().includes('status of 401')) errors.push(msg.text()) })
  return page
}
