import type { Access } from '../../../../fleet-server/src/routes/access.ts'

/** What one answer of the matrix broke, if anything: pure, from the request's facts and the answer. */

export interface Answer { statusCode: number; body: string }

export interface Case {
  access: Access
  /** the caller's role; undefined: anonymous */
  role: string | undefined
  /** 'own': the caller's tenant's ids only; 'foreign': another tenant's, in some field at least */
  tenant: 'own' | 'foreign'
  /** another tenant's id is in the path */
  inPath: boolean
  stateChanging: boolean
  /** strings of tenants the caller may not see (its own tenants' strings taken out) */
  forbidden: readonly string[]
  /** what the request itself carries: an answer echoing it reveals nothing */
  echoes: string
}

const UNAUTHORIZED = { error: 'UNAUTHORIZED', message: 'sign in first: POST /api/login' }

export function judge(c: Case, answer: Answer): string[] {
  const problems: string[] = []
  const status = answer.statusCode
  if (status >= 500) problems.push(`answered ${status}`)
  const revealed = c.forbidden.filter((value) => answer.body.includes(value) && !c.echoes.includes(value))
  if (revealed.length > 0) problems.push(`answered ${status} carrying another tenant's ${revealed.map((v) => JSON.stringify(v)).join(', ')}`)
  if (c.access === 'public') return problems

  if (c.role === undefined) {
    if (status !== 401 || !sameJson(answer.body, UNAUTHORIZED)) problems.push(`anonymous answered ${status}, not 401 UNAUTHORIZED`)
    return problems
  }
  if (c.access !== 'signed-in' && !c.access.roles.includes(c.role as never)) {
    if (status !== 403) problems.push(`a role the route does not list answered ${status}, not 403`)
    return problems
  }
  if (c.tenant === 'foreign') {
    if (c.inPath && status !== 403 && status !== 404) problems.push(`another tenant's id in the path answered ${status}, not 403 or 404`)
    else if (c.stateChanging && status < 400) problems.push(`a change naming another tenant's resource answered ${status}`)
  } else if (status >= 400 && status !== 409) {
    // not a leak, but a probe that never reached the route's work proves nothing about it
    problems.push(`the caller's own request answered ${status} (${answer.body.slice(0, 200)}): the matrix built no valid request for it`)
  }
  return problems
}

function sameJson(body: string, expected: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(body)) === JSON.stringify(expected)
  } catch {
    return false
  }
}
