// The fleet server's HTTP API. The session is an HttpOnly cookie set at login, so every call sends
// same-origin credentials. The bodies are typed from the schemas the server validates with, through
// their public face fleet-server/src/api/index.ts: the typedefs below are JSDoc, checked by
// `tsc -p fleet-server/web/tsconfig.json`; the browser loads nothing of fleet-server/src.

/** @typedef {import('../src/api/index.ts').Alarm} Alarm */
/** @typedef {import('../src/api/index.ts').CommandRecord} CommandRecord */
/** @typedef {import('../src/api/index.ts').Commissioning} Commissioning */
/** @typedef {import('../src/api/index.ts').CommissioningRun} CommissioningRun a verified test run whole (issue 17) */
/** @typedef {import('../src/api/index.ts').CommissioningRunSummary} CommissioningRunSummary a verified test run in short */
/** @typedef {CommissioningRun['run']['devices'][number]} DeviceRun one device's steps in a run */
/** @typedef {DeviceRun['steps'][number]} RunStep */
/** @typedef {Extract<RunStep, { kind: 'gas' }>} GasStep the test-gas step, with its readings */
/** @typedef {import('../src/api/index.ts').ComplianceCounts} ComplianceCounts */
/** @typedef {import('../src/api/index.ts').ComplianceEvidence} ComplianceEvidence */
/** @typedef {import('../src/api/index.ts').ComplianceEvidenceQuery} ComplianceEvidenceQuery */
/** @typedef {import('../src/api/index.ts').ComplianceRow} ComplianceRow */
/** @typedef {import('../src/api/index.ts').ComplianceState} ComplianceState */
/** @typedef {import('../src/api/index.ts').ComplianceSummary} ComplianceSummary */
/** @typedef {import('../src/api/index.ts').Device} Device */
/** @typedef {import('../src/api/index.ts').EnrollTokenBody} EnrollTokenBody */
/** @typedef {import('../src/api/index.ts').EnrollTokenReply} EnrollTokenReply */
/** @typedef {import('../src/api/index.ts').ErrorBody} ErrorBody */
/** @typedef {import('../src/api/index.ts').Gateway} Gateway */
/** @typedef {import('../src/api/index.ts').InstallerSite} InstallerSite */
/** @typedef {import('../src/api/index.ts').InstallerSystem} InstallerSystem */
/** @typedef {import('../src/api/index.ts').InterlockAction} InterlockAction */
/** @typedef {import('../src/api/index.ts').LoginBody} LoginBody */
/** @typedef {import('../src/api/index.ts').LoginReply} LoginReply */
/** @typedef {import('../src/api/index.ts').MonthlyReportQuery} MonthlyReportQuery */
/** @typedef {import('../src/api/index.ts').Reading} Reading */
/** @typedef {import('../src/api/index.ts').Series} Series */
/** @typedef {import('../src/api/index.ts').SeriesPoint} SeriesPoint */
/** @typedef {import('../src/api/index.ts').SeriesQuery} SeriesQuery */
/** @typedef {import('../src/api/index.ts').SiteDetail} SiteDetail */
/** @typedef {import('../src/api/index.ts').SiteSummary} SiteSummary */
/** @typedef {import('../src/api/index.ts').SiteType} SiteType */
/** @typedef {import('../src/api/index.ts').User} User */
/**
 * The compliance report's filters as the dashboard carries them in its hash: text the server checks
 * (an unknown site type or a malformed day answers 400, which the view shows).
 * @typedef {Partial<Record<keyof Pick<import('../src/api/index.ts').ComplianceQuery, 'asOf' | 'siteType' | 'jurisdiction'>, string>>} ComplianceFilters
 */

export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status; 0 when the server could not be reached
   * @param {string} message
   */
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

/** The status of a failed call: an `ApiError`'s, undefined for anything else. */
export const statusOf = (/** @type {unknown} */ error) => (error instanceof ApiError ? error.status : undefined)

/** The message of anything thrown. */
export const messageOf = (/** @type {unknown} */ error) => (error instanceof Error ? error.message : String(error))

/** The message of an error body (`ErrorBody`), if `data` is one. */
function errorMessage(/** @type {unknown} */ data) {
  if (typeof data !== 'object' || data === null) return undefined
  const { message, error } = /** @type {Partial<ErrorBody>} */ (data)
  return message ?? error
}

/**
 * The JSON body of the answer, as the route's schema declares it (the server validates its answers;
 * the dashboard does not check them again). `T` comes from the caller's declared return type.
 * @template T
 * @param {'GET' | 'POST'} method
 * @param {string} path
 * @param {object} [body]
 * @returns {Promise<T>}
 */
