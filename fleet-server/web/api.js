// The fleet server's HTTP API (bodies as in fleet-server/src/api/schemas.ts). The session is an
// HttpOnly cookie set at login, so every call sends same-origin credentials.

export class ApiError extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

async function call(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { accept: 'application/json' } }
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  let res
  try {
    res = await fetch(path, init)
  } catch (error) {
    throw new ApiError(0, error instanceof Error ? error.message : String(error))
  }
  const text = await res.text()
  let data = null
  if (text) {
    try { data = JSON.parse(text) } catch { data = null }
  }
  if (!res.ok) throw new ApiError(res.status, data?.message ?? data?.error ?? `HTTP ${res.status}`)
  return data
}

const q = (params) => new URLSearchParams(params).toString()

export const api = {
  login: (name, password) => call('POST', '/api/login', { name, password }),
  logout: () => call('POST', '/api/logout', {}),
  me: () => call('GET', '/api/me'),
  sites: () => call('GET', '/api/sites'),
  site: (id) => call('GET', `/api/sites/${encodeURIComponent(id)}`),
  activeAlarms: () => call('GET', '/api/alarms?active=true'),
  ackAlarm: (id) => call('POST', `/api/alarms/${encodeURIComponent(id)}/ack`, {}),
  command: (id) => call('GET', `/api/commands/${encodeURIComponent(id)}`),
  series: ({ gatewayId, device, channel, from, to }) =>
    call('GET', `/api/series?${q({ gatewayId, device, channel, from, to, step: '1m' })}`),
  interlocks: (siteId) => call('GET', `/api/interlocks?${q({ siteId })}`),
  compliance: (filters = {}) => call('GET', withQuery('/api/compliance', filters)),
  complianceSummary: (asOf) => call('GET', withQuery('/api/compliance/summary', { asOf })),
  complianceSite: (id, { asOf, days = 30 } = {}) => call('GET', withQuery(`/api/compliance/sites/${encodeURIComponent(id)}`, { asOf, days })),
}

/** The CSV export of the compliance report with these filters: a same-origin URL for `<a download>`. */
export const complianceCsvUrl = (filters = {}) => withQuery('/api/compliance.csv', filters)

/** The enterprise's printable monthly risk report (HTML, session cookie). */
export const monthlyReportUrl = (enterpriseId, month) => `/api/reports/monthly?${q({ enterpriseId, month })}`

/** `path?query` with only the parameters that have a value (no `?` when none has). */
function withQuery(path, params) {
  const query = q(Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '')))
  return query ? `${path}?${query}` : path
}
