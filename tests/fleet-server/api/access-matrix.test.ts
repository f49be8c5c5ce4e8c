import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type * as Declared from './access-matrix/declared.ts'
import type * as Matrix from './access-matrix/matrix.ts'
import type * as World from './access-matrix/world.ts'
import type { SqliteStore } from '../../../fleet-server/src/store/sqlite/index.ts'
import type { FleetStore } from '../../../fleet-server/src/store/types.ts'

// the real check, with each route's declared access noted first: the matrix reads who may call what
// from the declarations themselves, so a route added later is judged by its own
vi.mock('../../../fleet-server/src/routes/access.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../fleet-server/src/routes/access.ts')>()
  const { recordAccess } = await import('./access-matrix/declared.ts')
  return { ...original, enforceAccess: (route: Parameters<typeof original.enforceAccess>[0]) => { recordAccess(route); original.enforceAccess(route) } }
})

/**
 * The /api routes anyone may call without a session, each reviewed. A route newly declared public fails
 * the test below until it is reviewed and added here: being public is a decision, not a default.
 */
const PUBLIC_ROUTES = [
  'GET /api/health', // liveness and counters for monitoring and the demo; it carries no tenant's data
  'POST /api/login', // how a session is obtained
  'POST /api/logout', // ends the session the request carries, if any; without one it ends nothing
  'POST /api/enroll', // a gateway has no user session: its one-time enrolment token is the credential
]

// The unit project shares one module cache between the files a worker runs: the server's modules may
// already be loaded, with the real routes/access.ts. Loaded again here, the app is built with the
// wrapper above, and the test reads the same declared.ts the wrapper writes to.
let declaredAccess: typeof Declared.declaredAccess
let runMatrix: typeof Matrix.runMatrix
let IDENTITIES: typeof World.IDENTITIES
let NOW: typeof World.NOW
let world: typeof World.world
beforeAll(async () => {
  vi.resetModules()
  ;({ declaredAccess } = await import('./access-matrix/declared.ts'))
  ;({ runMatrix } = await import('./access-matrix/matrix.ts'))
  ;({ IDENTITIES, NOW, world } = await import('./access-matrix/world.ts'))
})

beforeEach(() => declaredAccess.clear())

describe('the role × route × tenant matrix', () => {
  it('every route of the OpenAPI document, as every role and anonymous, with its own and another tenant\'s ids: 0 leaks', async () => {
    const result = await runMatrix(() => world(), declaredAccess)
    expect(result.findings).toEqual([])
    const signedIn = IDENTITIES.filter((i) => i.user !== undefined).length
    // each route was probed by each identity: anonymous once, signed-in with at least one tenant's ids
    expect(result.routes.length).toBeGreaterThanOrEqual(20)
    expect(result.combinations).toBeGreaterThanOrEqual(result.routes.length * (1 + signedIn))
  }, 120_000)

  it('the routes declared public are the reviewed ones', async () => {
    const w = await world()
    await w.app.ready()
    await w.close()
    const declaredPublic = [...declaredAccess].filter(([, access]) => access === 'public').map(([key]) => key)
    expect(declaredPublic.sort()).toEqual([...PUBLIC_ROUTES].sort())
  })

  it('the OpenAPI document and its viewer are public (outside /api: no declared access)', async () => {
    const w = await world()
    try {
      expect((await w.app.inject('/docs/json')).statusCode).toBe(200)
      expect((await w.app.inject('/docs/')).statusCode).toBe(200)
    } finally {
      await w.close()
    }
  })
})

/** Routes that each break the matrix one way, registered on a test-only app beside the real ones. */
function leakyRoutes(app: FastifyInstance, store: SqliteStore): void {
  const admin = { role: 'admin' } as const
  const params = Type.Object({ siteId: Type.String({ minLength: 1 }) })
  // ignores the caller's scope: any signed-in user reads any site
  app.get('/api/leaky/sites/:siteId', { config: { access: 'signed-in' }, schema: { params } },
    async (request) => store.getSite(admin, (request.params as { siteId: string }).siteId) ?? {})
  // a list not filtered to the caller's scope
  app.get('/api/leaky/alarms', { config: { access: 'signed-in' } }, async () => store.listAlarms(admin))
  // a change on any site, whoever's it is
  app.post('/api/leaky/commissioning', {
    config: { access: { roles: ['installer', 'admin'], doing: 'upload commissioning records' } },
    schema: { body: Type.Object({ siteId: Type.String({ minLength: 1 }), system: Type.String() }, { additionalProperties: false }) },
  }, async (request, reply) => {
    const { siteId, system } = request.body as { siteId: string; system: string }
    return reply.code(201).send(store.addCommissioning({ siteId, system, commissionedOn: '2026-05-01', by: 'leaky', createdAt: NOW }))
  })
  // checks the site in the path, not that the record in the body is that site's
  app.post('/api/leaky/sites/:siteId/corrections', {
    config: { access: 'signed-in' },
    schema: { params, body: Type.Object({ commissioningId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }) },
  }, async (request, reply) => {
    if (!request.scope || !store.getSite(request.scope, (request.params as { siteId: string }).siteId)) return reply.code(404).send({ error: 'NOT_FOUND', message: 'site not found' })
    const id = (request.body as { commissioningId: number }).commissioningId
    const record = store.listSites(admin).flatMap((site) => store.commissioningOf(site.id)).find((r) => r.id === id)
    if (!record) return reply.code(404).send({ error: 'NOT_FOUND', message: 'record not found' })
    return reply.code(201).send(store.addCommissioning({ siteId: record.siteId, system: record.system, commissionedOn: '2026-05-02', by: 'leaky', createdAt: NOW }))
  })
  // public by mistake
  app.get('/api/leaky/public', { config: { access: 'public' } }, async () => store.listSites(admin).map((s) => s.id))
  // answers from a hook of its own, before the declared access is checked
  app.get('/api/leaky/early', {
    config: { access: { roles: ['admin'], doing: 'list every site' } },
    onRequest: async (_request, reply) => reply.send(store.listSites(admin).map((s) => s.name)),
  }, async () => [])
  // hidden from the OpenAPI document, so from every client's view of the API
  app.get('/api/leaky/hidden', { config: { access: 'signed-in' }, schema: { hide: true } }, async () => 'hidden')
}