async function call(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' }
  /** @type {RequestInit} */
  const init = { method, credentials: 'same-origin', headers }
  if (body !== undefined) {
    headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  let res
  try {
    res = await fetch(path, init)
  } catch (error) {
    throw new ApiError(0, messageOf(error))
  }
  const text = await res.text()
  let data = null
  if (text) {
    try { data = JSON.parse(text) } catch { data = null }
  }
  if (!res.ok) throw new ApiError(res.status, errorMessage(data) ?? `HTTP ${res.status}`)
  return data
}

const q = (/** @type {Record<string, string>} */ params) => new URLSearchParams(params).toString()

export const api = {
  /** @returns {Promise<LoginReply>} */
  login: (/** @type {string} */ name, /** @type {string} */ password) => call('POST', '/api/login', /** @satisfies {LoginBody} */ ({ name, password })),
  /** @returns {Promise<null>} 204, no body */
  logout: () => call('POST', '/api/logout', {}),
  /** @returns {Promise<User>} */
  me: () => call('GET', '/api/me'),
  /** @returns {Promise<SiteSummary[]>} */
  sites: () => call('GET', '/api/sites'),
  /** @returns {Promise<SiteDetail>} */
  site: (/** @type {string} */ id) => call('GET', `/api/sites/${encodeURIComponent(id)}`),
  /** @returns {Promise<Alarm[]>} */
  activeAlarms: () => call('GET', '/api/alarms?active=true'),
  /** @returns {Promise<CommandRecord>} 202: the command sent to the gateway */
  ackAlarm: (/** @type {number} */ id) => call('POST', `/api/alarms/${encodeURIComponent(id)}/ack`, {}),
  /** @returns {Promise<CommandRecord>} */
  command: (/** @type {string} */ id) => call('GET', `/api/commands/${encodeURIComponent(id)}`),
  /**
   * @param {Required<Pick<SeriesQuery, 'gatewayId' | 'device' | 'channel' | 'from' | 'to'>>} query
   * @returns {Promise<Series>}
   */
  series: ({ gatewayId, device, channel, from, to }) =>
    call('GET', `/api/series?${q({ gatewayId, device, channel, from: String(from), to: String(to), step: /** @type {const} */ ('1m') })}`),
  /** @returns {Promise<InstallerSite[]>} the caller's sites as an installer sees them */
  installerSites: () => call('GET', '/api/installer/sites'),
  /** @returns {Promise<EnrollTokenReply>} 201: a one-time token, shown once */
  mintEnrollToken: (/** @type {string} */ siteId, /** @type {EnrollTokenBody} */ body = {}) => call('POST', `/api/sites/${encodeURIComponent(siteId)}/enroll-tokens`, body),
  /** @returns {Promise<ComplianceRow[]>} */
  compliance: (/** @type {ComplianceFilters} */ filters = {}) => call('GET', withQuery('/api/compliance', filters)),
  /** @returns {Promise<ComplianceSummary>} */
  complianceSummary: (/** @type {string | undefined} */ asOf) => call('GET', withQuery('/api/compliance/summary', { asOf })),
  /** @returns {Promise<ComplianceEvidence>} */
  complianceSite: (/** @type {string} */ id, /** @type {ComplianceEvidenceQuery} */ { asOf, days = 30 } = {}) =>
    call('GET', withQuery(`/api/compliance/sites/${encodeURIComponent(id)}`, { asOf, days })),
  /** @returns {Promise<CommissioningRunSummary[]>} the site's verified test runs, newest first */
  siteRuns: (/** @type {string} */ siteId) => call('GET', `/api/sites/${encodeURIComponent(siteId)}/commissioning-runs`),
  /** @returns {Promise<CommissioningRun>} */
  run: (/** @type {string} */ gatewayId, /** @type {string} */ runId) =>
    call('GET', `/api/gateways/${encodeURIComponent(gatewayId)}/commissioning-runs/${encodeURIComponent(runId)}`),
}

/** The CSV export of the compliance report with these filters: a same-origin URL for `<a download>`. */
export const complianceCsvUrl = (/** @type {ComplianceFilters} */ filters = {}) => withQuery('/api/compliance.csv', filters)

/** The enterprise's printable monthly risk report (HTML, session cookie). */
export const monthlyReportUrl = (/** @type {string} */ enterpriseId, /** @type {string} */ month) =>
  `/api/reports/monthly?${q(/** @satisfies {MonthlyReportQuery} */ ({ enterpriseId, month }))}`

/**
 * `path?query` with only the parameters that have a value (no `?` when none has).
 * @param {string} path
 * @param {Record<string, string | number | boolean | null | undefined>} params
 */
function withQuery(path, params) {
  const query = q(Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => [k, String(v)])))
  return query ? `${path}?${query}` : path
}
