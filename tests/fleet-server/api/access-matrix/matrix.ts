import type { Access } from '../../../../fleet-server/src/routes/access.ts'
import { judge, type Case } from './judge.ts'
import { probe, routesOf, type OpenApiDocument, type Probe, type Route } from './requests.ts'
import { IDENTITIES, NOW, type Identity, type World } from './world.ts'

/**
 * The role × route × tenant matrix: every route the app's OpenAPI document lists, called by every
 * identity (anonymous included) with its own tenant's ids, with another tenant's, and with its own but
 * one of them another's; each answer judged against the route's declared access and the caller's scope,
 * and each request checked for commands sent to, or changes made on, a site outside that scope.
 */

export interface MatrixResult {
  /** requests sent and judged */
  combinations: number
  /** "METHOD /path as WHO (which ids, the request): what went wrong" */
  findings: string[]
  /** the routes probed, as "METHOD /path" */
  routes: string[]
}

export async function runMatrix(build: () => Promise<World>, declared: ReadonlyMap<string, Access | undefined>): Promise<MatrixResult> {
  // reads share one world; each route that changes state gets its own, so it cannot decide what another sees
  const reads = await build()
  const doc = (await reads.app.inject('/docs/json')).json<OpenApiDocument>()
  const routes = routesOf(doc)
  const listed = new Set(routes.map((r) => `${r.method} ${r.path}`))
  const findings = [...declared.keys()].filter((key) => !listed.has(key))
    .map((key) => `${key}: registered but missing from the OpenAPI document, so no client and no matrix sees it`)
  let combinations = 0

  for (const route of routes) {
    const key = `${route.method} ${route.path}`
    const access = declared.get(key)
    if (access === undefined) {
      findings.push(`${key}: listed in the OpenAPI document without a declared access`)
      continue
    }
    const stateChanging = route.method !== 'GET'
    const w = stateChanging ? await build() : reads
    for (const identity of IDENTITIES) {
      const done = new Set<string>()
      for (const { label, tenant, p, foreignInPath } of probesOf(w, route, identity)) {
        // a route without optional tenant filters asks the same more than once: once is enough
        if (done.has(p.echoes)) continue
        done.add(p.echoes)
        const problems = await send(w, p, identity, {
          access, role: identity.user?.role, tenant, inPath: foreignInPath, stateChanging,
          forbidden: forbiddenFor(w, identity), echoes: p.echoes,
        })
        combinations++
        const who = identity.name ?? 'anonymous'
        for (const problem of problems) findings.push(`${key} as ${who} (${label}, ${route.method} ${p.request.url}): ${problem}`)
      }
    }
    if (stateChanging) await w.close()
  }
  await reads.close()
  return { combinations, findings, routes: [...listed] }
}

interface Asked { label: string; tenant: 'own' | 'foreign'; p: Probe; foreignInPath: boolean }

/**
 * Anonymous: once, with a site's ids. A signed-in identity: another tenant's ids everywhere; its own
 * with the optional tenant filters and with only what is required (a list unfiltered); and, where a
 * request names several resources, its own with one of them another tenant's (an own site's path with
 * another's record in the body). The other tenant is one whose enterprise has no site in the
 * identity's scope when there is one (else an enterprise-wide id is rightly its own).
 */
function probesOf(w: World, route: Route, identity: Identity): Asked[] {
  const sites = [...w.tenants.keys()]
  const idsOf = (siteId: string) => () => w.tenants.get(siteId)!
  if (identity.user === undefined) return [{ label: 'anonymous', tenant: 'foreign', p: probe(route, idsOf(sites[0]!), NOW, true), foreignInPath: false }]
  const own = identity.sites[0]
  const outside = sites.filter((s) => !identity.sites.includes(s))
  const ownEnterprises = new Set(identity.sites.map((s) => w.tenants.get(s)!.enterpriseId))
  const foreign = outside.find((s) => !ownEnterprises.has(w.tenants.get(s)!.enterpriseId)) ?? outside[0]
  const asked: Asked[] = []
  // a request naming no tenant's resource is the caller's own, whichever tenant it was built for
  const judged = (p: Probe, label: string, tenant: Asked['tenant'], foreignInPath: boolean): Asked =>
    p.tenantFields.length === 0 ? { label: 'no tenant ids', tenant: 'own', p, foreignInPath: false } : { label, tenant, p, foreignInPath }
  if (foreign !== undefined) {
    const p = probe(route, idsOf(foreign), NOW, true)
    asked.push(judged(p, 'foreign tenant', 'foreign', p.tenantFields.some((f) => f.inPath)))
  }
  if (own === undefined) return asked
  const ownProbe = probe(route, idsOf(own), NOW, true)
  asked.push(judged(ownProbe, 'own tenant', 'own', false), judged(probe(route, idsOf(own), NOW, false), 'own tenant', 'own', false))
  if (foreign === undefined || ownProbe.tenantFields.length < 2) return asked
  for (const field of ownProbe.tenantFields) {
    const mixed = probe(route, (name) => w.tenants.get(name === field.name ? foreign : own)!, NOW, true)
    asked.push(judged(mixed, `own tenant but another's ${field.name}`, 'foreign', field.inPath))
  }
  return asked
}

/** the strings of every tenant outside the identity's scope that none inside it shares */
function forbiddenFor(w: World, identity: Identity): string[] {
  const allowed = new Set(identity.sites.flatMap((s) => w.strings.get(s) ?? []))
  return [...new Set([...w.strings].filter(([site]) => !identity.sites.includes(site)).flatMap(([, strings]) => strings))]
    .filter((s) => !allowed.has(s))
}

async function send(w: World, p: Probe, identity: Identity, c: Case): Promise<string[]> {
  const outside = [...w.tenants.keys()].filter((s) => !identity.sites.includes(s))
  const before = c.stateChanging ? outside.map((s) => w.snapshot(s)) : []
  const sentBefore = w.sent.length
  const headers = identity.name === undefined ? {} : w.as(identity.name)
  const reply = await w.app.inject({ ...p.request, headers: { ...p.request.headers, ...headers } })
  const problems = judge(c, { statusCode: reply.statusCode, body: reply.body })
  const outsideGateways = new Set(outside.map((s) => w.tenants.get(s)!.gatewayId))
  for (const command of w.sent.slice(sentBefore)) {
    if (outsideGateways.has(command.gatewayId)) problems.push(`sent ${command.name} to another tenant's gateway ${command.gatewayId}`)
  }
  if (c.stateChanging) {
    outside.forEach((s, i) => { if (w.snapshot(s) !== before[i]) problems.push(`changed another tenant's site ${s}`) })
  }
  return problems
}