describe('the matrix bites', () => {
  it('reports each leaky route on a test-only app, and nothing of the real ones', async () => {
    const result = await runMatrix(() => world({ extend: leakyRoutes }), declaredAccess)
    const about = (prefix: string) => result.findings.filter((f) => f.startsWith(prefix))

    const leakySite = about('GET /api/leaky/sites/{siteId} as ent-b (foreign tenant').join('\n')
    expect(leakySite).toMatch(/another tenant's id in the path answered 200, not 403 or 404/u)
    expect(leakySite).toMatch(/answered 200 carrying another tenant's "甲煤矿", "ent-a", "甲矿业有限公司", "gw-a1", "ch4-a1"/u)
    expect(about('GET /api/leaky/alarms as reg-yongshan (no tenant ids').join('\n')).toMatch(/carrying another tenant's .*"site-a2"/u)
    expect(about('POST /api/leaky/commissioning as inst-a2 (foreign tenant').join('\n')).toMatch(/changed another tenant's site site-b1/u)
    expect(about('POST /api/leaky/commissioning as inst-a2 (foreign tenant').join('\n')).toMatch(/a change naming another tenant's resource answered 201/u)
    const correction = about("POST /api/leaky/sites/{siteId}/corrections as inst-a2 (own tenant but another's commissioningId").join('\n')
    expect(correction).toMatch(/a change naming another tenant's resource answered 201/u)
    expect(correction).toMatch(/changed another tenant's site site-b1/u)
    // all of another tenant's ids: the site check answers 404, rightly; only the mixed request finds it
    expect(about('POST /api/leaky/sites/{siteId}/corrections as inst-a2 (foreign tenant')).toEqual([])
    expect(about('GET /api/leaky/public as anonymous').join('\n')).toMatch(/carrying another tenant's "site-a1"/u)
    expect(about('GET /api/leaky/early as anonymous').join('\n')).toMatch(/anonymous answered 200, not 401 UNAUTHORIZED/u)
    expect(about('GET /api/leaky/early as ent-a (no tenant ids').join('\n')).toMatch(/a role the route does not list answered 200, not 403/u)
    expect(about('GET /api/leaky/hidden')).toEqual([expect.stringMatching(/missing from the OpenAPI document/u)])
    expect(result.findings.filter((f) => !f.startsWith('GET /api/leaky/') && !f.startsWith('POST /api/leaky/'))).toEqual([])
  }, 120_000)
})

/** The store with the named reads answering as if every caller were an admin: a scope filter forgotten. */
function ignoringScope(store: SqliteStore, reads: ReadonlyArray<keyof FleetStore>): FleetStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      const broken = (reads as readonly PropertyKey[]).includes(property)
      return (...args: unknown[]) => value.apply(target, broken ? [{ role: 'admin' }, ...args.slice(1)] : args)
    },
  })
}

describe('the matrix bites on the real routes', () => {
  it('reports each real route whose store read forgets the caller\'s scope', async () => {
    const result = await runMatrix(() => world({ storeForApp: (store) => ignoringScope(store, ['listAlarms', 'getSite', 'complianceSites']) }), declaredAccess)
    const about = (prefix: string) => result.findings.filter((f) => f.startsWith(prefix)).join('\n')

    expect(about('GET /api/alarms as ent-b (no tenant ids')).toMatch(/answered 200 carrying another tenant's .*"site-a1"/u)
    expect(about('GET /api/sites/{id} as ent-b (foreign tenant')).toMatch(/another tenant's id in the path answered 200, not 403 or 404/u)
    expect(about('POST /api/commissioning as inst-a2 (foreign tenant')).toMatch(/changed another tenant's site site-b1/u)
    // an installer minting an enrolment token for a site not assigned to it: the audit entry is the change
    const minted = about('POST /api/sites/{id}/enroll-tokens as inst-a2 (foreign tenant')
    expect(minted).toMatch(/another tenant's id in the path answered 201, not 403 or 404/u)
    expect(minted).toMatch(/changed another tenant's site site-b1/u)
  }, 120_000)
})
