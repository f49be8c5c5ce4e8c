import { ProvisionError } from './errors.ts'
import type { Enrolment } from './plan.ts'

/** The server's error body: `{ error: CODE, message }`. */
function errorBody(text: string): { error?: string; message?: string } {
  try {
    const body = JSON.parse(text) as unknown
    if (typeof body === 'object' && body !== null) {
      const { error, message } = body as Record<string, unknown>
      return { ...(typeof error === 'string' && { error }), ...(typeof message === 'string' && { message: message.split('\n')[0]!.slice(0, 300) }) }
    }
  } catch {
    // not JSON: not the fleet server's answer
  }
  return {}
}

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0

/**
 * What an answer of `POST /api/enroll` means: the enrolment (200), or the one line saying why not —
 * a token that is unknown, used or expired (410), a wrong site or a gateway id the token may not
 * enrol (409), a request the server refused (400), all exit 2; a server failing, exit 1.
 */
export function enrolmentFromAnswer(status: number, text: string, endpoint: string): Enrolment {
  if (status === 200) {
    let body: Record<string, unknown> = {}
    try {
      body = JSON.parse(text) as Record<string, unknown>
    } catch {
      // checked below
    }
    const { username, password, mqttUrl, siteId } = body ?? {}
    if (isString(username) && isString(password) && isString(mqttUrl) && /^mqtts?:\/\//u.test(mqttUrl) && isString(siteId)) {
      return { username, password, mqttUrl, siteId }
    }
    throw new ProvisionError('SERVER_FAILED', `${endpoint} answered 200 without {username, password, mqttUrl, siteId}: is it the fleet server?`)
  }
  const { error, message } = errorBody(text)
  const said = message ?? `HTTP ${status}`
  if (status === 410) throw new ProvisionError('TOKEN_REFUSED', `the enrolment token was refused: ${said}`)
  if (status === 409 && error === 'WRONG_SITE') throw new ProvisionError('WRONG_SITE', `the token is for another site: ${said}`)
  if (status === 409 || status === 400) throw new ProvisionError('ENROLMENT_REFUSED', `the fleet server refused the enrolment: ${said}`)
  if (status === 404 || status === 405) throw new ProvisionError('SERVER_NOT_FLEET', `${endpoint} answered ${status}: is --server the fleet server's URL?`)
  if (status === 429) throw new ProvisionError('SERVER_FAILED', `the fleet server is refusing enrolments for a while (too many attempts): ${said}; try again later`)
  throw new ProvisionError('SERVER_FAILED', `the fleet server failed to enrol the gateway (${endpoint} answered ${status}: ${said})`)
}
