// The dashboard's hash routes: `#/`, `#/site/{id}`, `#/compliance?filters`,
// `#/compliance/site/{id}?asOf`, `#/compliance/site/{id}/runs/{gatewayId}/{runId}` and `#/installer`.
// Pure: a hash in, a route out.
/** @typedef {import('./api.js').ComplianceFilters} ComplianceFilters */

/**
 * Where the user is; `key` tells two pages apart (a compliance route's filters are part of it).
 * @typedef {{ name: 'overview', key: string }
 *   | { name: 'installer', key: string }
 *   | { name: 'site', id: string, key: string }
 *   | { name: 'compliance', query: ComplianceFilters, key: string }
 *   | { name: 'evidence', id: string, query: ComplianceFilters, key: string }
 *   | { name: 'run', siteId: string, gatewayId: string, runId: string, key: string }} Route
 */
/** @typedef {Extract<Route, { name: 'compliance' | 'evidence' | 'run' }>} ComplianceRoute */

/**
 * The filters a compliance route carries in its hash (`#/compliance?asOf=2026-11-29&siteType=coal-mine`).
 * @param {string} search
 */
function complianceQuery(search) {
  const params = new URLSearchParams(search)
  /** @type {ComplianceFilters} */
  const query = {}
  const asOf = params.get('asOf') ?? ''
  if (/^\d{4}-\d{2}-\d{2}$/.test(asOf)) query.asOf = asOf
  for (const key of /** @type {const} */ (['siteType', 'jurisdiction'])) {
    const value = params.get(key)
    if (value) query[key] = value
  }
  return query
}

/**
 * @param {string} hash `location.hash`
 * @returns {Route}
 */
export function routeOf(hash) {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?')
  const siteId = /^\/site\/(.+)$/.exec(path)?.[1]
  if (siteId !== undefined) return { name: 'site', id: decodeURIComponent(siteId), key: path }
  const run = /^\/compliance\/site\/([^/]+)\/runs\/([^/]+)\/([^/]+)$/.exec(path)
  if (run) {
    const [, site = '', gateway = '', id = ''] = run
    return { name: 'run', siteId: decodeURIComponent(site), gatewayId: decodeURIComponent(gateway), runId: decodeURIComponent(id), key: path }
  }
  const evidenceId = /^\/compliance\/site\/(.+)$/.exec(path)?.[1]
  if (evidenceId !== undefined) return { name: 'evidence', id: decodeURIComponent(evidenceId), query: complianceQuery(search), key: hash }
  if (path === '/compliance') return { name: 'compliance', query: complianceQuery(search), key: hash }
  if (path === '/installer') return { name: 'installer', key: path }
  return { name: 'overview', key: '/' }
}

/** @returns {route is ComplianceRoute} */
export const isComplianceRoute = (/** @type {Route} */ route) => route.name === 'compliance' || route.name === 'evidence' || route.name === 'run'

/** The hash of a test run's evidence, reached from its site's compliance evidence. */
export const runHash = (/** @type {string} */ siteId, /** @type {string} */ gatewayId, /** @type {string} */ runId) =>
  `#/compliance/site/${encodeURIComponent(siteId)}/runs/${encodeURIComponent(gatewayId)}/${encodeURIComponent(runId)}`

/**
 * Whether the route shows the installer view: `#/installer`, and the start page of an installer.
 * @param {Route} route
 * @param {import('./api.js').User['role']} role
 */
export const showsInstaller = (route, role) => route.name === 'installer' || (route.name === 'overview' && role === 'installer')
