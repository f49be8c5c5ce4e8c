import { describe, expect, it } from 'vitest'
import { enrolmentFromAnswer } from '../../../edge-agent/src/provision/enrol-answer.ts'
import { ProvisionError } from '../../../edge-agent/src/provision/errors.ts'
import { thrownBy } from '../../support/thrown.ts'

const ENDPOINT = 'https://fleet:8443/api/enroll'
const REPLY = { username: 'gw-1', password: 's3cret-password-value', mqttUrl: 'mqtts://fleet:8883', siteId: 'mine-7' }

const refusal = (status: number, body: unknown): ProvisionError =>
  thrownBy(ProvisionError, () => enrolmentFromAnswer(status, typeof body === 'string' ? body : JSON.stringify(body), ENDPOINT))

describe('what the server\'s answer to POST /api/enroll means', () => {
  it('200 with the credentials: the enrolment', () => {
    expect(enrolmentFromAnswer(200, JSON.stringify({ ...REPLY, extra: 1 }), ENDPOINT)).toEqual(REPLY)
  })

  it('each refusal: its code, exit class and the server\'s own words', () => {
    const cases: [number, unknown, string, boolean, string][] = [
      [410, { error: 'GONE', message: 'the enrolment token is unknown, already used or expired; ask for a new one' }, 'TOKEN_REFUSED', true,
        'the enrolment token was refused: the enrolment token is unknown, already used or expired; ask for a new one'],
      [409, { error: 'WRONG_SITE', message: 'the enrolment token is for site a, but the gateway\'s config names site b' }, 'WRONG_SITE', true,
        'the token is for another site: the enrolment token is for site a, but the gateway\'s config names site b'],
      [409, { error: 'CONFLICT', message: 'gateway gw-1 is enrolled already' }, 'ENROLMENT_REFUSED', true, 'the fleet server refused the enrolment: gateway gw-1 is enrolled already'],
      [400, { error: 'BAD_REQUEST', message: 'body/token must NOT have fewer than 16 characters' }, 'ENROLMENT_REFUSED', true,
        'the fleet server refused the enrolment: body/token must NOT have fewer than 16 characters'],
      [404, '<html>not here</html>', 'SERVER_NOT_FLEET', true, `${ENDPOINT} answered 404: is --server the fleet server's URL?`],
      [429, { error: 'TOO_MANY', message: 'slow down' }, 'SERVER_FAILED', false, 'the fleet server is refusing enrolments for a while (too many attempts): slow down; try again later'],
      [500, { error: 'INTERNAL', message: 'internal error' }, 'SERVER_FAILED', false, `the fleet server failed to enrol the gateway (${ENDPOINT} answered 500: internal error)`],
      [502, 'Bad Gateway', 'SERVER_FAILED', false, `the fleet server failed to enrol the gateway (${ENDPOINT} answered 502: HTTP 502)`],
    ]
    for (const [status, body, code, invalidInput, message] of cases) {
      const error = refusal(status, body)
      expect({ code: error.code, invalidInput: error.invalidInput, message: error.message }).toEqual({ code, invalidInput, message })
    }
  })

  it('a 200 without the credentials, or with a broker that is no mqtt(s) URL, is not the fleet server (exit 1)', () => {
    for (const body of ['not json', { ...REPLY, password: undefined }, { ...REPLY, mqttUrl: 'http://fleet' }, null]) {
      const error = refusal(200, body)
      expect(error.code).toBe('SERVER_FAILED')
      expect(error.invalidInput).toBe(false)
    }
  })

  it('a long or multi-line server message is cut to its first line', () => {
    expect(refusal(410, { error: 'GONE', message: `first\n${'x'.repeat(50)}` }).message).toBe('the enrolment token was refused: first')
  })
})
