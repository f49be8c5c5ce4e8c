import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hashToken, newToken } from '../../../fleet-server/src/auth/index.ts'
import { verifySecret } from '../../../fleet-server/src/mqtt/secrets.ts'
import { fixture, type Fixture } from './fixture.ts'

let f: Fixture
beforeEach(async () => { f = await fixture() })
afterEach(async () => { await f.close() })

function tokenFor(siteId: string, validMs = 3_600_000): string {
  const token = newToken()
  f.store.createEnrollToken(hashToken(token), siteId, f.clock.now + validMs)
  return token
}
const enroll = (payload: object) => f.app.inject({ method: 'POST', url: '/api/enroll', payload })

describe('POST /api/enroll', () => {
  it('exchanges a token for MQTT credentials of the token\'s site, kept only as a scrypt hash', async () => {
    const reply = await enroll({ token: tokenFor('site-a2'), gatewayId: 'gw-new' })
    expect(reply.statusCode).toBe(200)
    const body = reply.json()
    expect(body).toMatchObject({ username: 'gw-new', siteId: 'site-a2', mqttUrl: 'mqtt://127.0.0.1:1883' })
    expect(body.password.length).toBeGreaterThanOrEqual(32)
    const stored = f.store.gatewayCredentials('gw-new')
    expect(stored).toMatchObject({ gatewayId: 'gw-new', siteId: 'site-a2' })
    expect(stored!.passwordHash).not.toContain(body.password)
    expect(await verifySecret(body.password, stored!.passwordHash)).toBe(true)
    expect(f.store.gatewaySite('gw-new')).toBe('site-a2')
  })

  it('accepts a token once', async () => {
    const token = tokenFor('site-a1')
    expect((await enroll({ token, gatewayId: 'gw-1' })).statusCode).toBe(200)
    const again = await enroll({ token, gatewayId: 'gw-2' })
    expect(again.statusCode).toBe(410)
    expect(again.json().error).toBe('GONE')
  })

  it('refuses an expired or unknown token (410)', async () => {
    const token = tokenFor('site-a1', 60_000)
    f.clock.now += 60_001
    expect((await enroll({ token, gatewayId: 'gw-1' })).statusCode).toBe(410)
    expect((await enroll({ token: newToken(), gatewayId: 'gw-1' })).statusCode).toBe(410)
  })

  it('refuses a gateway id of another site (409) and a malformed body (400)', async () => {
    expect((await enroll({ token: tokenFor('site-a1'), gatewayId: 'gw-b1' })).statusCode).toBe(409)
    const bad = await enroll({ token: tokenFor('site-a1'), gatewayId: 'bad/id' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/gatewayId/u)
    expect((await enroll({ gatewayId: 'gw-1' })).json().message).toMatch(/token/u)
  })
})
